//! Booking pages: a place's bookable resources, each resource's calendar
//! (day, week, month), the booking form, and "my bookings and
//! registrations".
//!
//! Times are read and shown in the place's local time zone; the calendar
//! shows as busy what blocks the resource (its own bookings and those of
//! the resources above and below it), naming who booked only to the
//! place's managers. Everything is plain HTML: a free hour is a link to
//! the pre-filled form, the form posts and redirects.

use std::collections::HashMap;

use app::AppError;
use app::i18n::{Lang, Messages, fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use domain::atlas::RecordKind;
use domain::atlas::hours::{OpeningHours, timezone_for_commune};
use domain::operations::resources::in_same_line;
use domain::operations::{ResourceKind, local_to_utc};
use domain::policy::{Action, Actor, Resource as On, authorize};
use serde::Deserialize;
use store::operations::Resource;
use store::{from_micros, to_micros};

use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
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

// ---------------------------------------------------------------- calendar

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Day,
    Week,
    Month,
}

impl View {
    fn parse(s: Option<&str>) -> Self {
        match s {
            Some("jour") => View::Day,
            Some("mois") => View::Month,
            _ => View::Week,
        }
    }

    fn code(self) -> &'static str {
        match self {
            View::Day => "jour",
            View::Week => "semaine",
            View::Month => "mois",
        }
    }

    /// The local days shown, `[first, end)`, around `d`.
    fn window(self, d: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            View::Day => (d, d + Duration::days(1)),
            View::Week => {
                let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
                (monday, monday + Duration::days(7))
            }
            View::Month => {
                let first = d.with_day(1).unwrap_or(d);
                (first, first.checked_add_months(chrono::Months::new(1)).unwrap_or(first + Duration::days(31)))
            }
        }
    }

    fn step(self, d: NaiveDate, forward: bool) -> NaiveDate {
        let months = chrono::Months::new(1);
        match (self, forward) {
            (View::Day, f) => d + Duration::days(if f { 1 } else { -1 }),
            (View::Week, f) => d + Duration::days(if f { 7 } else { -7 }),
            (View::Month, true) => d.with_day(1).and_then(|f| f.checked_add_months(months)).unwrap_or(d),
            (View::Month, false) => d.with_day(1).and_then(|f| f.checked_sub_months(months)).unwrap_or(d),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    vue: Option<String>,
    date: Option<String>,
}

/// A slot taken in the resource's line, as this viewer may see it.
struct Busy {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    label: String,
}

pub struct Cell {
    /// busy, free, past or closed: the CSS class.
    state: &'static str,
    text: String,
    /// The accessible name of the link of a free cell.
    link_label: String,
    href: Option<String>,
}

pub struct HourRow {
    label: String,
    cells: Vec<Cell>,
}

pub struct DayHead {
    label: String,
    href: String,
    today: bool,
}

pub struct MonthDay {
    number: u32,
    label: String,
    in_month: bool,
    today: bool,
    href: String,
    busy: Vec<String>,
}

pub struct ViewLink {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_calendar.html")]
pub struct CalendarPage {
    chrome: Chrome,
    resource_id: i64,
    place_id: i64,
    title: String,
    kind: &'static str,
    period: String,
    zone_note: String,
    views: Vec<ViewLink>,
    prev: String,
    next: String,
    today: String,
    month: bool,
    days: Vec<DayHead>,
    rows: Vec<HourRow>,
    weeks: Vec<Vec<MonthDay>>,
    busy_list: Vec<String>,
}

pub async fn calendar(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let store = &state.app.store;
    let resource = store.resource(id).await.map_err(store_err(lang))?;
    let place = place_of(&state, lang, resource.place_id).await?;
    let tz = zone_of(&place);
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let view = View::parse(q.vue.as_deref());
    // A malformed date shows today rather than an error: the page is a view.
    let date = q.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(today);
    let (first, end) = view.window(date);
    let (from, to) = (day_start(first, tz), day_start(end, tz));

    let manager = authorize(&actor_of(&page), Action::EditPlace, On::Place(place.id)).is_ok();
    let tree = store.resources_of_place(place.id).await.map_err(store_err(lang))?;
    let names: HashMap<i64, (&str, &str)> = tree.iter().map(|r| (r.id, (r.name.as_str(), r.path.as_str()))).collect();
    let mut bookers: HashMap<i64, String> = HashMap::new();
    let mut busy = Vec::new();
    // Pending approvals and live holds block the slot as confirmed bookings do.
    let blocking =
        store.blocking_bookings_of_tree(resource.root_id, to_micros(from), to_micros(to), store::now_micros());
    for b in blocking.await.map_err(store_err(lang))? {
        let Some((name, path)) = names.get(&b.resource_id) else { continue };
        if !in_same_line(path, &resource.path) {
            continue;
        }
        let mut label = if b.resource_id == resource.id { t.bk_busy.to_owned() } else { fill(t.bk_busy_via, &[*name]) };
        // Who booked is personal data: only the place's managers see it.
        if manager && let Some(user) = b.user_id {
            if let std::collections::hash_map::Entry::Vacant(slot) = bookers.entry(user) {
                slot.insert(store.user(user).await.map(|u| u.display_name).unwrap_or_default());
            }
            label = format!("{label}, {}", fill(t.bk_booked_by, &[&bookers[&user]]));
        }
        busy.push(Busy { start: from_micros(b.starts_at), end: from_micros(b.ends_at), label });
    }
    let hours = resource.opening_hours.as_deref().and_then(|h| OpeningHours::parse(h).ok());

    let link =
        |v: View, d: NaiveDate| format!("/ressources/{id}/calendrier?vue={}&date={}", v.code(), d.format("%Y-%m-%d"));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d < end).collect();
    let busy_list = busy
        .iter()
        .map(|b| {
            let day = long_date(lang, b.start.with_timezone(&tz).date_naive());
            format!("{} — {}", fill(t.bk_busy_line, &[&day, &hhmm(b.start, tz), &hhmm(b.end, tz)]), b.label)
        })
        .collect();

    let (mut rows, mut weeks, mut heads) = (Vec::new(), Vec::new(), Vec::new());
    if view == View::Month {
        let grid_start = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
        let mut d = grid_start;
        while d < end {
            let mut week = Vec::new();
            for _ in 0..7 {
                let (s, e) = (day_start(d, tz), day_start(d + Duration::days(1), tz));
                week.push(MonthDay {
                    number: d.day(),
                    label: fill(t.bk_day_link, &[&long_date(lang, d)]),
                    in_month: d >= first && d < end,
                    today: d == today,
                    href: link(View::Day, d),
                    busy: busy
                        .iter()
                        .filter(|b| b.start < e && b.end > s)
                        .map(|b| format!("{}–{} {}", hhmm(b.start.max(s), tz), hhmm(b.end.min(e), tz), b.label))
                        .collect(),
                });
                d += Duration::days(1);
            }
            weeks.push(week);
        }
    } else {
        heads = days
            .iter()
            .map(|d| DayHead { label: short_date(lang, *d), href: link(View::Day, *d), today: *d == today })
            .collect();
        // Office hours by default, widened to show every booking of the period.
        let (mut lo, mut hi) = (8u32, 20u32);
        for b in &busy {
            let (s, e) = (b.start.with_timezone(&tz), b.end.with_timezone(&tz));
            if s.date_naive() >= first {
                lo = lo.min(s.hour());
            } else {
                lo = 0;
            }
            if e.date_naive() < end && e.date_naive() == s.date_naive() {
                hi = hi.max(e.hour() + u32::from(e.minute() > 0));
            } else {
                hi = 24;
            }
        }
        for h in lo..hi.min(24) {
            let cells = days
                .iter()
                .map(|d| {
                    let local = d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN));
                    let local_end = local + Duration::hours(1);
                    match (local_to_utc(local, tz), local_to_utc(local_end, tz)) {
                        (Ok(s), Ok(e)) => {
                            hour_cell(t, lang, id, &busy, hours.as_ref(), tz, now, (local, local_end), (s, e))
                        }
                        _ => Cell { state: "closed", text: "—".into(), link_label: String::new(), href: None },
                    }
                })
                .collect();
            rows.push(HourRow { label: format!("{h:02}:00"), cells });
        }
    }

    let period = match view {
        View::Day => long_date(lang, first),
        View::Week => format!("{} – {}", long_date(lang, first), long_date(lang, end - Duration::days(1))),
        View::Month => month_title(lang, first),
    };
    Ok(CalendarPage {
        resource_id: id,
        place_id: place.id,
        title: fill(t.bk_calendar_title, &[&resource.name]),
        kind: kind_label(t, &resource.kind),
        period,
        zone_note: fill(t.bk_local_time, &[tz.name()]),
        views: [(View::Day, t.bk_view_day), (View::Week, t.bk_view_week), (View::Month, t.bk_view_month)]
            .into_iter()
            .map(|(v, label)| ViewLink { label, href: link(v, date), current: v == view })
            .collect(),
        prev: link(view, view.step(date, false)),
        next: link(view, view.step(date, true)),
        today: link(view, today),
        month: view == View::Month,
        days: heads,
        rows,
        weeks,
        busy_list,
        chrome: page.chrome,
    }
    .into_response())
}

