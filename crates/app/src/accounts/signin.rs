//! Signing in and out, with attempt limits shared by every server.

use chrono::Utc;
use domain::accounts::Email;
use domain::audit::{AuditActor, AuditEvent};
use store::accounts::User;

use crate::secrets::{random_token, token_hash, verify_password};
use crate::{App, AppError};

/// A session just opened: `token` goes into the cookie and nowhere else.
pub struct NewSession {
    pub token: String,
    pub user: User,
    pub expires_at: chrono::DateTime<Utc>,
}

/// Checks the credentials and opens a session.
///
/// Failed attempts are counted per account and per client address in the
/// database, so the limits hold across servers. The same answer is given for
/// an unknown address and a wrong password.
pub async fn login(
    app: &App,
    email: &str,
    password: &str,
    client_ip: &str,
    user_agent: &str,
) -> Result<NewSession, AppError> {
    let cfg = &app.config;
    let normalised = Email::parse(email).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| email.trim().to_lowercase());
    let account_key = format!("login:a:{}", app.secret().keyed_hash(&["login-account", &normalised]));
    let ip_key = format!("login:i:{}", app.secret().keyed_hash(&["login-ip", client_ip]));
    let retry_after_secs = cfg.login_window.num_seconds();
    if app.store.throttle_count(&account_key, cfg.login_window).await? >= cfg.login_limit_per_account
        || app.store.throttle_count(&ip_key, cfg.login_window).await? >= cfg.login_limit_per_ip
    {
        return Err(AppError::Throttled { retry_after_secs });
    }

    let found = match Email::parse(email) {
        Ok(e) => app.store.user_with_password(&e).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    if !verify_password(password, hash).await? {
        app.store.throttle_hit(&account_key, cfg.login_window).await?;
        app.store.throttle_hit(&ip_key, cfg.login_window).await?;
        return Err(AppError::BadCredentials);
    }
    let user = user.ok_or(AppError::BadCredentials)?;
    if !user.is_confirmed() {
        // Resend at most three links an hour per account.
        let resend_key = format!("confirm:{}", user.id);
        if app.store.throttle_hit(&resend_key, chrono::Duration::hours(1)).await? <= 3 {
            super::signup::resend_confirmation(app, &user).await?;
        }
        return Err(AppError::EmailNotConfirmed);
    }
    app.store.throttle_reset(&account_key).await?;

    let token = random_token();
    let expires_at = Utc::now() + cfg.session_ttl;
    let user_agent: String = user_agent.chars().take(200).collect();
    let mut tx = app.store.write().await?;
    tx.insert_session(user.id, &token_hash(&token), expires_at, &user_agent).await?;
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "session.open", "user", user.id)).await?;
    tx.commit().await?;
    Ok(NewSession { token, user, expires_at })
}

/// Ends the session of this cookie value, if it exists.
pub async fn logout(app: &App, cookie_token: &str) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    match tx.delete_session_by_token_hash(&token_hash(cookie_token)).await? {
        Some(user_id) => {
            tx.audit(AuditEvent::new(AuditActor::User(user_id), "session.close", "user", user_id)).await?;
            tx.commit().await?;
        }
        None => tx.rollback().await?,
    }
    Ok(())
}
