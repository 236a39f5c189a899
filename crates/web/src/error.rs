//! The API's errors: `{"error": {"code", "message", "details"}}` with the
//! right status.
//!
//! Rule: every failure an API client can cause has a stable `code` below, and
//! a `message` that tells a developer what to change. Codes never change
//! meaning; new ones are added at the end of the table. A 500 means a bug or
//! an outage, never bad input.

use app::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::policy::Denied;
use serde::Serialize;
use serde_json::{Value, json};

macro_rules! error_codes {
    ($($variant:ident = $status:ident, $code:literal, $doc:literal;)*) => {
        /// Stable error codes of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$variant,)*];
            pub fn status(self) -> StatusCode { match self { $(Code::$variant => StatusCode::$status,)* } }
            pub fn as_str(self) -> &'static str { match self { $(Code::$variant => $code,)* } }
            /// What the code means, for the API documentation.
            pub fn doc(self) -> &'static str { match self { $(Code::$variant => $doc,)* } }
        }
    };
}

error_codes! {
    MalformedJson = BAD_REQUEST, "malformed_json", "The body is not valid JSON (syntax, truncation or invalid UTF-8).";
    InvalidBody = UNPROCESSABLE_ENTITY, "invalid_body", "The JSON is well-formed but does not fit: a missing field, a wrong type, an unknown field or enum value.";
    UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "The body must be sent with Content-Type: application/json.";
    PayloadTooLarge = PAYLOAD_TOO_LARGE, "payload_too_large", "The body exceeds the size limit.";
    InvalidPath = BAD_REQUEST, "invalid_path", "A path parameter has the wrong type (for example a word where an id is expected).";
    InvalidQuery = BAD_REQUEST, "invalid_query", "A query parameter is malformed or has the wrong type.";
    ValidationFailed = UNPROCESSABLE_ENTITY, "validation_failed", "Some fields were refused; `details` maps each field to the reason.";
    AuthenticationRequired = UNAUTHORIZED, "authentication_required", "This route needs an API token: send Authorization: Bearer <token>.";
    InvalidToken = UNAUTHORIZED, "invalid_token", "The API token is malformed, unknown, expired or revoked.";
    Forbidden = FORBIDDEN, "forbidden", "The token's owner does not have the right to do this.";
    MissingScope = FORBIDDEN, "missing_scope", "The token lacks the scope this route needs; `details.required_scope` names it.";
    NotFound = NOT_FOUND, "not_found", "No such route or record.";
    MethodNotAllowed = METHOD_NOT_ALLOWED, "method_not_allowed", "The route exists but not with this HTTP method.";
    Conflict = CONFLICT, "conflict", "The change conflicts with the current state (a duplicate, a taken slot).";
    RateLimited = TOO_MANY_REQUESTS, "rate_limited", "Too many attempts; retry after the number of seconds in Retry-After.";
    InvalidLink = BAD_REQUEST, "invalid_link", "The single-use token is unknown, already used or expired.";
    EmailNotConfirmed = FORBIDDEN, "email_not_confirmed", "The account's email address is not confirmed yet; a new link was sent.";
    Busy = SERVICE_UNAVAILABLE, "busy", "The database is contended; retry after the number of seconds in Retry-After.";
    Timeout = SERVICE_UNAVAILABLE, "timeout", "The request took too long and was cancelled.";
    Internal = INTERNAL_SERVER_ERROR, "internal", "An unexpected failure on our side; it has been logged.";
    HoldExpired = CONFLICT, "hold_expired", "The booking's hold lapsed before it was confirmed; book the slot again.";
    BookingState = CONFLICT, "booking_state", "The booking's state does not allow this step; `details.status` names its state.";
    CheckInClosed = CONFLICT, "check_in_closed", "Check-in runs from 15 minutes before the start until the end; `details` gives the window.";
    AccessRestricted = FORBIDDEN, "access_restricted", "The resource is reserved to the place's members or residents; `details.access` says which.";
    TrainingRequired = FORBIDDEN, "training_required", "The machine needs a training the person does not hold; `details.training` names it.";
}

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub details: Value,
}

