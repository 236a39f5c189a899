//! Layers wrapped around every route: request ids, logs without personal
//! data, security headers, and JSON bodies for the API's bare errors.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::error::{ApiError, Code};
use crate::state::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Random request ids, echoed in `X-Request-Id` and in every log line.
#[derive(Clone, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).ok()?;
        HeaderValue::from_str(&hex::encode(b)).ok().map(RequestId::new)
    }
}

/// The span of a request: method, route path and request id. Never the query
/// string (it carries single-use tokens), headers, cookies or bodies.
pub fn request_span(req: &axum::http::Request<Body>) -> tracing::Span {
    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

/// Marks a response that set its own Content-Security-Policy (the embed page).
#[derive(Clone, Copy)]
pub struct OwnCsp;

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let own_csp = response.extensions().get::<OwnCsp>().is_some();
    let h = response.headers_mut();
    let frame_ancestors = if state.frame_ancestors.is_empty() { "'none'" } else { &state.frame_ancestors };
    // Map tiles come from the configured tile server.
    let images = if state.app.config.tile_url.is_some() { "'self' data: https:" } else { "'self' data:" };
    let csp = format!(
        "default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
    );
    if !own_csp && let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(self), interest-cohort=()"),
    );
    if state.app.config.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// Under `/api`, axum's own 404, 405, 408 and 413 have empty or plain-text
/// bodies; replace them with the API's JSON error so clients parse one format.
pub async fn api_json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json || response.status().is_success() || response.status().is_redirection() {
        return response;
    }
    let error = match response.status() {
        StatusCode::NOT_FOUND => ApiError::new(Code::NotFound, "no such route; see /api/v1/openapi.json"),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = response.headers().get(header::ALLOW).cloned();
            let mut r = ApiError::new(Code::MethodNotAllowed, "this route does not accept this method").into_response();
            if let Some(a) = allow {
                r.headers_mut().insert(header::ALLOW, a);
            }
            return r;
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(Code::PayloadTooLarge, "the body exceeds the size limit"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
            ApiError::new(Code::Timeout, "the request took too long")
                .with_details(serde_json::json!({"retry_after_secs": 1}))
        }
        StatusCode::INTERNAL_SERVER_ERROR => ApiError::new(Code::Internal, "unexpected failure"),
        _ => return response,
    };
    error.into_response()
}

/// A panic in a handler becomes a 500 with a JSON body, logged, and the
/// server keeps serving.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::new(Code::Internal, "a handler panicked").into_response()
}

/// Bodies declared larger than this are not even drained.
const MAX_DRAIN_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses a body whose declared length exceeds the limit with a clear 413.
///
/// The body is read and discarded first: answering early and closing would
/// reset the connection while the client is still sending, and most
/// clients then report a network error instead of our answer.
pub async fn refuse_oversize(State(limit): State<usize>, req: Request, next: Next) -> Response {
    use http_body_util::BodyExt;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // The import form takes files up to its own limit.
    let limit = if req.uri().path() == "/import" { crate::pages::UPLOAD_LIMIT } else { limit };
    let Some(declared) = declared.filter(|n| *n > limit as u64) else {
        return next.run(req).await;
    };
    let is_api = req.uri().path().starts_with("/api/");
    let headers = req.headers().clone();
    if declared <= MAX_DRAIN_BYTES {
        let mut body = req.into_body();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(Ok(_)) = body.frame().await {}
        })
        .await;
    }
    if is_api {
        ApiError::new(Code::PayloadTooLarge, format!("the body exceeds the limit of {limit} bytes")).into_response()
    } else {
        crate::pages::PageError::payload_too_large(&headers).into_response()
    }
}
