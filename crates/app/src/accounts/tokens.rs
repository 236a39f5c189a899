//! API tokens: created from the account page or the API, shown once.

use chrono::{DateTime, Utc};
use domain::accounts::{FieldError, TokenScopes};
use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource, authorize};
use store::api_tokens::{ApiToken, NewApiToken};

use crate::secrets::{random_token, token_hash};
use crate::{App, AppError, FieldErrors};

/// Tokens start with this, so secret scanners and people recognise them.
pub const TOKEN_PREFIX: &str = "mlg_";

pub struct CreatedToken {
    pub token: ApiToken,
    /// The only time the secret exists outside the program that receives it.
    pub secret: String,
}

pub async fn create_api_token(
    app: &App,
    actor: &Actor,
    user_id: i64,
    name: &str,
    scopes: TokenScopes,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedToken, AppError> {
    authorize(actor, Action::EditAccount, Resource::User(user_id))?;
    let mut errors = FieldErrors::default();
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", FieldError::Required);
    } else if name.chars().count() > 80 {
        errors.add("name", FieldError::TooLong { max: 80 });
    }
    if scopes.is_empty() {
        errors.add("scopes", FieldError::Required);
    }
    if expires_at.is_some_and(|t| t <= Utc::now()) {
        errors.add("expires_at", FieldError::Invalid);
    }
    errors.into_result()?;
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let mut tx = app.store.write().await?;
    let token = tx
        .insert_api_token(NewApiToken {
            user_id,
            name,
            token_hash: &token_hash(&secret),
            prefix: &prefix,
            scopes: &scopes,
            expires_at,
        })
        .await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "api_token.create", "api_token", token.id)
            .with_summary(format!("scopes: {}", scopes.to_list())),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { token, secret })
}

pub async fn revoke_api_token(app: &App, actor: &Actor, user_id: i64, token_id: i64) -> Result<(), AppError> {
    authorize(actor, Action::EditAccount, Resource::User(user_id))?;
    let mut tx = app.store.write().await?;
    if !tx.revoke_api_token(user_id, token_id).await? {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    tx.audit(AuditEvent::new(actor.audit_actor(), "api_token.revoke", "api_token", token_id)).await?;
    tx.commit().await?;
    Ok(())
}