/// The error body, for the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorContent,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorContent {
    /// A stable code from the table in the API documentation.
    #[schema(example = "validation_failed")]
    pub code: String,
    /// For developers, in English.
    pub message: String,
    /// Structured context, e.g. field → reason.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: Value::Object(Default::default()) }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn not_found() -> Self {
        Self::new(Code::NotFound, "no such record")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.code == Code::Internal {
            tracing::error!(message = %self.message, "internal error");
        }
        let message = if self.code == Code::Internal { "internal error".to_owned() } else { self.message };
        let body = json!({"error": {"code": self.code.as_str(), "message": message, "details": self.details}});
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self.code {
            Code::AuthenticationRequired | Code::InvalidToken => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"maillage\""));
            }
            Code::RateLimited | Code::Busy | Code::Timeout => {
                let secs = self.details.get("retry_after_secs").and_then(Value::as_i64).unwrap_or(1);
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        response
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Unauthenticated => {
                ApiError::new(Code::AuthenticationRequired, "this route needs an API token (Authorization: Bearer …)")
            }
            Denied::Forbidden => ApiError::new(Code::Forbidden, "the token's owner may not do this"),
            Denied::MissingScope(s) => {
                ApiError::new(Code::MissingScope, format!("the token lacks the scope {}", s.as_str()))
                    .with_details(json!({"required_scope": s.as_str()}))
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(fields) => {
                let details: serde_json::Map<String, Value> =
                    fields.0.iter().map(|(f, e)| ((*f).to_owned(), Value::String(e.to_string()))).collect();
                ApiError::new(Code::ValidationFailed, "some fields were refused; see details")
                    .with_details(Value::Object(details))
            }
            AppError::BadCredentials => ApiError::new(Code::Forbidden, "wrong email or password"),
            AppError::EmailNotConfirmed => {
                ApiError::new(Code::EmailNotConfirmed, "the email address is not confirmed yet; a new link was sent")
            }
            AppError::Throttled { retry_after_secs } => {
                ApiError::new(Code::RateLimited, format!("too many attempts; retry in {retry_after_secs} seconds"))
                    .with_details(json!({"retry_after_secs": retry_after_secs}))
            }
            AppError::InvalidLink => ApiError::new(Code::InvalidLink, "the token is unknown, used or expired"),
            AppError::Denied(d) => d.into(),
            AppError::NotFound => ApiError::not_found(),
            AppError::Conflict(m) => ApiError::new(Code::Conflict, m),
            AppError::SlotTaken { resource_id, starts_at, ends_at } => ApiError::new(
                Code::Conflict,
                "the slot collides with a booking of this resource, or of one above or below it",
            )
            .with_details(
                json!({"conflict": {"resource_id": resource_id, "starts_at": starts_at, "ends_at": ends_at}}),
            ),
            AppError::Closed { resource_id, starts_at, ends_at, reason } => {
                ApiError::new(Code::Conflict, "the resource, or one it is part of, is closed over the slot")
                    .with_details(json!({"closure": {
                        "resource_id": resource_id, "starts_at": starts_at, "ends_at": ends_at, "reason": reason
                    }}))
            }
            AppError::Busy => {
                ApiError::new(Code::Busy, "the database is busy; retry").with_details(json!({"retry_after_secs": 1}))
            }
            AppError::Internal(m) => ApiError::new(Code::Internal, m),
            AppError::HoldExpired => {
                ApiError::new(Code::HoldExpired, "the hold lapsed before it was confirmed; book the slot again")
            }
            AppError::BookingState { status, message } => {
                ApiError::new(Code::BookingState, message).with_details(json!({"status": status}))
            }
            AppError::CheckInClosed { opens_at, closes_at } => {
                ApiError::new(Code::CheckInClosed, "check-in is open from 15 minutes before the start until the end")
                    .with_details(json!({"opens_at": opens_at, "closes_at": closes_at}))
            }
            AppError::AccessRestricted { access } => {
                ApiError::new(Code::AccessRestricted, format!("this resource is reserved to the place's {access}"))
                    .with_details(json!({"access": access}))
            }
            AppError::TrainingRequired { training } => {
                ApiError::new(Code::TrainingRequired, format!("booking this machine requires the training {training}"))
                    .with_details(json!({"training": training}))
            }
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_only_internal_is_a_server_error() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(!c.doc().is_empty());
            if c.status().is_server_error() {
                assert!(matches!(c, Code::Internal | Code::Busy | Code::Timeout), "{c:?}");
            }
        }
    }
}
