//! The back office's front page: bookings waiting for approval, the
//! confirmed ones of the next two weeks, and the actions on each (approve,
//! refuse, check in, cancel).

use app::AppError;
use app::bookings::ManagerAction;
use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use domain::operations::lifecycle::check_in_window;
use store::from_micros;

use super::{actor, app_err};
use crate::pages::dates::{hhmm, long_date, span, zone_of};
use crate::pages::{Chrome, Page, PageError, redirect_with_notice};
use crate::state::AppState;

/// How far ahead the dashboard lists confirmed bookings.
const UPCOMING_DAYS: i64 = 14;

/// A booking line of the dashboard.
pub struct Line {
    id: i64,
    resource: String,
    booker: String,
    when: String,
    status: &'static str,
    checked_in: bool,
    /// Confirmed, not checked in, and its check-in window is open now.
    may_check_in: bool,
    /// When check-in opens, for a confirmed booking whose window is ahead.
    check_in_opens: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_dashboard.html")]
pub struct DashboardPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    zone: String,
    pending: Vec<Line>,
    upcoming: Vec<Line>,
    /// (id, name) of each resource, for its prices.
    resources: Vec<(i64, String)>,
}

fn status_label(t: &Messages, status: &str) -> &'static str {
    match status {
        "pending" => t.bo_status_pending,
        "held" => t.bo_status_held,
        _ => t.bo_status_confirmed,
    }
}

fn lines(t: &Messages, lang: Lang, tz: Tz, list: Vec<app::bookings::ManagedBooking>) -> Vec<Line> {
    let now = store::now_micros();
    list.into_iter()
        .map(|m| {
            let b = &m.booking;
            let (opens, closes) = check_in_window(b.starts_at, b.ends_at);
            let waiting = b.status == "confirmed" && b.checked_in_at.is_none();
            Line {
                id: b.id,
                when: span(lang, from_micros(b.starts_at), from_micros(b.ends_at), tz),
                status: status_label(t, &b.status),
                checked_in: b.checked_in_at.is_some(),
                may_check_in: waiting && opens <= now && now < closes,
                check_in_opens: (waiting && now < opens).then(|| {
                    let at = from_micros(opens);
                    fill(t.bo_check_in_from, &[&long_date(lang, at.with_timezone(&tz).date_naive()), &hhmm(at, tz)])
                }),
                resource: m.resource,
                booker: m.booker.unwrap_or_else(|| t.bo_booker_unknown.to_owned()),
            }
        })
        .collect()
}

pub async fn dashboard(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let place = app::backoffice::managed_place(&state.app, &actor, id).await.map_err(app_err(lang))?;
    let tz = zone_of(&place);
    let b = app::bookings::bookings_to_manage(&state.app, &actor, id, UPCOMING_DAYS).await.map_err(app_err(lang))?;
    Ok(DashboardPage {
        place_id: id,
        title: fill(t.bo_title, &[&place.name]),
        zone: fill(t.bo_times_in, &[tz.name()]),
        pending: lines(t, lang, tz, b.pending),
        upcoming: lines(t, lang, tz, b.upcoming),
        resources: b.resources.into_iter().map(|r| (r.id, r.name)).collect(),
        chrome: page.chrome,
    }
    .into_response())
}

/// Approve, refuse, check in or cancel a booking from the dashboard; a
/// booking no longer in a state that allows it becomes a notice, and a
/// booking of another place is not found here.
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    Path((place_id, booking_id, action)): Path<(i64, i64, String)>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = actor(&page)?;
    let (action, notice) = match action.as_str() {
        "approuver" => (ManagerAction::Approve, "bo_approved"),
        "refuser" => (ManagerAction::Refuse, "bo_refused"),
        "arrivee" => (ManagerAction::CheckIn, "bo_checked_in"),
        "annuler" => (ManagerAction::Cancel, "bo_cancelled"),
        _ => return Err(PageError::NotFound(lang)),
    };
    let done = app::bookings::act_at_place(&state.app, &actor, place_id, booking_id, action).await;
    let back = format!("/lieux/{place_id}/gestion");
    match done {
        Ok(_) => Ok(redirect_with_notice(&back, notice)),
        Err(AppError::BookingState { .. }) => Ok(redirect_with_notice(&back, "bo_state")),
        Err(AppError::CheckInClosed { .. }) => Ok(redirect_with_notice(&back, "bo_check_in_closed")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
