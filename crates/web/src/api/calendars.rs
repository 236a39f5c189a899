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

fn host(state: &AppState) -> &str {
    state.app.config.public_url.trim_start_matches("https://").trim_start_matches("http://")
}

/// One entry per session of the event (a programme has several; any other
/// event one, spanning it), each with its own stable UID.
async fn event_entries(state: &AppState, e: &Event, status: &'static str) -> ApiResult<Vec<CalendarEvent>> {
    let sessions = state.app.store.event_sessions(e.id).await?;
    let total = sessions.len();
    let host = host(state);
    let url = Some(state.app.link(&format!("/evenements/{}", e.id)));
    if sessions.is_empty() {
        return Ok(vec![CalendarEvent {
            uid: format!("event-{}@{host}", e.id),
            start: from_micros(e.starts_at),
            end: from_micros(e.ends_at),
            summary: e.title.clone(),
            location: None,
            description: e.description.clone(),
            url,
            status,
        }]);
    }
    Ok(sessions
        .into_iter()
        .enumerate()
        .map(|(i, s)| CalendarEvent {
            uid: format!("event-{}-session-{}@{host}", e.id, s.id),
            start: from_micros(s.starts_at),
            end: from_micros(s.ends_at),
            summary: if total == 1 {
                e.title.clone()
            } else if s.title == e.title {
                format!("{} ({}/{total})", e.title, i + 1)
            } else {
                format!("{} \u{2013} {} ({}/{total})", e.title, s.title, i + 1)
            },
            location: if e.online { Some("En ligne / Online".to_owned()) } else { None },
            description: e.description.clone(),
            url: url.clone(),
            status,
        })
        .collect())
}

/// The upcoming events of a place, as a calendar to subscribe to.
#[utoipa::path(get, path = "/places/{id}/events.ics", tag = "operations",
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, description = "text/calendar"), (status = 404, body = ErrorBody)))]
pub async fn place(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let place = state.app.store.atlas_record(id).await?;
    let events = state.app.store.events_of_place(id, now_micros()).await?;
    let mut entries = Vec::new();
    for e in &events {
        entries.extend(event_entries(&state, e, "CONFIRMED").await?);
    }
    Ok(ics(&place.name, &entries))
}

/// One event, to add to a calendar: each session of a programme.
#[utoipa::path(get, path = "/events/{id}/calendar.ics", tag = "operations",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "text/calendar"), (status = 404, body = ErrorBody)))]
pub async fn event(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    let e = state.app.store.event(id).await?;
    Ok(ics(&e.title, &event_entries(&state, &e, "CONFIRMED").await?))
}

/// The token owner's registrations (tentative until confirmed) and bookings.
#[utoipa::path(get, path = "/me/calendar.ics", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "text/calendar"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<Response> {
    let actor = caller.actor();
    let user = caller.identity().user.id;
    authorize(&actor, Action::ViewAccount, Resource::User(user)).map_err(app::AppError::from)?;
    let host = host(&state).to_owned();
    let mut entries = Vec::new();
    for (r, e) in state.app.store.registrations_of_user(user).await? {
        let status = if r.status == "confirmed" { "CONFIRMED" } else { "TENTATIVE" };
        for (i, entry) in event_entries(&state, &e, status).await?.into_iter().enumerate() {
            let uid = if i == 0 {
                format!("registration-{}@{host}", r.id)
            } else {
                format!("registration-{}-{i}@{host}", r.id)
            };
            entries.push(CalendarEvent { uid, summary: format!("{} ({})", entry.summary, r.participant), ..entry });
        }
    }
    let mut names: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for b in state.app.store.bookings_of_user(user).await? {
        // What awaits the place's approval is tentative; what fell through is left out.
        let status = match b.status.as_str() {
            "confirmed" => "CONFIRMED",
            "pending" => "TENTATIVE",
            _ => continue,
        };
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
            status,
        });
    }
    Ok(ics("Maillage", &entries))
}
