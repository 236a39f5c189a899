//! `/api/v1/places/{id}/events`, `/events/{id}`, registrations: events of a
//! place and registering to them, with a waitlist.

use app::events::{EventInput, RegistrationInput, accept_offer, cancel, create_event, register};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventDoc {
    pub title: String,
    /// workshop, hackathon, bootcamp, conference, training, open-day, exhibition or open-data.
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Seats; registrations beyond go to the waitlist.
    pub capacity: i64,
    /// Age range of participants (e.g. 13 to 18); a birth date is then required.
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    /// Minutes a freed seat stays offered to the next on the waitlist (default 60).
    pub hold_minutes: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventDoc {
    pub id: i64,
    pub place_id: Option<i64>,
    pub title: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    /// Seats held (confirmed, awaiting a guardian's consent, or offered).
    pub seats_held: i64,
    pub waitlisted: i64,
}

async fn event_doc(state: &AppState, e: store::events::Event) -> ApiResult<EventDoc> {
    let (seats_held, waitlisted) = state.app.store.event_counts(e.id).await?;
    Ok(event_doc_with(e, seats_held, waitlisted))
}

fn event_doc_with(e: store::events::Event, seats_held: i64, waitlisted: i64) -> EventDoc {
    EventDoc {
        id: e.id,
        place_id: e.place_id,
        title: e.title,
        kind: e.kind,
        starts_at: from_micros(e.starts_at),
        ends_at: from_micros(e.ends_at),
        capacity: e.capacity,
        min_age: e.min_age,
        max_age: e.max_age,
        seats_held,
        waitlisted,
    }
}

/// Creates an event at a place (its manager, the territory team or an administrator).
#[utoipa::path(post, path = "/places/{id}/events", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewEventDoc,
    responses((status = 201, body = EventDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewEventDoc>,
) -> ApiResult<(StatusCode, JsonResponse<EventDoc>)> {
    let input = EventInput {
        title: body.title,
        kind: body.kind,
        starts_at: Some(body.starts_at),
        ends_at: Some(body.ends_at),
        capacity: body.capacity,
        min_age: body.min_age,
        max_age: body.max_age,
        hold_minutes: body.hold_minutes,
    };
    let e = create_event(&state.app, &caller.actor(), place_id, &input).await?;
    // A new event has no registration: no query after the commit that could fail.
    Ok((StatusCode::CREATED, JsonResponse(event_doc_with(e, 0, 0))))
}

/// An event with its seats held and waitlist length.
#[utoipa::path(get, path = "/events/{id}", tag = "operations", params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, body = EventDoc), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<JsonResponse<EventDoc>> {
    let e = state.app.store.event(id).await?;
    Ok(JsonResponse(event_doc(&state, e).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistrationDoc {
    /// Who attends, when registering someone else (a child); the token's owner otherwise.
    pub participant: Option<String>,
    /// YYYY-MM-DD; required when the event has an age range.
    pub birth_date: Option<NaiveDate>,
    /// Required for a participant under 18: their guardian must consent.
    pub guardian_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationDoc {
    pub id: i64,
    pub event_id: i64,
    pub participant: String,
    /// confirmed, consent (awaiting a guardian), offered (a freed seat, take it before offered_until), waitlisted or cancelled.
    pub status: String,
    /// 1 for the first in line, when waitlisted.
    pub waitlist_position: Option<i64>,
    pub offered_until: Option<DateTime<Utc>>,
}

fn registration_doc(r: store::events::Registration, waitlist_position: Option<i64>) -> RegistrationDoc {
    RegistrationDoc {
        id: r.id,
        event_id: r.event_id,
        participant: r.participant,
        status: r.status,
        waitlist_position,
        offered_until: r.offered_until.map(from_micros),
    }
}

/// Registers the token's owner (or someone they register): confirmed while
/// seats remain, else waitlisted in order of arrival; never more seats than
/// the capacity.
#[utoipa::path(post, path = "/events/{id}/registrations", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Event id")), request_body = NewRegistrationDoc,
    responses((status = 201, body = RegistrationDoc), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_registration(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(event_id): Path<i64>,
    Json(body): Json<NewRegistrationDoc>,
) -> ApiResult<(StatusCode, JsonResponse<RegistrationDoc>)> {
    let input = RegistrationInput {
        participant: body.participant,
        birth_date: body.birth_date,
        guardian_email: body.guardian_email,
    };
    let name = caller.identity().user.display_name.clone();
    let r = register(&state.app, &caller.actor(), event_id, &input, &name).await?;
    Ok((StatusCode::CREATED, JsonResponse(registration_doc(r.registration, r.waitlist_position))))
}

/// Cancels a registration (its owner, or the place's team); a freed seat is
/// offered to the next in line.
#[utoipa::path(delete, path = "/registrations/{id}", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration id")),
    responses((status = 200, body = RegistrationDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_registration(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<RegistrationDoc>> {
    let r = cancel(&state.app, &caller.actor(), id).await?;
    Ok(JsonResponse(registration_doc(r, None)))
}

/// Takes the seat offered to this registration, before the offer expires.
#[utoipa::path(post, path = "/registrations/{id}/accept", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration id")),
    responses((status = 200, body = RegistrationDoc), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<RegistrationDoc>> {
    let r = accept_offer(&state.app, &caller.actor(), id).await?;
    Ok(JsonResponse(registration_doc(r, None)))
}
