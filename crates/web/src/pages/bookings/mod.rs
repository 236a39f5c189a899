//! Booking pages: a place's bookable resources, each resource's calendar
//! (day, week, month), the booking flow (slot, then price and policy, then
//! confirm), the place's plans and packs, and "my bookings and
//! registrations".
//!
//! Times are read and shown in the place's local time zone. Everything is
//! plain HTML: a free hour is a link to the pre-filled form, forms post and
//! redirect. This module holds what the pages share: the place, its zone,
//! and how dates are written.

mod calendar;
mod flow;
mod mine;
mod plans;

pub use calendar::calendar;
pub use flow::{book, book_form};
pub use mine::{accept_offer, cancel_booking, cancel_registration, confirm_hold, mine};
pub use plans::{plans, subscribe};

use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use domain::atlas::RecordKind;
use domain::atlas::hours::timezone_for_commune;
use domain::operations::{ResourceKind, local_to_utc};
use domain::policy::Actor;
use store::operations::Resource;

use super::{Chrome, Page, PageError};
use crate::state::AppState;

/// Where "my bookings" lives; the booking form comes back here.
const MINE: &str = "/compte/reservations";

fn store_err(lang: Lang) -> impl Fn(store::StoreError) -> PageError {
    move |e| PageError::from_app(lang, e.into())
}

/// A live place of the atlas, or not found.
async fn place_of(state: &AppState, lang: Lang, id: i64) -> Result<store::atlas::AtlasRecord, PageError> {
    let place = state.app.store.atlas_record(id).await.map_err(store_err(lang))?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(PageError::NotFound(lang));
    }
    Ok(place)
}

fn zone_of(place: &store::atlas::AtlasRecord) -> Tz {
    place.commune_insee.as_deref().map_or(chrono_tz::Europe::Paris, timezone_for_commune)
}

fn actor_of(page: &Page) -> Actor {
    page.identity.as_ref().map_or(Actor::Anonymous, |i| i.actor())
}

fn kind_label(t: &Messages, kind: &str) -> &'static str {
    match ResourceKind::parse(kind) {
        Some(ResourceKind::Venue) => t.bk_kind_venue,
        Some(ResourceKind::Zone) => t.bk_kind_zone,
        Some(ResourceKind::Room) => t.bk_kind_room,
        Some(ResourceKind::Desk) => t.bk_kind_desk,
        Some(ResourceKind::Machine) | None => t.bk_kind_machine,
    }
}

const FR_DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const EN_DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "lundi 7 décembre 2026" / "Monday 7 December 2026".
fn long_date(lang: Lang, d: NaiveDate) -> String {
    let (days, months) = if lang == Lang::Fr { (FR_DAYS, FR_MONTHS) } else { (EN_DAYS, EN_MONTHS) };
    let day = days[d.weekday().num_days_from_monday() as usize];
    format!("{day} {} {} {}", d.day(), months[d.month0() as usize], d.year())
}

/// "lun. 7" / "Mon 7": a column head.
fn short_date(lang: Lang, d: NaiveDate) -> String {
    let days = if lang == Lang::Fr { FR_DAYS } else { EN_DAYS };
    let day = days[d.weekday().num_days_from_monday() as usize];
    if lang == Lang::Fr { format!("{}. {}", &day[..3], d.day()) } else { format!("{} {}", &day[..3], d.day()) }
}

fn month_title(lang: Lang, d: NaiveDate) -> String {
    let months = if lang == Lang::Fr { FR_MONTHS } else { EN_MONTHS };
    format!("{} {}", months[d.month0() as usize], d.year())
}

fn hhmm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// Midnight of a local day in UTC; where a zone skips midnight, the first
/// instant of that day.
fn day_start(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = d.and_time(NaiveTime::MIN);
    local_to_utc(midnight, tz)
        .unwrap_or_else(|_| local_to_utc(midnight + Duration::hours(1), tz).unwrap_or(midnight.and_utc()))
}

// ---------------------------------------------------------------- resources

/// One resource in the nested list; `opens` and `closes` say how the list
/// nests around it (the tree comes flat, each resource after its parent).
pub struct TreeItem {
    id: i64,
    name: String,
    kind: &'static str,
    capacity: Option<String>,
    has_children: bool,
    closes: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_resources.html")]
pub struct ResourcesPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    items: Vec<TreeItem>,
}

fn depth(path: &str) -> usize {
    path.matches('/').count().saturating_sub(2)
}

fn tree_items(t: &Messages, resources: &[Resource]) -> Vec<TreeItem> {
    resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = depth(&r.path);
            let next = resources.get(i + 1).map_or(0, |n| depth(&n.path));
            TreeItem {
                id: r.id,
                name: r.name.clone(),
                kind: kind_label(t, &r.kind),
                capacity: r.capacity.map(|c| fill(t.bk_capacity, &[&c.to_string()])),
                has_children: next > d,
                closes: d.saturating_sub(next),
            }
        })
        .collect()
}

pub async fn resources(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let place = place_of(&state, lang, id).await?;
    let list = state.app.store.resources_of_place(id).await.map_err(store_err(lang))?;
    let t = page.chrome.t;
    Ok(ResourcesPage {
        place_id: id,
        title: fill(t.bk_resources_title, &[&place.name]),
        items: tree_items(t, &list),
        chrome: page.chrome,
    }
    .into_response())
}
