//! A person changing their own account.

use domain::accounts::{DisplayName, Email, FieldError};
use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource, authorize};

use super::check_new_password;
use crate::i18n::Lang;
use crate::secrets::{hash_password, verify_password};
use crate::{App, AppError, FieldErrors, mail};

pub async fn update_profile(
    app: &App,
    actor: &Actor,
    user_id: i64,
    display_name: &str,
    locale: &str,
) -> Result<(), AppError> {
    authorize(actor, Action::EditAccount, Resource::User(user_id))?;
    let mut errors = FieldErrors::default();
    let name = DisplayName::parse(display_name).map_err(|e| errors.add("display_name", e)).ok();
    let lang = Lang::parse(locale);
    if lang.is_none() {
        errors.add("locale", FieldError::Invalid);
    }
    let (Some(name), Some(lang)) = (name, lang) else { return Err(AppError::Invalid(errors)) };
    let mut tx = app.store.write().await?;
    tx.update_profile(user_id, &name, lang.code()).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "user.update", "user", user_id).with_summary("display_name, locale"))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password after checking the current one; closes the other
/// sessions (keeping `keep_session`) and tells the owner by mail.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    user_id: i64,
    current: &str,
    new: &str,
    confirm: Option<&str>,
    keep_session: Option<i64>,
) -> Result<(), AppError> {
    authorize(actor, Action::EditAccount, Resource::User(user_id))?;
    let user = app.store.user(user_id).await?;
    let mut errors = FieldErrors::default();
    if !verify_password(current, app.store.password_hash(user_id).await?).await? {
        errors.add("current_password", FieldError::Invalid);
    }
    let email = user.email.as_deref().and_then(|e| Email::parse(e).ok());
    let password = check_new_password(&mut errors, "password", new, confirm, email.as_ref());
    let Some(password) = password.filter(|_| errors.is_empty()) else { return Err(AppError::Invalid(errors)) };
    let hash = hash_password(password.expose()).await?;
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let m = mail::password_changed(lang, &user.display_name, &app.link("/password/forgot"));
    let mut tx = app.store.write().await?;
    tx.set_password_hash(user_id, &hash).await?;
    tx.delete_other_sessions(user_id, keep_session).await?;
    if let Some(address) = &user.email {
        tx.enqueue_mail(Some(user_id), address, &m.subject, &m.body).await?;
    }
    tx.audit(AuditEvent::new(actor.audit_actor(), "password.change", "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes one of the person's sessions (a lost phone, a shared computer).
pub async fn revoke_session(app: &App, actor: &Actor, user_id: i64, session_id: i64) -> Result<(), AppError> {
    authorize(actor, Action::EditAccount, Resource::User(user_id))?;
    let mut tx = app.store.write().await?;
    if !tx.delete_session(user_id, session_id).await? {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    tx.audit(AuditEvent::new(actor.audit_actor(), "session.revoke", "session", session_id)).await?;
    tx.commit().await?;
    Ok(())
}