#[allow(clippy::too_many_arguments)]
fn hour_cell(
    t: &Messages,
    lang: Lang,
    id: i64,
    busy: &[Busy],
    hours: Option<&OpeningHours>,
    tz: Tz,
    now: DateTime<Utc>,
    (local, local_end): (NaiveDateTime, NaiveDateTime),
    (s, e): (DateTime<Utc>, DateTime<Utc>),
) -> Cell {
    let taken: Vec<&Busy> = busy.iter().filter(|b| b.start < e && b.end > s).collect();
    if !taken.is_empty() {
        let text = taken
            .iter()
            .map(|b| format!("{}–{} {}", hhmm(b.start.max(s), tz), hhmm(b.end.min(e), tz), b.label))
            .collect::<Vec<_>>()
            .join(" · ");
        return Cell { state: "busy", text, link_label: String::new(), href: None };
    }
    if e <= now {
        return Cell { state: "past", text: t.bk_past.into(), link_label: String::new(), href: None };
    }
    if hours.is_some_and(|h| !h.is_open(s, tz)) {
        return Cell { state: "closed", text: t.bk_closed.into(), link_label: String::new(), href: None };
    }
    let fmt = |d: NaiveDateTime| d.format("%Y-%m-%dT%H:%M").to_string();
    Cell {
        state: "free",
        text: t.bk_free.into(),
        link_label: fill(
            t.bk_free_book,
            &[
                &long_date(lang, local.date()),
                &local.format("%H:%M").to_string(),
                &local_end.format("%H:%M").to_string(),
            ],
        ),
        href: Some(format!("/ressources/{id}/reserver?debut={}&fin={}", fmt(local), fmt(local_end))),
    }
}

