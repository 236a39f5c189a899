//! Creating an account and confirming its address.

use chrono::Utc;
use domain::accounts::{DisplayName, Email};
use domain::audit::{AuditActor, AuditEvent};
use store::accounts::NewUser;
use store::one_time::Purpose;

use super::check_new_password;
use crate::i18n::Lang;
use crate::secrets::{hash_password, random_token, token_hash};
use crate::{App, AppError, FieldErrors, mail};

pub struct SignupForm<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    /// Pages ask for the password twice; the API does not.
    pub password_confirm: Option<&'a str>,
    pub lang: Lang,
}

/// Creates an unconfirmed account and mails its confirmation link.
///
/// When the address already has an account, the answer is the same and that
/// account's owner gets a mail instead: the form does not reveal who is
/// registered.
pub async fn signup(app: &App, form: SignupForm<'_>) -> Result<Email, AppError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(form.email).map_err(|e| errors.add("email", e)).ok();
    let name = DisplayName::parse(form.display_name).map_err(|e| errors.add("display_name", e)).ok();
    let password = check_new_password(&mut errors, "password", form.password, form.password_confirm, email.as_ref());
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(AppError::Invalid(errors));
    };

    if let Some(existing) = app.store.user_by_email(&email).await? {
        let lang = Lang::parse(&existing.locale).unwrap_or_default();
        let m = mail::account_exists(lang, &app.link("/login"), &app.link("/password/forgot"));
        let mut tx = app.store.write().await?;
        tx.enqueue_mail(Some(existing.id), email.as_str(), &m.subject, &m.body).await?;
        tx.audit(AuditEvent::new(AuditActor::Anonymous, "user.signup_existing", "user", existing.id)).await?;
        tx.commit().await?;
        return Ok(email);
    }

    let hash = hash_password(password.expose()).await?;
    let secret = random_token();
    let mut tx = app.store.write().await?;
    let user = tx
        .insert_user(NewUser {
            email: &email,
            display_name: &name,
            password_hash: &hash,
            locale: form.lang.code(),
            confirmed: false,
        })
        .await?;
    tx.insert_one_time_token(user.id, Purpose::ConfirmEmail, &token_hash(&secret), Utc::now() + app.config.confirm_ttl)
        .await?;
    let m = mail::confirm_email(form.lang, name.as_str(), &app.link(&format!("/email/confirm?token={secret}")));
    tx.enqueue_mail(Some(user.id), email.as_str(), &m.subject, &m.body).await?;
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "user.signup", "user", user.id)).await?;
    tx.commit().await?;
    Ok(email)
}

/// Queues a new confirmation link for an unconfirmed account.
pub(crate) async fn resend_confirmation(app: &App, user: &store::accounts::User) -> Result<(), AppError> {
    let Some(email) = user.email.as_deref() else { return Ok(()) };
    let secret = random_token();
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let m = mail::confirm_email(lang, &user.display_name, &app.link(&format!("/email/confirm?token={secret}")));
    let mut tx = app.store.write().await?;
    tx.void_one_time_tokens(user.id, Purpose::ConfirmEmail).await?;
    tx.insert_one_time_token(user.id, Purpose::ConfirmEmail, &token_hash(&secret), Utc::now() + app.config.confirm_ttl)
        .await?;
    tx.enqueue_mail(Some(user.id), email, &m.subject, &m.body).await?;
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "user.confirmation_resent", "user", user.id)).await?;
    tx.commit().await?;
    Ok(())
}
