//! Protection of state-changing forms against cross-site request forgery.
//!
//! Two independent checks on every non-GET page request:
//! 1. tower-http's [`CsrfLayer`](tower_http::csrf::CsrfLayer) refuses requests
//!    a browser marks as cross-site (`Sec-Fetch-Site`, `Origin`);
//! 2. this middleware requires a `csrf` form field (or `X-CSRF-Token`
//!    header) equal to a keyed hash of the visitor's `mlg_csrf` cookie. The
//!    key is the instance secret, so a forged cookie cannot yield a valid
//!    token and every server computes the same one.

use app::secrets::random_token;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{cookie, set_cookie};
use crate::state::AppState;

pub const CSRF_COOKIE: &str = "mlg_csrf";
pub const CSRF_FIELD: &str = "csrf";
const MAX_FORM_BYTES: usize = 256 * 1024;

/// The visitor's CSRF cookie value, for templates to derive the form token.
#[derive(Clone)]
pub struct CsrfCookie(pub String);

pub fn form_token(state: &AppState, cookie_value: &str) -> String {
    state.app.secret().keyed_hash(&["csrf", cookie_value])[..40].to_owned()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE).filter(|v| v.len() == 43).map(str::to_owned);
    let fresh = existing.is_none();
    let value = existing.unwrap_or_else(random_token);

    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let expected = form_token(&state, &value);
        let (parts, body) = req.into_parts();
        let header_token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
        // File uploads carry the token in the form's action URL: their body
        // is streamed to the handler, not read here.
        let is_upload = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        if is_upload {
            let query_token = parts.uri.query().and_then(|q| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                    .ok()
                    .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
            });
            let given = header_token.or(query_token);
            if fresh || !given.is_some_and(|g| constant_time_eq(&g, &expected)) {
                tracing::info!("upload refused: missing or wrong CSRF token");
                return crate::pages::PageError::csrf(&parts.headers).into_response();
            }
            let mut req = Request::from_parts(parts, body);
            req.extensions_mut().insert(CsrfCookie(value.clone()));
            return next.run(req).await;
        }
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return crate::pages::PageError::payload_too_large(&parts.headers).into_response();
        };
        let form_token = if is_form {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
        } else {
            None
        };
        let given = header_token.or(form_token);
        if fresh || !given.is_some_and(|g| constant_time_eq(&g, &expected)) {
            tracing::info!("form refused: missing or wrong CSRF token");
            return crate::pages::PageError::csrf(&parts.headers).into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(CsrfCookie(value.clone()));
    let mut response = next.run(req).await;
    if fresh {
        let c = set_cookie(CSRF_COOKIE, &value, 60 * 60 * 24 * 365, state.app.config.is_https());
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}
