//! Who is asking. Pages know people by their session cookie; the API knows
//! programs by their bearer token. The two never mix: the API ignores
//! cookies, so a page visited elsewhere cannot make the browser call it.

use app::accounts::{Identity, authenticate_bearer, authenticate_session};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use domain::policy::Actor;

use crate::error::{ApiError, Code};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "mlg_session";

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure under https.
/// `max_age` zero deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

/// The person behind a page request, if signed in.
pub struct PageCaller(pub Option<Identity>);

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = crate::pages::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<CachedCaller>() {
            return Ok(PageCaller(cached.0.clone()));
        }
        let identity = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => authenticate_session(&state.app, token).await?,
            None => None,
        };
        parts.extensions.insert(CachedCaller(identity.clone()));
        Ok(PageCaller(identity))
    }
}

#[derive(Clone)]
struct CachedCaller(Option<Identity>);

/// The program behind an API request, authenticated by its bearer token.
/// Extracting it answers 401 when there is no token, before the body is
/// read; a malformed or dead token is refused rather than treated as
/// anonymous. Routes open to anonymous callers do not extract it.
pub struct ApiCaller(pub Identity);

impl ApiCaller {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }

    pub fn identity(&self) -> &Identity {
        &self.0
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Err(domain::policy::Denied::Unauthenticated.into());
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::new(Code::InvalidToken, "the Authorization header must be `Bearer <token>`"))?;
        match authenticate_bearer(&state.app, token).await? {
            Some(identity) => Ok(ApiCaller(identity)),
            None => Err(ApiError::new(Code::InvalidToken, "the API token is unknown, expired or revoked")),
        }
    }
}
