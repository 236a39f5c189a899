//! Who is making a request: a browser session or an API token.

use domain::accounts::{Grant, TokenScopes};
use domain::policy::{Actor, UserActor};
use store::accounts::User;

use crate::secrets::token_hash;
use crate::{App, AppError};

#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub grants: Vec<Grant>,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    Session { session_id: i64 },
    Token { token_id: i64, scopes: TokenScopes },
}

impl Identity {
    /// The actor the policy decides about.
    pub fn actor(&self) -> Actor {
        Actor::User(UserActor {
            user_id: self.user.id,
            grants: self.grants.clone(),
            token_scopes: match &self.via {
                Via::Session { .. } => None,
                Via::Token { scopes, .. } => Some(scopes.clone()),
            },
        })
    }

    pub fn session_id(&self) -> Option<i64> {
        match self.via {
            Via::Session { session_id } => Some(session_id),
            Via::Token { .. } => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role == domain::accounts::Role::PlatformAdmin)
    }
}

/// Activity is recorded at most this often. The time last recorded comes
/// with the lookup, so most requests skip the UPDATE: on SQLite an UPDATE,
/// even of no row, takes the write lock, and it met the writers' lock in
/// SQLite's sleeping busy handler on every request.
const SESSION_SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);
const TOKEN_USED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

fn due(last: Option<chrono::DateTime<chrono::Utc>>, every: chrono::Duration) -> bool {
    last.is_none_or(|at| chrono::Utc::now() - at >= every)
}

/// The identity behind a session cookie's value, if the session is live.
pub async fn authenticate_session(app: &App, cookie_token: &str) -> Result<Option<Identity>, AppError> {
    let Some((session, user, grants)) = app.store.session_by_token_hash(&token_hash(cookie_token)).await? else {
        return Ok(None);
    };
    if due(Some(session.last_seen_at), SESSION_SEEN_EVERY) {
        app.store.touch_session(session.id, SESSION_SEEN_EVERY).await?;
    }
    let grants = grants.into_iter().map(|g| g.grant).collect();
    Ok(Some(Identity { user, grants, via: Via::Session { session_id: session.id } }))
}

/// The identity behind an `Authorization: Bearer` token, if it is live.
pub async fn authenticate_bearer(app: &App, bearer: &str) -> Result<Option<Identity>, AppError> {
    let Some((token, user, grants)) = app.store.api_token_by_hash(&token_hash(bearer)).await? else {
        return Ok(None);
    };
    if due(token.last_used_at, TOKEN_USED_EVERY) {
        app.store.touch_api_token(token.id, TOKEN_USED_EVERY).await?;
    }
    let grants = grants.into_iter().map(|g| g.grant).collect();
    Ok(Some(Identity { user, grants, via: Via::Token { token_id: token.id, scopes: token.scopes } }))
}
