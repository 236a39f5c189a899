//! The booking flow: the slot (date, start, end), then the price and the
//! resource's conditions, then the booking. The price step is a quote
//! computed as the booking will be charged (the same tariffs, membership
//! and credits), and warns early when the slot is already taken; the
//! booking checks everything again under the tree lock, so what the form
//! showed is never what guarantees the slot.

use app::AppError;
use app::i18n::{Messages, fill};
use app::tariffs::{Declared, Priced};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use domain::operations::local_to_utc;
use domain::operations::tariffs::{Audience, Unit};
use domain::policy::Actor;
use serde::Deserialize;
use store::operations::Resource;

use super::{MINE, hhmm, long_date, place_of, store_err, zone_of};
use crate::pages::dates::parse_time;
use crate::pages::invoices::euros;
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookQuery {
    debut: Option<String>,
    fin: Option<String>,
}

/// What both steps post: the slot, which step, and the credits choice.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookInput {
    date: String,
    start: String,
    end: String,
    /// `quote` (the slot form, or "recompute") or `confirm`.
    step: String,
    /// The credits checkbox: present when ticked.
    credits: Option<String>,
    /// Set by the price step, where the checkbox was shown: without it, a
    /// person's credits are used by default.
    credits_shown: Option<String>,
}

impl BookInput {
    fn use_credits(&self) -> bool {
        self.credits.is_some() || self.credits_shown.is_none()
    }
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

fn calendar_link(id: i64, date: &str) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => format!("/ressources/{id}/calendrier?vue=semaine&date={}", d.format("%Y-%m-%d")),
        Err(_) => format!("/ressources/{id}/calendrier"),
    }
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
    if let Some(h) = app::operations::effective_hours(&resource, place.text("opening_hours")) {
        rules.push(fill(t.bk_rules_hours, &[h]));
    }
    if !resource.equipment.is_empty() {
        rules.push(fill(t.bk_rules_equipment, &[&resource.equipment.join(", ")]));
    }
    Ok(BookPage {
        resource_id: id,
        title: fill(t.bk_book_title, &[&resource.name]),
        kind: t.resource_kind(&resource.kind),
        calendar: calendar_link(id, &input.date),
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
    let input = BookInput { date, start, end, ..BookInput::default() };
    Ok(book_page(&state, page, id, input, FormErrors::default()).await?.into_response())
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

/// Both steps post here: `step=confirm` books, anything else shows the price.
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
    let use_credits = input.use_credits();
    if input.step != "confirm" {
        return match price_step(&state, &actor, &resource, (from, to), use_credits).await {
            Ok(step) => Ok(step.render(page, &resource, tz, &input).into_response()),
            Err(e) => refused(&state, page, &resource, tz, input, e).await,
        };
    }
    match app::operations::book(&state.app, &actor, id, from, to, use_credits).await {
        Ok(b) if b.status == "pending" => Ok(redirect_with_notice(MINE, "booking_requested")),
        Ok(_) => Ok(redirect_with_notice(MINE, "booked")),
        Err(e) => refused(&state, page, &resource, tz, input, e).await,
    }
}

/// A refusal of the use case as messages beside the slot's fields, or an
/// error page for what the form cannot mend.
async fn refused(
    state: &AppState,
    page: Page,
    resource: &Resource,
    tz: Tz,
    input: BookInput,
    e: AppError,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let (errors, status) = match e {
        AppError::SlotTaken { resource_id, starts_at, ends_at } => {
            let name = name_of(state, resource, resource_id).await;
            let when_start =
                format!("{} {}", long_date(lang, starts_at.with_timezone(&tz).date_naive()), hhmm(starts_at, tz));
            let same_day = starts_at.with_timezone(&tz).date_naive() == ends_at.with_timezone(&tz).date_naive();
            let when_end = if same_day {
                hhmm(ends_at, tz)
            } else {
                format!("{} {}", long_date(lang, ends_at.with_timezone(&tz).date_naive()), hhmm(ends_at, tz))
            };
            (FormErrors::one("start", &fill(t.bk_err_taken, &[&name, &when_start, &when_end])), StatusCode::CONFLICT)
        }
        AppError::Invalid(fields) => {
            // The use case names API fields; the form has date, start and end.
            let mut errors = FormErrors::default();
            for (field, e) in &fields.0 {
                let on = if *field == "ends_at" { "end" } else { "start" };
                errors = errors.with(on, &t.field_error(e));
            }
            (errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Closed { resource_id, starts_at, ends_at, reason } => {
            let name = name_of(state, resource, resource_id).await;
            let why = if reason.is_empty() { String::new() } else { format!(" ({reason})") };
            let when = crate::pages::dates::period(lang, starts_at, ends_at, tz);
            let message = fill(t.bk_err_closed, &[&name, &when, &why]);
            (FormErrors::one("start", &message), StatusCode::CONFLICT)
        }
        AppError::AccessRestricted { .. } => (FormErrors::one("start", t.bk_err_access), StatusCode::FORBIDDEN),
        AppError::TrainingRequired { training } => {
            (FormErrors::one("start", &fill(t.bk_err_training, &[&training])), StatusCode::FORBIDDEN)
        }
        e => return Err(PageError::from_app(lang, e)),
    };
    refuse(state, page, resource.id, input, errors, status).await
}

/// The name of the resource a refusal names: this one, or one above or
/// below it.
async fn name_of(state: &AppState, resource: &Resource, id: i64) -> String {
    if id == resource.id {
        return resource.name.clone();
    }
    state.app.store.resource(id).await.map(|r| r.name).unwrap_or_default()
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

// ---------------------------------------------------------------- price step

/// What the price step learnt: the quote (none: free of charge) and the
/// credits the person holds at the place.
struct PriceStep {
    priced: Option<Priced>,
    credit_minutes: i64,
    credit_cents: i64,
}

async fn price_step(
    state: &AppState,
    actor: &Actor,
    resource: &Resource,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    use_credits: bool,
) -> Result<PriceStep, AppError> {
    let app = &state.app;
    let priced = app::tariffs::quote(app, actor, resource.id, from, to, &Declared::default(), use_credits).await?;
    app::operations::check_bookable(app, actor, resource.id, from, to).await?;
    let (credit_minutes, credit_cents) = match app::tariffs::credits(app, actor, resource.place_id).await {
        Ok((b, _)) => (b.minutes, b.cents),
        Err(AppError::Denied(_)) => (0, 0),
        Err(e) => return Err(e),
    };
    Ok(PriceStep { priced, credit_minutes, credit_cents })
}

pub struct QuoteLine {
    label: String,
    quantity: i64,
    unit: String,
    vat: String,
    total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_quote.html")]
pub struct QuotePage {
    chrome: Chrome,
    resource_id: i64,
    title: String,
    kind: &'static str,
    when: String,
    zone_note: String,
    edit_href: String,
    date: String,
    start: String,
    end: String,
    free: bool,
    audience: String,
    lines: Vec<QuoteLine>,
    net: String,
    vat: String,
    gross: String,
    credits_used: Option<String>,
    due: String,
    /// What the person holds, when they hold something: the checkbox shows.
    credits_held: Option<String>,
    use_credits: bool,
    conditions: Vec<String>,
    confirm_label: &'static str,
}

/// "1 h 30" of credit minutes.
fn duration_text(minutes: i64) -> String {
    format!("{} h {:02}", minutes / 60, minutes % 60)
}

fn unit_label(t: &Messages, u: Unit) -> &'static str {
    match u {
        Unit::Hour => t.bk_unit_hour,
        Unit::HalfDay => t.bk_unit_half_day,
        Unit::Day => t.bk_unit_day,
    }
}

fn audience_label(t: &Messages, a: Audience) -> &'static str {
    match a {
        Audience::Public => t.bk_audience_public,
        Audience::Member => t.bk_audience_member,
        Audience::Resident => t.bk_audience_resident,
        Audience::Association => t.bk_audience_association,
        Audience::Company => t.bk_audience_company,
        Audience::PublicBody => t.bk_audience_public_body,
        Audience::Under26 => t.bk_audience_under_26,
    }
}

/// "20 %", "5,5 %": a VAT rate in basis points, the French way.
fn vat_rate(bp: i64) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => format!("{whole} %"),
        r if r % 10 == 0 => format!("{whole},{} %", r / 10),
        r => format!("{whole},{r:02} %"),
    }
}

/// The resource's conditions a person agrees to by confirming.
fn conditions(t: &Messages, r: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    if r.needs_approval || r.kind == "venue" {
        out.push(t.bk_cond_approval.to_owned());
    }
    match r.cancel_deadline_hours {
        Some(h) if r.late_cancel_fee_cents > 0 => {
            out.push(fill(t.bk_cond_cancel_fee, &[&h.to_string(), &euros(r.late_cancel_fee_cents)]))
        }
        _ => out.push(t.bk_cond_cancel_free.to_owned()),
    }
    if let Some(g) = r.no_show_grace_minutes {
        out.push(fill(t.bk_cond_no_show, &[&g.to_string()]));
    }
    if r.buffer_minutes > 0 {
        out.push(fill(t.bk_cond_buffer, &[&r.buffer_minutes.to_string()]));
    }
    out
}

impl PriceStep {
    fn render(self, page: Page, resource: &Resource, tz: Tz, input: &BookInput) -> QuotePage {
        let t = page.chrome.t;
        let lang = page.chrome.lang;
        let use_credits = input.use_credits();
        let holds_credits = self.credit_minutes > 0 || self.credit_cents > 0;
        let credits_held = holds_credits.then(|| {
            let mut parts = Vec::new();
            if self.credit_minutes > 0 {
                parts.push(duration_text(self.credit_minutes));
            }
            if self.credit_cents > 0 {
                parts.push(euros(self.credit_cents));
            }
            fill(t.bk_credits_held, &[&parts.join(" + ")])
        });
        let when = match NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") {
            Ok(d) => fill(t.bk_when_line, &[&long_date(lang, d), input.start.trim(), input.end.trim()]),
            Err(_) => String::new(),
        };
        let p = self.priced.as_ref();
        let credits_used = p.filter(|p| p.minutes_used > 0 || p.cents_used > 0).map(|p| {
            let mut parts = Vec::new();
            if p.minutes_used > 0 {
                parts.push(duration_text(p.minutes_used));
            }
            if p.cents_used > 0 {
                parts.push(euros(p.cents_used));
            }
            parts.join(" + ")
        });
        let lines = p.map_or_else(Vec::new, |p| {
            p.lines
                .iter()
                .zip(&p.units)
                .map(|(l, u)| QuoteLine {
                    label: unit_label(t, *u).to_owned(),
                    quantity: l.quantity,
                    unit: euros(l.unit_cents),
                    vat: vat_rate(l.vat_bp),
                    total: euros(l.quantity * l.unit_cents),
                })
                .collect()
        });
        let pending = resource.needs_approval || resource.kind == "venue";
        QuotePage {
            resource_id: resource.id,
            title: fill(t.bk_quote_title, &[&resource.name]),
            kind: t.resource_kind(&resource.kind),
            when,
            zone_note: fill(t.bk_local_time, &[tz.name()]),
            edit_href: format!(
                "/ressources/{}/reserver?debut={}T{}&fin={}T{}",
                resource.id,
                input.date.trim(),
                input.start.trim(),
                input.date.trim(),
                input.end.trim()
            ),
            date: input.date.trim().to_owned(),
            start: input.start.trim().to_owned(),
            end: input.end.trim().to_owned(),
            free: p.is_none(),
            audience: p.map(|p| fill(t.bk_audience_applied, &[audience_label(t, p.audience)])).unwrap_or_default(),
            lines,
            net: euros(p.map_or(0, |p| p.net_cents)),
            vat: euros(p.map_or(0, |p| p.vat_cents)),
            gross: euros(p.map_or(0, |p| p.gross_cents)),
            credits_used,
            due: euros(p.map_or(0, |p| p.due_cents)),
            credits_held,
            use_credits,
            conditions: conditions(t, resource),
            confirm_label: if pending { t.bk_confirm_request } else { t.bk_confirm },
            chrome: page.chrome,
        }
    }
}

#[cfg(test)]
mod tests {
    use app::i18n::Lang;

    use super::*;

    #[test]
    fn the_form_refuses_bad_slots_with_a_message_beside_the_field() {
        let t = Lang::En.messages();
        let tz = chrono_tz::Europe::Paris;
        let now = Utc::now();
        let input = |date: &str, start: &str, end: &str| BookInput {
            date: date.into(),
            start: start.into(),
            end: end.into(),
            ..BookInput::default()
        };
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
