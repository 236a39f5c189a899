//! A resource's calendar by day, week or month. Busy is what blocks the
//! resource: its own bookings and those of the resources above and below
//! it, pending approvals and live holds included; who booked is shown only
//! to the place's managers.

use std::collections::HashMap;

use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use domain::atlas::hours::OpeningHours;
use domain::operations::local_to_utc;
use domain::operations::resources::in_same_line;
use domain::policy::{Action, Resource as On, authorize};
use serde::Deserialize;
use store::{from_micros, to_micros};

use super::{actor_of, day_start, hhmm, long_date, month_title, place_of, short_date, store_err, zone_of};
use crate::pages::{Chrome, Page, PageError};
use crate::state::AppState;

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
    /// A closure of the resource (or above it) rather than a booking.
    closed: bool,
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
        busy.push(Busy { start: from_micros(b.starts_at), end: from_micros(b.ends_at), label, closed: false });
    }
    let app_err = |e| PageError::from_app(lang, e);
    for c in app::closures::closures_of(&state.app, id, to_micros(from), to_micros(to)).await.map_err(app_err)? {
        let label = if c.reason.is_empty() { t.bk_closed.to_owned() } else { fill(t.bk_closed_for, &[&c.reason]) };
        busy.push(Busy { start: from_micros(c.starts_at), end: from_micros(c.ends_at), label, closed: true });
    }
    busy.sort_by_key(|b| b.start);
    let hours = app::operations::effective_hours(&resource, place.text("opening_hours"))
        .and_then(|h| OpeningHours::parse(h).ok());

    let link =
        |v: View, d: NaiveDate| format!("/ressources/{id}/calendrier?vue={}&date={}", v.code(), d.format("%Y-%m-%d"));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d < end).collect();
    let busy_list = busy
        .iter()
        .map(|b| format!("{} — {}", crate::pages::dates::period(lang, b.start, b.end, tz), b.label))
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
        kind: t.resource_kind(&resource.kind),
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
        let state = if taken.iter().any(|b| b.closed) { "closed" } else { "busy" };
        return Cell { state, text, link_label: String::new(), href: None };
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
}