// ---------------------------------------------------------------- booking form

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookQuery {
    debut: Option<String>,
    fin: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookInput {
    date: String,
    start: String,
    end: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_form.html")]
pub struct BookPage {
    chrome: Chrome,
    resource_id: i64,
    title: String,
    kind: &'static str,
    calendar: String,
    time_hint: String,
    rules: Vec<String>,
    date: String,
    start: String,
    end: String,
    errors: FormErrors,
}

async fn book_page(
    state: &AppState,
    page: Page,
    id: i64,
    input: BookInput,
    errors: FormErrors,
) -> Result<BookPage, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let resource = state.app.store.resource(id).await.map_err(store_err(lang))?;
    let place = place_of(state, lang, resource.place_id).await?;
    let tz = zone_of(&place);
    let mut rules = vec![fill(t.bk_rules_min, &[&resource.min_minutes.to_string()])];
    if let Some(max) = resource.max_minutes {
        rules.push(fill(t.bk_rules_max, &[&max.to_string()]));
    }
    if let Some(h) = &resource.opening_hours {
        rules.push(fill(t.bk_rules_hours, &[h]));
    }
    let calendar = match NaiveDate::parse_from_str(&input.date, "%Y-%m-%d") {
        Ok(d) => format!("/ressources/{id}/calendrier?vue=semaine&date={}", d.format("%Y-%m-%d")),
        Err(_) => format!("/ressources/{id}/calendrier"),
    };
    Ok(BookPage {
        resource_id: id,
        title: fill(t.bk_book_title, &[&resource.name]),
        kind: kind_label(t, &resource.kind),
        calendar,
        time_hint: fill(t.bk_field_time_hint, &[tz.name()]),
        rules,
        date: input.date,
        start: input.start,
        end: input.end,
        errors,
        chrome: page.chrome,
    })
}

/// Splits `2027-03-01T09:00` into its date and time for the form.
fn split_local(s: Option<&str>) -> Option<(String, String)> {
    let d = NaiveDateTime::parse_from_str(s?, "%Y-%m-%dT%H:%M").ok()?;
    Some((d.format("%Y-%m-%d").to_string(), d.format("%H:%M").to_string()))
}

pub async fn book_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<BookQuery>,
) -> Result<Response, PageError> {
    page.require_identity()?;
    let (date, start) = split_local(q.debut.as_deref()).unwrap_or_default();
    let end = split_local(q.fin.as_deref()).map(|(_, time)| time).unwrap_or_default();
    let input = BookInput { date, start, end };
    Ok(book_page(&state, page, id, input, FormErrors::default()).await?.into_response())
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S")).ok()
}

