//! The place's events and the form that creates one (with up to three
//! price categories), and the attendees of an event: confirmed, waiting
//! for consent, offered a seat, and the waitlist in order.

use app::AppError;
use app::i18n::{Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;
use store::from_micros;

use super::{Opt, actor, app_err, field_messages, opt_int, options, parse_euros, unprocessable};
use crate::pages::dates::{date_and_time, local_fields, parse_date, parse_time, span, zone_of};
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

/// Price categories the event form offers; more need the API.
const CATEGORY_ROWS: usize = 3;
const CATEGORY_PRICE_FIELDS: [&str; CATEGORY_ROWS] = ["cat_price_0", "cat_price_1", "cat_price_2"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EventForm {
    title: String,
    kind: String,
    start_date: String,
    start_time: String,
    end_date: String,
    end_time: String,
    capacity: String,
    min_age: String,
    max_age: String,
    description: String,
    cat_name_0: String,
    cat_price_0: String,
    cat_name_1: String,
    cat_price_1: String,
    cat_name_2: String,
    cat_price_2: String,
}

impl EventForm {
    fn categories(&self) -> [(&str, &str); CATEGORY_ROWS] {
        [
            (self.cat_name_0.as_str(), self.cat_price_0.as_str()),
            (self.cat_name_1.as_str(), self.cat_price_1.as_str()),
            (self.cat_name_2.as_str(), self.cat_price_2.as_str()),
        ]
    }
}

/// An event of the list.
pub struct EventRow {
    id: i64,
    title: String,
    kind: &'static str,
    when: String,
    seats: String,
    waitlisted: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_events.html")]
pub struct EventsPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    zone: String,
    events: Vec<EventRow>,
    kinds: Vec<Opt>,
    form: EventForm,
    errors: FormErrors,
}

impl EventsPage {
    /// (index, name, price, error of the price) of each category row.
    fn category_rows(&self) -> Vec<(usize, String, String, Option<String>)> {
        self.form
            .categories()
            .iter()
            .enumerate()
            .map(|(i, (n, p))| {
                (i, (*n).to_owned(), (*p).to_owned(), self.errors.get(CATEGORY_PRICE_FIELDS[i]).map(str::to_owned))
            })
            .collect()
    }
}

fn event_kind_label(t: &Messages, kind: &str) -> &'static str {
    match kind {
        "workshop" => t.bo_ev_workshop,
        "hackathon" => t.bo_ev_hackathon,
        "bootcamp" => t.bo_ev_bootcamp,
        "conference" => t.bo_ev_conference,
        "training" => t.bo_ev_training,
        "open-day" => t.bo_ev_open_day,
        "exhibition" => t.bo_ev_exhibition,
        _ => t.bo_ev_open_data,
    }
}

async fn events_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: EventForm,
    errors: FormErrors,
) -> Result<EventsPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, events) = app::backoffice::events(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    let tz = zone_of(&place);
    Ok(EventsPage {
        place_id,
        title: fill(t.bo_events_title, &[&place.name]),
        zone: fill(t.bo_times_in, &[tz.name()]),
        events: events
            .into_iter()
            .map(|l| EventRow {
                id: l.event.id,
                kind: event_kind_label(t, &l.event.kind),
                when: span(lang, from_micros(l.event.starts_at), from_micros(l.event.ends_at), tz),
                seats: fill(t.bo_seats, &[&l.seats_held.to_string(), &l.event.capacity.to_string()]),
                waitlisted: l.waitlisted,
                title: l.event.title,
            })
            .collect(),
        kinds: options(app::events::EVENT_KINDS.iter().map(|k| (*k, event_kind_label(t, k))), &form.kind),
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn events(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (date, _) = local_fields(Utc::now() + chrono::Duration::days(7), chrono_tz::Europe::Paris);
    let form = EventForm {
        kind: "workshop".into(),
        start_date: date.clone(),
        start_time: "14:00".into(),
        end_date: date,
        end_time: "17:00".into(),
        capacity: "20".into(),
        ..EventForm::default()
    };
    Ok(events_page(&state, page, id, form, FormErrors::default()).await?.into_response())
}

/// The event form's local date and time in UTC, or the message beside `field`.
fn local_instant(
    errors: &mut FormErrors,
    t: &Messages,
    tz: Tz,
    (date_field, date): (&'static str, &str),
    time: &str,
) -> Option<chrono::DateTime<Utc>> {
    let (Some(d), Some(h)) = (parse_date(date), parse_time(time)) else {
        *errors = std::mem::take(errors).with(date_field, t.bo_err_datetime);
        return None;
    };
    match domain::operations::local_to_utc(d.and_time(h), tz) {
        Ok(at) => Some(at),
        Err(_) => {
            *errors = std::mem::take(errors).with(date_field, t.bk_err_no_such_time);
            None
        }
    }
}

pub async fn create_event(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    // The zone is the place's; reading it needs the place, which the use case checks again.
    let place = app::backoffice::events_place(&state.app, &actor, id).await.map_err(app_err(lang))?;
    let tz = zone_of(&place);
    let mut errors = FormErrors::default();
    let starts_at = local_instant(&mut errors, t, tz, ("start_date", form.start_date.as_str()), &form.start_time);
    let ends_at = local_instant(&mut errors, t, tz, ("end_date", form.end_date.as_str()), &form.end_time);
    let capacity = opt_int(&mut errors, t, "capacity", &form.capacity);
    let min_age = opt_int(&mut errors, t, "min_age", &form.min_age);
    let max_age = opt_int(&mut errors, t, "max_age", &form.max_age);
    let mut categories = Vec::new();
    for (i, (name, price)) in form.categories().iter().enumerate() {
        if name.trim().is_empty() && price.trim().is_empty() {
            continue;
        }
        match parse_euros(price) {
            Some(cents) if !name.trim().is_empty() => categories.push(app::programmes::CategoryInput {
                name: name.trim().to_owned(),
                price_cents: cents,
                vat_bp: if cents == 0 { 0 } else { 2000 },
                quota: None,
            }),
            Some(_) => errors = errors.with(CATEGORY_PRICE_FIELDS[i], t.bo_err_category_name),
            None => errors = errors.with(CATEGORY_PRICE_FIELDS[i], t.bo_err_euros),
        }
    }
    if form.capacity.trim().is_empty() {
        errors = errors.with("capacity", t.err_required);
    }
    if !errors.is_empty() {
        let p = events_page(&state, page, id, form, errors).await?;
        return Ok(unprocessable(p));
    }
    let input = app::events::EventInput {
        title: form.title.clone(),
        kind: form.kind.trim().to_owned(),
        starts_at,
        ends_at,
        capacity: capacity.unwrap_or(0),
        min_age,
        max_age,
        description: Some(form.description.clone()),
        categories,
        ..app::events::EventInput::default()
    };
    match app::events::create_event(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/evenements"), "bo_event_created")),
        Err(AppError::Invalid(fields)) => {
            let errors = field_messages(
                t,
                &fields,
                &[("starts_at", "start_date"), ("ends_at", "end_date"), ("categories", "cat_price_0")],
            );
            let p = events_page(&state, page, id, form, errors).await?;
            Ok(unprocessable(p))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

// ---------------------------------------------------------------- attendees

/// A registration as listed to the manager.
pub struct Attendee {
    participant: String,
    category: String,
    since: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_attendees.html")]
pub struct AttendeesPage {
    chrome: Chrome,
    place_id: i64,
    event_id: i64,
    title: String,
    when: String,
    /// "Times in …": the place's zone, that of every time on the page.
    zone: String,
    counts: String,
    confirmed: Vec<Attendee>,
    consent: Vec<Attendee>,
    offered: Vec<Attendee>,
    waitlist: Vec<Attendee>,
    /// (name, seats held, quota)
    categories: Vec<(String, i64, String)>,
}

pub async fn attendees(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let a = app::backoffice::attendees(&state.app, &actor, id).await.map_err(app_err(lang))?;
    let place_id = a.event.place_id.unwrap_or(0);
    let tz = a.place.as_ref().map_or(chrono_tz::Europe::Paris, zone_of);
    let category_name = |cid: Option<i64>| {
        cid.and_then(|c| a.categories.iter().find(|(cat, _)| cat.id == c))
            .map(|(cat, _)| cat.name.clone())
            .unwrap_or_default()
    };
    let list = |status: &str| -> Vec<Attendee> {
        a.in_status(status)
            .map(|r| Attendee {
                participant: r.participant.clone(),
                category: category_name(r.category_id),
                since: date_and_time(lang, from_micros(r.created_at), tz),
                detail: r
                    .offered_until
                    .filter(|_| status == "offered")
                    .map(|u| fill(t.bo_offered_until, &[&date_and_time(lang, from_micros(u), tz)]))
                    .unwrap_or_default(),
            })
            .collect()
    };
    Ok(AttendeesPage {
        place_id,
        event_id: id,
        title: fill(t.bo_attendees_title, &[&a.event.title]),
        when: span(lang, from_micros(a.event.starts_at), from_micros(a.event.ends_at), tz),
        zone: fill(t.bo_times_in, &[tz.name()]),
        counts: fill(
            t.bo_attendee_counts,
            &[&a.seats_held.to_string(), &a.event.capacity.to_string(), &a.waitlisted.to_string()],
        ),
        confirmed: list("confirmed"),
        consent: list("consent"),
        offered: list("offered"),
        waitlist: list("waitlisted"),
        categories: a
            .categories
            .iter()
            .map(|(c, held)| (c.name.clone(), *held, c.quota.map(|q| q.to_string()).unwrap_or_else(|| "—".into())))
            .collect(),
        chrome: page.chrome,
    }
    .into_response())
}
