//! `/api/v1/bookings/{id}/…`: a booking's lifecycle (confirm a hold,
//! approve or refuse, cancel, check in) and the place records its access
//! rules read (`/places/{id}/memberships`, `/places/{id}/trainings`).

use app::bookings::{MembershipInput, add_membership, booking, cancel, check_in, confirm_hold, decide, grant_training};
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

/// One booking (its booker or the place's manager).
#[utoipa::path(get, path = "/bookings/{id}", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(booking(&state.app, &caller.actor(), id).await?.into()))
}

/// Confirms a held booking while its hold lasts (its booker). 409
/// `hold_expired` once `held_until` has passed, `booking_state` when it is
/// not a hold.
#[utoipa::path(post, path = "/bookings/{id}/confirm", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(confirm_hold(&state.app, &caller.actor(), id).await?.into()))
}

/// Approves a pending booking (the place's manager); it becomes confirmed.
#[utoipa::path(post, path = "/bookings/{id}/approve", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(decide(&state.app, &caller.actor(), id, true).await?.into()))
}

/// Refuses a pending booking (the place's manager); its slot is free again.
#[utoipa::path(post, path = "/bookings/{id}/refuse", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(decide(&state.app, &caller.actor(), id, false).await?.into()))
}

/// Cancels a booking (its booker or the place's manager). After the
/// resource's deadline a confirmed booking carries `cancellation_fee_cents`.
#[utoipa::path(post, path = "/bookings/{id}/cancel", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel_booking(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(cancel(&state.app, &caller.actor(), id).await?.into()))
}

/// Checks in a confirmed booking (its booker or the place's manager), from
/// 15 minutes before its start until its end; 409 `check_in_closed` outside.
#[utoipa::path(post, path = "/bookings/{id}/check-in", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn check_in_booking(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<BookingDoc>> {
    Ok(JsonResponse(check_in(&state.app, &caller.actor(), id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMembershipDoc {
    pub user_id: i64,
    /// A resident may also book what members may.
    pub role: MembershipRoleDoc,
    /// The atlas organisation they come with.
    pub organisation_id: Option<i64>,
    /// From now when absent.
    pub starts_at: Option<DateTime<Utc>>,
    /// Open-ended when absent.
    pub ends_at: Option<DateTime<Utc>>,
}

/// An unknown role is refused with the body, before any lookup.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum MembershipRoleDoc {
    Member,
    Resident,
}

impl MembershipRoleDoc {
    fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Resident => "resident",
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MembershipDoc {
    pub id: i64,
    pub place_id: i64,
    pub user_id: i64,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Records a member or resident of the place (its manager): what a
/// resource's `members` or `residents` access asks for.
#[utoipa::path(post, path = "/places/{id}/memberships", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewMembershipDoc,
    responses((status = 201, body = MembershipDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_membership(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewMembershipDoc>,
) -> ApiResult<(StatusCode, JsonResponse<MembershipDoc>)> {
    let input = MembershipInput {
        user_id: body.user_id,
        role: body.role.as_str().to_owned(),
        organisation_id: body.organisation_id,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
    };
    let m = add_membership(&state.app, &caller.actor(), place_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(MembershipDoc {
            id: m.id,
            place_id: m.place_id,
            user_id: m.user_id,
            role: m.role,
            organisation_id: m.organisation_id,
            starts_at: from_micros(m.starts_at),
            ends_at: m.ends_at.map(from_micros),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainingDoc {
    pub user_id: i64,
    /// The code a machine's `training` names (lowercase letters, digits, - and _).
    pub training: String,
}

#[derive(Serialize, ToSchema)]
pub struct TrainingDoc {
    pub user_id: i64,
    pub place_id: i64,
    pub training: String,
    pub granted_by: Option<i64>,
    pub granted_at: DateTime<Utc>,
}

/// Grants a training at the place (its manager); granting it again keeps
/// the first grant.
#[utoipa::path(post, path = "/places/{id}/trainings", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewTrainingDoc,
    responses((status = 201, body = TrainingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_training(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewTrainingDoc>,
) -> ApiResult<(StatusCode, JsonResponse<TrainingDoc>)> {
    let t = grant_training(&state.app, &caller.actor(), place_id, body.user_id, &body.training).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(TrainingDoc {
            user_id: t.user_id,
            place_id: t.place_id,
            training: t.training,
            granted_by: t.granted_by,
            granted_at: from_micros(t.granted_at),
        }),
    ))
}
