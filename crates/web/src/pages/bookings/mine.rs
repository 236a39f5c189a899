//! "My bookings and registrations": what a person booked, in every state
//! (awaiting approval, held during checkout, confirmed, and what was
//! cancelled, refused or lapsed), with its price, and the buttons they may
//! use: confirm a hold, cancel (warned of a late fee), cancel a
//! registration or accept an offered seat.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use app::AppError;
use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use chrono_tz::Tz;
use domain::operations::lifecycle::{BookingStatus, cancellation_fee};
use store::operations::{Booking, Resource};
use store::{from_micros, to_micros};

use super::{MINE, hhmm, long_date, store_err, zone_of};
use crate::pages::dates::date_and_time;
use crate::pages::invoices::euros;
use crate::pages::{Chrome, Page, PageError, redirect_with_notice};
use crate::state::AppState;

pub struct BookingRow {
    id: i64,
    resource: String,
    calendar: String,
    place: String,
    place_id: i64,
    when: String,
    status: String,
    /// ok (confirmed), wait (pending or held) or off (the rest): the CSS class.
    tone: &'static str,
    price: Option<String>,
    confirmable: bool,
    cancellable: bool,
    cancel_label: String,
    fee_warning: Option<String>,
}

pub struct RegistrationRow {
    id: i64,
    event: String,
    participant: String,
    when: String,
    status: String,
    cancellable: bool,
    offered: bool,
    cancel_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_mine.html")]
pub struct MinePage {
    chrome: Chrome,
    upcoming: Vec<BookingRow>,
    past: Vec<BookingRow>,
    others: Vec<BookingRow>,
    registrations_upcoming: Vec<RegistrationRow>,
    registrations_past: Vec<RegistrationRow>,
}

fn status_text(t: &Messages, lang: Lang, b: &Booking, tz: Tz) -> (String, &'static str) {
    let status = BookingStatus::parse(&b.status);
    match status {
        Some(BookingStatus::Confirmed) if b.checked_in_at.is_some() => (t.bk_status_checked_in.into(), "ok"),
        Some(BookingStatus::Confirmed) => (t.bk_status_confirmed.into(), "ok"),
        Some(BookingStatus::Pending) => (t.bk_status_pending.into(), "wait"),
        Some(BookingStatus::Held) => {
            let until = b.held_until.map(|u| date_and_time(lang, from_micros(u), tz)).unwrap_or_default();
            (fill(t.bk_status_held, &[&until]), "wait")
        }
        Some(BookingStatus::Cancelled) => match b.cancellation_fee_cents {
            Some(fee) => (fill(t.bk_status_cancelled_fee, &[&euros(fee)]), "off"),
            None => (t.bk_status_cancelled.into(), "off"),
        },
        Some(BookingStatus::Refused) => (t.bk_status_refused.into(), "off"),
        Some(BookingStatus::Expired) => (t.bk_status_expired.into(), "off"),
        Some(BookingStatus::NoShow) => (t.bk_status_no_show.into(), "off"),
        None => (b.status.clone(), "off"),
    }
}

pub async fn mine(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let user = page.require_identity()?.user.id;
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let store = &state.app.store;
    let now = to_micros(Utc::now());
    let mut resources: HashMap<i64, Resource> = HashMap::new();
    let mut places: HashMap<i64, (String, Tz)> = HashMap::new();
    let (mut upcoming, mut past, mut others) = (Vec::new(), Vec::new(), Vec::new());
    let charges: HashMap<i64, store::tariffs::BookingCharge> = store
        .booking_charges_of_user(user)
        .await
        .map_err(store_err(lang))?
        .into_iter()
        .map(|c| (c.booking_id, c))
        .collect();
    for b in store.bookings_of_user(user).await.map_err(store_err(lang))? {
        if let Entry::Vacant(slot) = resources.entry(b.resource_id) {
            slot.insert(store.resource(b.resource_id).await.map_err(store_err(lang))?);
        }
        let r = &resources[&b.resource_id];
        if let Entry::Vacant(slot) = places.entry(r.place_id) {
            let p = store.atlas_record(r.place_id).await.map_err(store_err(lang))?;
            slot.insert((p.name.clone(), zone_of(&p)));
        }
        let (place, tz) = &places[&r.place_id];
        let (s, e) = (from_micros(b.starts_at), from_micros(b.ends_at));
        let local = s.with_timezone(tz).date_naive();
        let when = fill(t.bk_when_line, &[&long_date(lang, local), &hhmm(s, *tz), &hhmm(e, *tz)]);
        let status = BookingStatus::parse(&b.status);
        let live_hold = status == Some(BookingStatus::Held) && b.held_until.is_some_and(|u| u > now);
        let blocks = matches!(status, Some(BookingStatus::Confirmed | BookingStatus::Pending)) || live_hold;
        let coming = b.ends_at > now;
        let fee = (status == Some(BookingStatus::Confirmed))
            .then(|| cancellation_fee(b.starts_at, now, r.cancel_deadline_hours, r.late_cancel_fee_cents))
            .flatten();
        let price = charges.get(&b.id).map(|c| fill(t.bk_price_line, &[&euros(c.gross_cents), &euros(c.due_cents)]));
        let (status_line, tone) = status_text(t, lang, &b, *tz);
        let row = BookingRow {
            id: b.id,
            resource: r.name.clone(),
            calendar: format!("/ressources/{}/calendrier?vue=semaine&date={}", r.id, local.format("%Y-%m-%d")),
            place: place.clone(),
            place_id: r.place_id,
            cancel_label: fill(t.bk_cancel_of, &[&r.name, &when]),
            when,
            status: status_line,
            tone,
            price,
            confirmable: live_hold,
            cancellable: blocks && coming,
            fee_warning: fee.map(|f| fill(t.bk_cancel_fee_warning, &[&euros(f)])),
        };
        match (blocks, coming) {
            (true, true) => upcoming.push(row),
            (true, false) => past.push(row),
            (false, _) => others.push(row),
        }
    }
    past.reverse();
    others.reverse();
    let (registrations_upcoming, registrations_past) = registration_rows(&state, t, lang, user, now).await?;
    Ok(MinePage { upcoming, past, others, registrations_upcoming, registrations_past, chrome: page.chrome }
        .into_response())
}

async fn registration_rows(
    state: &AppState,
    t: &Messages,
    lang: Lang,
    user: i64,
    now: i64,
) -> Result<(Vec<RegistrationRow>, Vec<RegistrationRow>), PageError> {
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    let mut regs = state.app.store.registrations_of_user(user).await.map_err(store_err(lang))?;
    regs.sort_by_key(|(r, e)| (e.starts_at, r.id));
    // Times in the event's place's zone, as its page shows them.
    let mut zones: HashMap<i64, Tz> = HashMap::new();
    for (r, e) in regs {
        let tz = match e.place_id {
            Some(p) => match zones.entry(p) {
                Entry::Occupied(z) => *z.get(),
                Entry::Vacant(slot) => {
                    *slot.insert(zone_of(&state.app.store.atlas_record(p).await.map_err(store_err(lang))?))
                }
            },
            None => chrono_tz::Europe::Paris,
        };
        let status = match r.status.as_str() {
            "confirmed" => t.reg_status_confirmed.to_owned(),
            "consent" => t.reg_status_consent.to_owned(),
            "offered" => fill(
                t.reg_status_offered,
                &[&r.offered_until.map(|u| date_and_time(lang, from_micros(u), tz)).unwrap_or_default()],
            ),
            "waitlisted" => t.reg_status_waitlisted.to_owned(),
            other => other.to_owned(),
        };
        let coming = e.ends_at > now;
        let row = RegistrationRow {
            id: r.id,
            cancel_label: fill(t.reg_cancel_of, &[&r.participant, &e.title]),
            event: e.title,
            participant: r.participant,
            when: format!(
                "{} – {}",
                date_and_time(lang, from_micros(e.starts_at), tz),
                date_and_time(lang, from_micros(e.ends_at), tz)
            ),
            status,
            cancellable: coming,
            offered: coming && r.status == "offered",
        };
        if coming { upcoming.push(row) } else { past.push(row) }
    }
    past.reverse();
    Ok((upcoming, past))
}

/// What a button of this page did, as the notice to come back with. A
/// change that lost a race (cancelled elsewhere, lapsed, settled) is a
/// notice, not an error page: the list shows the truth.
fn back(result: Result<&'static str, AppError>, settled: &'static str, lang: Lang) -> Result<Response, PageError> {
    match result {
        Ok(notice) => Ok(redirect_with_notice(MINE, notice)),
        Err(AppError::Conflict(_) | AppError::BookingState { .. }) => Ok(redirect_with_notice(MINE, settled)),
        Err(AppError::HoldExpired) => Ok(redirect_with_notice(MINE, "hold_expired")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn cancel_booking(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = page.require_identity()?.actor();
    let done = app::bookings::cancel(&state.app, &actor, id)
        .await
        .map(|b| if b.cancellation_fee_cents.is_some() { "booking_cancelled_fee" } else { "booking_cancelled" });
    back(done, "booking_settled", page.chrome.lang)
}

pub async fn confirm_hold(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = page.require_identity()?.actor();
    let done = app::bookings::confirm_hold(&state.app, &actor, id).await.map(|_| "hold_confirmed");
    back(done, "booking_settled", page.chrome.lang)
}

pub async fn cancel_registration(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = page.require_identity()?.actor();
    let done = app::events::cancel(&state.app, &actor, id).await.map(|_| "registration_cancelled");
    back(done, "registration_settled", page.chrome.lang)
}

pub async fn accept_offer(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let actor = page.require_identity()?.actor();
    let done = app::events::accept_offer(&state.app, &actor, id).await.map(|_| "offer_accepted");
    back(done, "registration_settled", page.chrome.lang)
}