/// The form's slot in UTC, or the messages to show beside its fields.
fn read_slot(
    t: &Messages,
    tz: Tz,
    input: &BookInput,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), FormErrors> {
    let mut errors = FormErrors::default();
    let date = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors = errors.with("date", t.bk_err_date);
    }
    let start = parse_time(&input.start);
    if start.is_none() {
        errors = errors.with("start", t.bk_err_time);
    }
    let end = parse_time(&input.end);
    if end.is_none() {
        errors = errors.with("end", t.bk_err_time);
    }
    let (Some(date), Some(start), Some(end)) = (date, start, end) else { return Err(errors) };
    if end <= start {
        return Err(errors.with("end", t.bk_err_end_before_start));
    }
    let Ok(from) = local_to_utc(date.and_time(start), tz) else {
        return Err(errors.with("start", t.bk_err_no_such_time));
    };
    let Ok(to) = local_to_utc(date.and_time(end), tz) else { return Err(errors.with("end", t.bk_err_no_such_time)) };
    if from < now {
        return Err(errors.with("date", t.bk_err_past));
    }
    Ok((from, to))
}

pub async fn book(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(input): Form<BookInput>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let Some(identity) = page.identity.as_ref() else {
        return Err(PageError::LoginRequired { next: format!("/ressources/{id}/reserver") });
    };
    let actor = identity.actor();
    let resource = state.app.store.resource(id).await.map_err(store_err(lang))?;
    let place = place_of(&state, lang, resource.place_id).await?;
    let tz = zone_of(&place);
    let (from, to) = match read_slot(t, tz, &input, Utc::now()) {
        Ok(slot) => slot,
        Err(errors) => return refuse(&state, page, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match app::operations::book(&state.app, &actor, id, from, to, false).await {
        Ok(_) => Ok(redirect_with_notice(MINE, "booked")),
        Err(AppError::SlotTaken { resource_id, starts_at, ends_at }) => {
            let name = if resource_id == resource.id {
                resource.name.clone()
            } else {
                state.app.store.resource(resource_id).await.map(|r| r.name).unwrap_or_default()
            };
            let day = long_date(lang, starts_at.with_timezone(&tz).date_naive());
            let when_start = format!("{day} {}", hhmm(starts_at, tz));
            let same_day = starts_at.with_timezone(&tz).date_naive() == ends_at.with_timezone(&tz).date_naive();
            let when_end = if same_day {
                hhmm(ends_at, tz)
            } else {
                format!("{} {}", long_date(lang, ends_at.with_timezone(&tz).date_naive()), hhmm(ends_at, tz))
            };
            let errors = FormErrors::one("start", &fill(t.bk_err_taken, &[&name, &when_start, &when_end]));
            refuse(&state, page, id, input, errors, StatusCode::CONFLICT).await
        }
        Err(AppError::Invalid(fields)) => {
            // The use case names API fields; the form has date, start and end.
            let mut errors = FormErrors::default();
            for (field, e) in &fields.0 {
                let on = if *field == "ends_at" { "end" } else { "start" };
                errors = errors.with(on, &t.field_error(e));
            }
            refuse(&state, page, id, input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

async fn refuse(
    state: &AppState,
    page: Page,
    id: i64,
    input: BookInput,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    Ok((status, book_page(state, page, id, input, errors).await?).into_response())
}

// ---------------------------------------------------------------- my bookings

pub struct BookingRow {
    resource: String,
    calendar: String,
    place: String,
    place_id: i64,
    when: String,
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
    registrations_upcoming: Vec<RegistrationRow>,
    registrations_past: Vec<RegistrationRow>,
}

pub async fn mine(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let user = page.require_identity()?.user.id;
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let store = &state.app.store;
    let now = to_micros(Utc::now());
    let mut resources: HashMap<i64, Resource> = HashMap::new();
    let mut places: HashMap<i64, (String, Tz)> = HashMap::new();
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for b in store.bookings_of_user(user).await.map_err(store_err(lang))? {
        if let std::collections::hash_map::Entry::Vacant(slot) = resources.entry(b.resource_id) {
            slot.insert(store.resource(b.resource_id).await.map_err(store_err(lang))?);
        }
        let r = &resources[&b.resource_id];
        if let std::collections::hash_map::Entry::Vacant(slot) = places.entry(r.place_id) {
            let p = store.atlas_record(r.place_id).await.map_err(store_err(lang))?;
            slot.insert((p.name.clone(), zone_of(&p)));
        }
        let (place, tz) = &places[&r.place_id];
        let (s, e) = (from_micros(b.starts_at), from_micros(b.ends_at));
        let local = s.with_timezone(tz).date_naive();
        let row = BookingRow {
            resource: r.name.clone(),
            calendar: format!("/ressources/{}/calendrier?vue=semaine&date={}", r.id, local.format("%Y-%m-%d")),
            place: place.clone(),
            place_id: r.place_id,
            when: fill(t.bk_when_line, &[&long_date(lang, local), &hhmm(s, *tz), &hhmm(e, *tz)]),
        };
        if b.ends_at > now { upcoming.push(row) } else { past.push(row) }
    }
    past.reverse();
    let (mut registrations_upcoming, mut registrations_past) = (Vec::new(), Vec::new());
    let mut regs = store.registrations_of_user(user).await.map_err(store_err(lang))?;
    regs.sort_by_key(|(r, e)| (e.starts_at, r.id));
    for (r, e) in regs {
        let status = match r.status.as_str() {
            "confirmed" => t.reg_status_confirmed.to_owned(),
            "consent" => t.reg_status_consent.to_owned(),
            "offered" => fill(
                t.reg_status_offered,
                &[&r.offered_until.map(|u| format_datetime(lang, from_micros(u))).unwrap_or_default()],
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
                format_datetime(lang, from_micros(e.starts_at)),
                format_datetime(lang, from_micros(e.ends_at))
            ),
            status,
            cancellable: coming,
            offered: coming && r.status == "offered",
        };
        if coming { registrations_upcoming.push(row) } else { registrations_past.push(row) }
    }
    registrations_past.reverse();
    Ok(MinePage { upcoming, past, registrations_upcoming, registrations_past, chrome: page.chrome }.into_response())
}

pub async fn cancel_registration(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    match app::events::cancel(&state.app, &actor, id).await {
        Ok(_) => Ok(redirect_with_notice(MINE, "registration_cancelled")),
        Err(AppError::Conflict(_)) => Ok(redirect_with_notice(MINE, "registration_settled")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn accept_offer(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    match app::events::accept_offer(&state.app, &actor, id).await {
        Ok(_) => Ok(redirect_with_notice(MINE, "offer_accepted")),
        Err(AppError::Conflict(_)) => Ok(redirect_with_notice(MINE, "registration_settled")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_on_monday_and_months_on_the_first() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(); // a Thursday
        let (first, end) = View::Week.window(d);
        assert_eq!(first, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(end - first, Duration::days(7));
        let (first, end) = View::Month.window(d);
        assert_eq!(
            (first, end),
            (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
        );
        assert_eq!(
            View::Month.step(NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(), true),
            NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
        );
    }

    #[test]
    fn the_local_day_starts_at_local_midnight_across_the_clock_change() {
        let paris = chrono_tz::Europe::Paris;
        // 29 March 2026: clocks go forward at 02:00; midnight is still UTC+1.
        assert_eq!(
            day_start(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(), paris).to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
        assert_eq!(
            day_start(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap(), paris).to_rfc3339(),
            "2026-03-29T22:00:00+00:00"
        );
    }

    #[test]
    fn the_form_refuses_bad_slots_with_a_message_beside_the_field() {
        let t = Lang::En.messages();
        let tz = chrono_tz::Europe::Paris;
        let now = Utc::now();
        let input =
            |date: &str, start: &str, end: &str| BookInput { date: date.into(), start: start.into(), end: end.into() };
        let e = read_slot(t, tz, &input("2099-02-30", "09:00", "10:00"), now).unwrap_err();
        assert_eq!(e.get("date"), Some(t.bk_err_date));
        let e = read_slot(t, tz, &input("2099-03-02", "10:00", "09:00"), now).unwrap_err();
        assert_eq!(e.get("end"), Some(t.bk_err_end_before_start));
        let e = read_slot(t, tz, &input("2001-03-02", "09:00", "10:00"), now).unwrap_err();
        assert_eq!(e.get("date"), Some(t.bk_err_past));
        let e = read_slot(t, tz, &input("2099-03-29", "02:30", "03:30"), now).unwrap_err();
        assert_eq!(e.get("start"), Some(t.bk_err_no_such_time), "02:30 is skipped in Paris that day");
        let (from, to) = read_slot(t, tz, &input("2099-07-01", "09:00", "10:30"), now).ok().expect("a valid slot");
        assert_eq!((from.to_rfc3339(), (to - from).num_minutes()), ("2099-07-01T07:00:00+00:00".to_owned(), 90));
    }
}
