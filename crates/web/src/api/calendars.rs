//! iCalendar feeds (RFC 5545): a place's events, one event, and a person's
//! own registrations and bookings.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::policy::{Action, Resource, authorize};
use interop::ical::{CalendarEvent, calendar};
use store::events::Event;
use store::{from_micros, now_micros};

use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

fn ics(name: &str, events: &[CalendarEvent]) -> Response {
    let body = calendar(name, events, Utc::now());
    ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response()
}

fn event_entry(state: &AppState, e: &Event, status: &'static str) -> CalendarEvent {
    let host = state.app.config.public_url.trim_start_matches("https://").trim_start_matches("http://");
    CalendarEvent {
        uid: format!("event-{}@{host}", e.id),
        start: from_micros(e.starts_at),
        end: from_micros(e.ends_at),
        summary: e.title.clone(),
        location: None,
        description: None,
        url: Some(state.app.link(&format!("/api/v1/events/{}", e.id))),
        status,
    }
}

/// The upcoming events of a place, as a calendar to subscribe to.
#[utoipa::path(get, path = "/places/{id}/events.ics", tag = "operations",
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, description = "text/calendar"), (status = 404, body = ErrorBody)))]
pub async fn place(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let place = state.app.store.atlas_record(id).await?;
    let events = state.app.store.events_of_place(id, now_micros()).await?;
    let entries: Vec<CalendarEvent> = events.iter().map(|e| event_entry(&state, e, "CONFIRMED")).collect();
    Ok(ics(&place.name, &entries))
}

/// One event, to add to a calendar.
#[utoipa::path(get, path = "/events/{id}/calendar.ics", tag = "operations",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "text/calendar"), (status = 404, body = ErrorBody)))]
pub async fn event(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let e = state.app.store.event(id).await?;
    Ok(ics(&e.title, &[event_entry(&state, &e, "CONFIRMED")]))
}

/// The token owner's registrations (tentative until confirmed) and bookings.
#[utoipa::path(get, path = "/me/calendar.ics", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "text/calendar"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Response> {
    let actor = caller.actor();
    let user = caller.identity().user.id;
    authorize(&actor, Action::ViewAccount, Resource::User(user)).map_err(app::AppError::from)?;
    let host = state.app.config.public_url.trim_start_matches("https://").trim_start_matches("http://").to_owned();
    let mut entries = Vec::new();
    for (r, e) in state.app.store.registrations_of_user(user).await? {
        let status = if r.status == "confirmed" { "CONFIRMED" } else { "TENTATIVE" };
        entries.push(CalendarEvent {
            uid: format!("registration-{}@{host}", r.id),
            summary: format!("{} ({})", e.title, r.participant),
            ..event_entry(&state, &e, status)
        });
    }
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for b in state.app.store.bookings_of_user(user).await? {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(b.resource_id) {
            slot.insert(state.app.store.resource(b.resource_id).await?.name);
        }
        entries.push(CalendarEvent {
            uid: format!("booking-{}@{host}", b.id),
            start: from_micros(b.starts_at),
            end: from_micros(b.ends_at),
            summary: names[&b.resource_id].clone(),
            location: None,
            description: None,
            url: None,
            status: "CONFIRMED",
        });
    }
    Ok(ics("Maillage", &entries))
}
