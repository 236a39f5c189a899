//! Links sent by mail: confirming an address, resetting a password.

use chrono::Utc;
use domain::accounts::Email;
use domain::audit::{AuditActor, AuditEvent};
use store::one_time::Purpose;

use super::check_new_password;
use crate::i18n::Lang;
use crate::secrets::{hash_password, random_token, token_hash};
use crate::{App, AppError, FieldErrors, mail};

/// Uses a confirmation link. Fails with `InvalidLink` when it is unknown,
/// used or expired.
pub async fn confirm_email(app: &App, token: &str) -> Result<i64, AppError> {
    let mut tx = app.store.write().await?;
    let Some(user_id) = tx.consume_one_time_token(&token_hash(token), Purpose::ConfirmEmail).await? else {
        tx.rollback().await?;
        return Err(AppError::InvalidLink);
    };
    tx.confirm_email(user_id).await?;
    tx.audit(AuditEvent::new(AuditActor::User(user_id), "user.confirm_email", "user", user_id)).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Mails a reset link if the address has an account. Answers the same either
/// way; at most five requests an hour per address and per client.
pub async fn request_password_reset(app: &App, email: &str, client_ip: &str) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add("email", e);
        AppError::Invalid(errors)
    })?;
    let hour = chrono::Duration::hours(1);
    let by_email = format!("reset:a:{}", app.secret().keyed_hash(&["reset-account", email.as_str()]));
    let by_ip = format!("reset:i:{}", app.secret().keyed_hash(&["reset-ip", client_ip]));
    if app.store.throttle_hit(&by_email, hour).await? > 5 || app.store.throttle_hit(&by_ip, hour).await? > 20 {
        return Err(AppError::Throttled { retry_after_secs: hour.num_seconds() });
    }
    let Some(user) = app.store.user_by_email(&email).await? else { return Ok(()) };
    let secret = random_token();
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let m = mail::reset_password(lang, &user.display_name, &app.link(&format!("/password/reset?token={secret}")));
    let mut tx = app.store.write().await?;
    tx.void_one_time_tokens(user.id, Purpose::ResetPassword).await?;
    tx.insert_one_time_token(user.id, Purpose::ResetPassword, &token_hash(&secret), Utc::now() + app.config.reset_ttl)
        .await?;
    tx.enqueue_mail(Some(user.id), email.as_str(), &m.subject, &m.body).await?;
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "password.reset_request", "user", user.id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a reset link can still be used (to show its form or an error).
pub async fn reset_link_is_valid(app: &App, token: &str) -> Result<bool, AppError> {
    Ok(app.store.one_time_token_owner(&token_hash(token), Purpose::ResetPassword).await?.is_some())
}

/// Sets a new password with a reset link, closes every session of the account
/// and tells its owner by mail. A confirmed link also proves the address.
pub async fn reset_password(app: &App, token: &str, password: &str, confirm: Option<&str>) -> Result<(), AppError> {
    let hashed_token = token_hash(token);
    let user_id =
        app.store.one_time_token_owner(&hashed_token, Purpose::ResetPassword).await?.ok_or(AppError::InvalidLink)?;
    let user = app.store.user(user_id).await?;
    let email = user.email.as_deref().and_then(|e| Email::parse(e).ok());
    let mut errors = FieldErrors::default();
    let Some(password) = check_new_password(&mut errors, "password", password, confirm, email.as_ref()) else {
        return Err(AppError::Invalid(errors));
    };
    let hash = hash_password(password.expose()).await?;
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let m = mail::password_changed(lang, &user.display_name, &app.link("/password/forgot"));

    let mut tx = app.store.write().await?;
    if tx.consume_one_time_token(&hashed_token, Purpose::ResetPassword).await? != Some(user_id) {
        tx.rollback().await?;
        return Err(AppError::InvalidLink);
    }
    tx.set_password_hash(user_id, &hash).await?;
    tx.confirm_email(user_id).await?;
    tx.delete_other_sessions(user_id, None).await?;
    if let Some(address) = &user.email {
        tx.enqueue_mail(Some(user_id), address, &m.subject, &m.body).await?;
    }
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "password.reset", "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}
