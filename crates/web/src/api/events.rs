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
    /// Required unless `sessions` are given (the event then spans them).
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Seats, shared by every ticket category; registrations beyond go to the waitlist.
    pub capacity: i64,
    /// Age range of participants (e.g. 13 to 18); a birth date is then required.
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    /// Minutes a freed seat stays offered to the next on the waitlist (default 60).
    pub hold_minutes: Option<i64>,
    /// Online rather than at the place (default false).
    #[serde(default)]
    pub online: bool,
    /// Language spoken, e.g. fr or en.
    pub language: Option<String>,
    /// How the event is accessible (step-free access, induction loop, …).
    pub accessibility: Option<String>,
    pub description: Option<String>,
    /// Price categories, all sharing `capacity`; each registration picks one.
    #[serde(default)]
    pub categories: Vec<crate::api::programmes::NewCategoryDoc>,
    /// A programme's sessions, all covered by one registration.
    #[serde(default)]
    pub sessions: Vec<crate::api::programmes::NewSessionDoc>,
    /// The registration questionnaire.
    #[serde(default)]
    pub questions: Vec<crate::api::programmes::NewQuestionDoc>,
    /// A training code (e.g. `laser`) that attending every session grants,
    /// for the place's machines that require it.
    pub grants_training: Option<String>,
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
    pub online: bool,
    pub language: Option<String>,
    pub accessibility: Option<String>,
    pub description: Option<String>,
    pub categories: Vec<crate::api::programmes::CategoryDoc>,
    pub sessions: Vec<crate::api::programmes::SessionDoc>,
    pub questions: Vec<crate::api::programmes::QuestionDoc>,
    pub grants_training: Option<String>,
}

async fn event_doc(state: &AppState, e: store::events::Event) -> ApiResult<EventDoc> {
    let (seats_held, waitlisted) = state.app.store.event_counts(e.id).await?;
    let programme = crate::api::programmes::programme_docs(state, e.id).await?;
    Ok(event_doc_with(e, seats_held, waitlisted, programme))
}

fn event_doc_with(
    e: store::events::Event,
    seats_held: i64,
    waitlisted: i64,
    programme: crate::api::programmes::ProgrammeDocs,
) -> EventDoc {
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
        online: e.online,
        language: e.language,
        accessibility: e.accessibility,
        description: e.description,
        categories: programme.categories,
        sessions: programme.sessions,
        questions: programme.questions,
        grants_training: e.grants_training,
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
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        capacity: body.capacity,
        min_age: body.min_age,
        max_age: body.max_age,
        hold_minutes: body.hold_minutes,
        online: body.online,
        language: body.language,
        accessibility: body.accessibility,
        description: body.description,
        categories: body.categories.into_iter().map(Into::into).collect(),
        sessions: body.sessions.into_iter().map(Into::into).collect(),
        questions: body.questions.into_iter().map(Into::into).collect(),
        grants_training: body.grants_training,
    };
    let e = create_event(&state.app, &caller.actor(), place_id, &input).await?;
    // The event is committed: a failure to read it back must not look like a
    // failure to create it, so the answer falls back to what is known.
    let programme = crate::api::programmes::programme_docs(&state, e.id).await.unwrap_or_default();
    Ok((StatusCode::CREATED, JsonResponse(event_doc_with(e, 0, 0, programme))))
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
    /// The ticket category (see the event's `categories`); may be left out when there is at most one.
    pub category_id: Option<i64>,
    /// Answers to the event's questions, keyed by question id; yes_no questions take "yes" or "no".
    #[serde(default)]
    pub answers: std::collections::HashMap<String, String>,
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
    pub category_id: Option<i64>,
    /// The ticket's check-in code, shown as a QR code at `ticket_url`.
    pub checkin_code: Option<String>,
    pub ticket_url: Option<String>,
}

fn registration_doc(r: store::events::Registration, waitlist_position: Option<i64>) -> RegistrationDoc {
    RegistrationDoc {
        category_id: r.category_id,
        ticket_url: r.checkin_code.as_ref().map(|c| format!("/billet/{c}")),
        checkin_code: r.checkin_code,
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
        category_id: body.category_id,
        answers: crate::api::programmes::answers_by_id(body.answers)?,
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
