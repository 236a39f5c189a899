//! `/api/v1/resources/{id}/closures`, `/closures/{id}`: closing a resource
//! for a period and reopening it (the place's booking manager).

use app::closures::{close, reopen};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::ToSchema;

use super::operations::BookingDoc;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Shown to people who try to book (at most 200 characters).
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClosureDoc {
    pub id: i64,
    /// The resource closed; what is below it is closed too.
    pub resource_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

impl From<store::closures::Closure> for ClosureDoc {
    fn from(c: store::closures::Closure) -> Self {
        Self {
            id: c.id,
            resource_id: c.resource_id,
            starts_at: from_micros(c.starts_at),
            ends_at: from_micros(c.ends_at),
            reason: c.reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClosureCreated {
    pub closure: ClosureDoc,
    /// Bookings already made in the period, which the closure leaves in
    /// place: cancel or move them.
    pub affected_bookings: Vec<BookingDoc>,
}

/// Closes a resource and everything below it for a period: new bookings
/// there are refused with 409 and the closure in `details`.
#[utoipa::path(post, path = "/resources/{id}/closures", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Resource id")), request_body = NewClosure,
    responses((status = 201, body = ClosureCreated), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<NewClosure>,
) -> ApiResult<(StatusCode, JsonResponse<ClosureCreated>)> {
    let (closure, affected) =
        close(&state.app, &caller.actor(), id, body.starts_at, body.ends_at, &body.reason).await?;
    let created =
        ClosureCreated { closure: closure.into(), affected_bookings: affected.into_iter().map(Into::into).collect() };
    Ok((StatusCode::CREATED, JsonResponse(created)))
}

/// Reopens: removes a closure.
#[utoipa::path(delete, path = "/closures/{id}", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Closure id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<AppState>, caller: ApiCaller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    reopen(&state.app, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
