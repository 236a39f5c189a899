//! `/api/v1/auth`: what an anonymous program may ask.

use app::accounts::{self, SignupForm};
use app::i18n::Lang;
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::me::LocaleDto;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::startup::ClientIp;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signup {
    pub email: String,
    pub display_name: String,
    /// At least 12 characters, not among the most common passwords.
    pub password: String,
    pub locale: Option<LocaleDto>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    /// What happens next.
    #[schema(example = "confirmation_sent")]
    pub status: &'static str,
}

/// Creates an account and mails a confirmation link. The answer is the same
/// when the address already has an account (its owner gets a mail instead).
#[utoipa::path(post, path = "/auth/signup", tag = "auth", request_body = Signup,
    responses((status = 202, body = Accepted), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn signup(
    State(state): State<AppState>,
    Json(body): Json<Signup>,
) -> ApiResult<(StatusCode, JsonResponse<Accepted>)> {
    let lang = body.locale.and_then(|l| Lang::parse(l.code())).unwrap_or_default();
    accounts::signup(
        &state.app,
        SignupForm {
            email: &body.email,
            display_name: &body.display_name,
            password: &body.password,
            password_confirm: None,
            lang,
        },
    )
    .await?;
    Ok((StatusCode::ACCEPTED, JsonResponse(Accepted { status: "confirmation_sent" })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// Mails a password reset link if the address has an account; same answer either way.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, body = Accepted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<PasswordResetRequest>,
) -> ApiResult<(StatusCode, JsonResponse<Accepted>)> {
    accounts::request_password_reset(&state.app, &body.email, &ip).await?;
    Ok((StatusCode::ACCEPTED, JsonResponse(Accepted { status: "reset_link_sent_if_account_exists" })))
}
