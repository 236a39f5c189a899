//! The place manager's back office: the bookings to approve and the next
//! two weeks' (approve, refuse, check in, cancel), the resource tree and
//! its creation form, each resource's prices, the plans and packs, the
//! events and their attendees.
//!
//! Handlers stay thin: they read the form, call one `app` use case (which
//! asks the policy), and redirect with a notice or show the form again with
//! the messages beside its fields (422). What they read comes from
//! `app::backoffice` and `app::bookings::bookings_to_manage`, behind the
//! same policy as the changes.

use app::AppError;
use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use chrono_tz::Tz;
use domain::operations::ResourceKind;
use domain::operations::invoices::VAT_RATES_BP;
use domain::operations::lifecycle::check_in_window;
use domain::operations::tariffs::{Audience, Unit};
use domain::policy::Actor;
use serde::Deserialize;
use store::from_micros;

use super::dates::{hhmm, local_fields, parse_date, parse_time, span, zone_of};
use super::invoices::euros;
use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

/// How far ahead the dashboard lists confirmed bookings.
const UPCOMING_DAYS: i64 = 14;

fn actor(page: &Page) -> Result<Actor, PageError> {
    Ok(page.require_identity()?.actor())
}

fn app_err(lang: Lang) -> impl Fn(AppError) -> PageError {
    move |e| PageError::from_app(lang, e)
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

/// Euros as typed ("25", "25,50", "25.5", "1 200 €") in integer cents;
/// `None` for anything else, negative amounts included.
pub fn parse_euros(s: &str) -> Option<i64> {
    let cleaned: String =
        s.trim().trim_end_matches('€').chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    let (units, frac) = cleaned.split_once([',', '.']).unwrap_or((cleaned.as_str(), ""));
    if (units.is_empty() && frac.is_empty()) || frac.len() > 2 {
        return None;
    }
    if !units.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if units.is_empty() { 0 } else { units.parse().ok()? };
    let part: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(part)
}

/// Cents as a form shows them back: "25" or "25,50".
fn euros_field(cents: i64) -> String {
    if cents % 100 == 0 { (cents / 100).to_string() } else { format!("{},{:02}", cents / 100, cents % 100) }
}

/// An optional whole number of a form: empty is `None`, anything but
/// digits is an error beside `field`.
fn opt_int(errors: &mut FormErrors, t: &Messages, field: &'static str, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            *errors = std::mem::take(errors).with(field, t.bo_err_integer);
            None
        }
    }
}

/// Adds the use case's field messages to the form's, under the form's names.
fn merge(
    mut errors: FormErrors,
    t: &Messages,
    fields: &app::FieldErrors,
    rename: &[(&str, &'static str)],
) -> FormErrors {
    for (f, e) in &fields.0 {
        let on = rename.iter().find(|(from, _)| from == f).map_or(*f, |(_, to)| *to);
        if errors.get(on).is_none() {
            errors = errors.with(on, &t.field_error(e));
        }
    }
    errors
}

/// One choice of a select, marked when it is the current value.
pub struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn options<V: ToString, L: ToString>(list: impl IntoIterator<Item = (V, L)>, current: &str) -> Vec<Opt> {
    list.into_iter()
        .map(|(v, l)| {
            let value = v.to_string();
            Opt { selected: value == current.trim(), value, label: l.to_string() }
        })
        .collect()
}

fn vat_label(bp: i64) -> String {
    if bp % 100 == 0 { format!("{} %", bp / 100) } else { format!("{},{} %", bp / 100, (bp % 100) / 10) }
}

fn vat_options(current: &str) -> Vec<Opt> {
    options(VAT_RATES_BP.iter().rev().map(|bp| (*bp, vat_label(*bp))), current)
}

// ---------------------------------------------------------------- dashboard

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
                    fill(
                        t.bo_check_in_from,
                        &[&super::dates::long_date(lang, at.with_timezone(&tz).date_naive()), &hhmm(at, tz)],
                    )
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
/// booking no longer in a state that allows it becomes a notice.
pub async fn act(
    State(state): State<AppState>,
    page: Page,
    Path((place_id, booking_id, action)): Path<(i64, i64, String)>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = actor(&page)?;
    let app = &state.app;
    let (done, notice) = match action.as_str() {
        "approuver" => (app::bookings::decide(app, &actor, booking_id, true).await, "bo_approved"),
        "refuser" => (app::bookings::decide(app, &actor, booking_id, false).await, "bo_refused"),
        "arrivee" => (app::bookings::check_in(app, &actor, booking_id).await, "bo_checked_in"),
        "annuler" => (app::bookings::cancel(app, &actor, booking_id).await, "bo_cancelled"),
        _ => return Err(PageError::NotFound(lang)),
    };
    let back = format!("/lieux/{place_id}/gestion");
    match done {
        Ok(_) => Ok(redirect_with_notice(&back, notice)),
        Err(AppError::BookingState { .. }) => Ok(redirect_with_notice(&back, "bo_state")),
        Err(AppError::CheckInClosed { .. }) => Ok(redirect_with_notice(&back, "bo_check_in_closed")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

// ---------------------------------------------------------------- resources

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResourceForm {
    name: String,
    kind: String,
    parent_id: String,
    capacity: String,
    opening_hours: String,
    min_minutes: String,
    max_minutes: String,
    advance_days: String,
    buffer_minutes: String,
    needs_approval: Option<String>,
    access: String,
}

/// One resource of the tree, indented by its depth.
pub struct TreeLine {
    id: i64,
    name: String,
    kind: &'static str,
    depth: usize,
    details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_resources.html")]
pub struct ResourcesPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    tree: Vec<TreeLine>,
    /// The parent select: none, then the tree indented.
    parents: Vec<Opt>,
    kinds: Vec<Opt>,
    accesses: Vec<Opt>,
    form: ResourceForm,
    errors: FormErrors,
}

async fn resources_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: ResourceForm,
    errors: FormErrors,
) -> Result<ResourcesPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, list) = app::backoffice::resources(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    let depth = |path: &str| path.matches('/').count().saturating_sub(2);
    let tree = list
        .iter()
        .map(|r| {
            let mut details = Vec::new();
            if let Some(c) = r.capacity {
                details.push(fill(t.bk_capacity, &[&c.to_string()]));
            }
            details.push(fill(t.bo_min_max, &[&r.min_minutes.to_string()]));
            if let Some(m) = r.max_minutes {
                details.push(fill(t.bo_max, &[&m.to_string()]));
            }
            if r.needs_approval {
                details.push(t.bo_needs_approval_short.to_owned());
            }
            if let Some(h) = &r.opening_hours {
                details.push(h.clone());
            }
            TreeLine {
                id: r.id,
                name: r.name.clone(),
                kind: kind_label(t, &r.kind),
                depth: depth(&r.path),
                details: details.join(" · "),
            }
        })
        .collect();
    let top = (String::new(), t.bo_parent_none.to_owned());
    let parents = options(
        std::iter::once(top)
            .chain(list.iter().map(|r| (r.id.to_string(), format!("{}{}", "— ".repeat(depth(&r.path)), r.name)))),
        &form.parent_id,
    );
    Ok(ResourcesPage {
        place_id,
        title: fill(t.bo_resources_title, &[&place.name]),
        tree,
        parents,
        kinds: options(ResourceKind::ALL.iter().map(|k| (k.as_str(), kind_label(t, k.as_str()))), &form.kind),
        accesses: options(
            [("public", t.bo_access_public), ("members", t.bo_access_members), ("residents", t.bo_access_residents)],
            if form.access.is_empty() { "public" } else { form.access.as_str() },
        ),
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn resources(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let form = ResourceForm { kind: "room".into(), min_minutes: "30".into(), ..ResourceForm::default() };
    Ok(resources_page(&state, page, id, form, FormErrors::default()).await?.into_response())
}

pub async fn create_resource(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ResourceForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let mut errors = FormErrors::default();
    let parent_id = opt_int(&mut errors, t, "parent_id", &form.parent_id);
    let input = app::operations::ResourceInput {
        parent_id,
        kind: form.kind.trim().to_owned(),
        name: form.name.clone(),
        capacity: opt_int(&mut errors, t, "capacity", &form.capacity),
        opening_hours: Some(form.opening_hours.clone()),
        min_minutes: opt_int(&mut errors, t, "min_minutes", &form.min_minutes),
        max_minutes: opt_int(&mut errors, t, "max_minutes", &form.max_minutes),
        advance_days: opt_int(&mut errors, t, "advance_days", &form.advance_days),
        buffer_minutes: opt_int(&mut errors, t, "buffer_minutes", &form.buffer_minutes),
        needs_approval: Some(form.needs_approval.is_some()),
        access: Some(form.access.clone()),
        ..app::operations::ResourceInput::default()
    };
    if !errors.is_empty() {
        let p = resources_page(&state, page, id, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    match app::operations::create_resource(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/ressources"), "bo_resource_created")),
        Err(AppError::Invalid(fields)) => {
            let errors = merge(FormErrors::default(), t, &fields, &[]);
            let p = resources_page(&state, page, id, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

// ---------------------------------------------------------------- tariffs

/// Rows the tariff form always offers (more when the grid already has more).
const TARIFF_ROWS: usize = 6;
/// The most rows the form carries: a grid's own limit is higher than what
/// one form needs.
const MAX_TARIFF_ROWS: usize = 12;
const PRICE_FIELDS: [&str; MAX_TARIFF_ROWS] = [
    "price_0", "price_1", "price_2", "price_3", "price_4", "price_5", "price_6", "price_7", "price_8", "price_9",
    "price_10", "price_11",
];

/// One row of the tariff form, as shown.
pub struct TariffLine {
    index: usize,
    audience: String,
    unit: String,
    price: String,
    vat: i64,
}

/// A row of the form with its selects.
pub struct TariffRowView {
    index: usize,
    field: &'static str,
    price: String,
    audiences: Vec<Opt>,
    units: Vec<Opt>,
    vats: Vec<Opt>,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_tariffs.html")]
pub struct TariffsPage {
    chrome: Chrome,
    place_id: i64,
    resource_id: i64,
    title: String,
    current: Vec<(String, String, String, String)>,
    rows: Vec<TariffRowView>,
    errors: FormErrors,
}

fn audience_label(t: &Messages, a: Audience) -> &'static str {
    match a {
        Audience::Public => t.bo_aud_public,
        Audience::Member => t.bo_aud_member,
        Audience::Resident => t.bo_aud_resident,
        Audience::Association => t.bo_aud_association,
        Audience::Company => t.bo_aud_company,
        Audience::PublicBody => t.bo_aud_public_body,
        Audience::Under26 => t.bo_aud_under_26,
    }
}

fn unit_label(t: &Messages, u: Unit) -> &'static str {
    match u {
        Unit::Hour => t.bo_unit_hour,
        Unit::HalfDay => t.bo_unit_half_day,
        Unit::Day => t.bo_unit_day,
    }
}

async fn tariffs_page(
    state: &AppState,
    page: Page,
    resource_id: i64,
    rows: Option<Vec<TariffLine>>,
    errors: FormErrors,
) -> Result<TariffsPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (resource, _place, current) =
        app::backoffice::tariffs(&state.app, &actor, resource_id).await.map_err(app_err(lang))?;
    let rows = rows.unwrap_or_else(|| {
        let n = (current.len() + 2).clamp(TARIFF_ROWS, MAX_TARIFF_ROWS);
        (0..n)
            .map(|i| match current.get(i) {
                Some(r) => TariffLine {
                    index: i,
                    audience: r.audience.clone(),
                    unit: r.unit.clone(),
                    price: euros_field(r.unit_cents),
                    vat: r.vat_bp,
                },
                None => TariffLine {
                    index: i,
                    audience: "public".into(),
                    unit: "hour".into(),
                    price: String::new(),
                    vat: 2000,
                },
            })
            .collect()
    });
    Ok(TariffsPage {
        place_id: resource.place_id,
        resource_id,
        title: fill(t.bo_tariffs_title, &[&resource.name]),
        current: current
            .iter()
            .map(|r| {
                (
                    Audience::parse(&r.audience).map_or(r.audience.clone(), |a| audience_label(t, a).to_owned()),
                    Unit::parse(&r.unit).map_or(r.unit.clone(), |u| unit_label(t, u).to_owned()),
                    euros(r.unit_cents),
                    vat_label(r.vat_bp),
                )
            })
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| TariffRowView {
                index: r.index,
                field: PRICE_FIELDS[r.index],
                audiences: options(Audience::ALL.iter().map(|a| (a.as_str(), audience_label(t, *a))), &r.audience),
                units: options(
                    [Unit::Hour, Unit::HalfDay, Unit::Day].iter().map(|u| (u.as_str(), unit_label(t, *u))),
                    &r.unit,
                ),
                vats: vat_options(&r.vat.to_string()),
                price: r.price,
            })
            .collect(),
        errors,
        chrome: page.chrome,
    })
}

pub async fn tariffs(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(tariffs_page(&state, page, id, None, FormErrors::default()).await?.into_response())
}

pub async fn set_tariffs(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let value =
        |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut errors = FormErrors::default();
    let mut rows = Vec::new();
    let mut input = Vec::new();
    // Which form row each price sent to the use case came from.
    let mut origin = Vec::new();
    for (i, field) in PRICE_FIELDS.iter().enumerate() {
        let row = TariffLine {
            index: i,
            audience: value(format!("audience_{i}")),
            unit: value(format!("unit_{i}")),
            price: value(format!("price_{i}")),
            vat: value(format!("vat_{i}")).parse().unwrap_or(2000),
        };
        let present = fields.iter().any(|(k, _)| *k == format!("price_{i}"));
        if !present {
            break;
        }
        if !row.price.is_empty() {
            match parse_euros(&row.price) {
                Some(cents) => {
                    input.push(app::tariffs::TariffInput {
                        audience: row.audience.clone(),
                        unit: row.unit.clone(),
                        unit_cents: cents,
                        vat_bp: row.vat,
                    });
                    origin.push(*field);
                }
                None => errors = errors.with(field, t.bo_err_euros),
            }
        }
        rows.push(row);
    }
    if !errors.is_empty() {
        let p = tariffs_page(&state, page, id, Some(rows), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    match app::tariffs::set_tariffs(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/ressources/{id}/tarifs"), "bo_tariffs_saved")),
        Err(AppError::Invalid(fields)) => {
            // "price N: …" names the N-th price sent: put it beside its row.
            let mut errors = FormErrors::default();
            for (_, e) in &fields.0 {
                let text = e.to_string();
                let row = text
                    .split_once("price ")
                    .and_then(|(_, rest)| rest.split(':').next())
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .and_then(|n| origin.get(n.wrapping_sub(1)).copied());
                errors = errors.with(row.unwrap_or("price_0"), &fill(t.bo_err_tariff, &[&detail_of(&text)]));
            }
            let p = tariffs_page(&state, page, id, Some(rows), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

/// The use case's reason without its "price N:" prefix.
fn detail_of(text: &str) -> String {
    match text.split_once(": ") {
        Some((head, rest)) if head.contains("price ") => rest.to_owned(),
        _ => text.to_owned(),
    }
}

// ---------------------------------------------------------------- plans

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    kind: String,
    name: String,
    fee: String,
    vat: String,
    credit_unit: String,
    credit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_plans.html")]
pub struct PlansPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    /// (name, kind, fee, credit)
    plans: Vec<(String, &'static str, String, String)>,
    kinds: Vec<Opt>,
    vats: Vec<Opt>,
    units: Vec<Opt>,
    form: PlanForm,
    errors: FormErrors,
}

fn credit_text(t: &Messages, unit: &str, amount: i64) -> String {
    if unit == "cents" { euros(amount) } else { fill(t.bo_credit_minutes, &[&amount.to_string()]) }
}

async fn plans_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: PlanForm,
    errors: FormErrors,
) -> Result<PlansPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, plans) = app::backoffice::plans(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    Ok(PlansPage {
        place_id,
        title: fill(t.bo_plans_title, &[&place.name]),
        plans: plans
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    if p.kind == "pack" { t.bo_plan_pack } else { t.bo_plan_membership },
                    euros(p.fee_cents),
                    credit_text(t, &p.credit_unit, p.credit_amount),
                )
            })
            .collect(),
        kinds: options([("membership", t.bo_plan_membership), ("pack", t.bo_plan_pack)], &form.kind),
        vats: vat_options(&form.vat),
        units: options([("minutes", t.bo_credit_unit_minutes), ("cents", t.bo_credit_unit_cents)], &form.credit_unit),
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn plans(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let form = PlanForm {
        kind: "membership".into(),
        vat: "2000".into(),
        credit_unit: "minutes".into(),
        ..PlanForm::default()
    };
    Ok(plans_page(&state, page, id, form, FormErrors::default()).await?.into_response())
}

pub async fn create_plan(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let mut errors = FormErrors::default();
    let fee = parse_euros(&form.fee);
    if fee.is_none() {
        errors = errors.with("fee", t.bo_err_euros);
    }
    let credit = if form.credit.trim().is_empty() {
        Some(0)
    } else if form.credit_unit == "cents" {
        parse_euros(&form.credit)
    } else {
        form.credit.trim().parse::<i64>().ok().filter(|n| *n >= 0)
    };
    if credit.is_none() {
        errors = errors.with("credit", if form.credit_unit == "cents" { t.bo_err_euros } else { t.bo_err_integer });
    }
    let vat_bp = form.vat.trim().parse::<i64>().ok();
    let (Some(fee), Some(credit)) = (fee, credit) else {
        let p = plans_page(&state, page, id, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let input = app::tariffs::PlanInput {
        kind: form.kind.trim().to_owned(),
        name: form.name.clone(),
        fee_cents: fee,
        vat_bp: Some(vat_bp.unwrap_or(-1)),
        credit_unit: form.credit_unit.trim().to_owned(),
        credit_amount: credit,
    };
    match app::tariffs::create_plan(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/formules"), "bo_plan_created")),
        Err(AppError::Invalid(fields)) => {
            let errors = merge(
                FormErrors::default(),
                t,
                &fields,
                &[("fee_cents", "fee"), ("vat_bp", "vat"), ("credit_amount", "credit")],
            );
            let p = plans_page(&state, page, id, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

// ---------------------------------------------------------------- events

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
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
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
            let errors = merge(
                FormErrors::default(),
                t,
                &fields,
                &[("starts_at", "start_date"), ("ends_at", "end_date"), ("categories", "cat_price_0")],
            );
            let p = events_page(&state, page, id, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
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
                since: app::i18n::format_datetime(lang, from_micros(r.created_at)),
                detail: r
                    .offered_until
                    .filter(|_| status == "offered")
                    .map(|u| fill(t.bo_offered_until, &[&app::i18n::format_datetime(lang, from_micros(u))]))
                    .unwrap_or_default(),
            })
            .collect()
    };
    Ok(AttendeesPage {
        place_id,
        event_id: id,
        title: fill(t.bo_attendees_title, &[&a.event.title]),
        when: span(lang, from_micros(a.event.starts_at), from_micros(a.event.ends_at), tz),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_as_typed_become_cents() {
        for (typed, cents) in [
            ("25", 2500),
            ("25,50", 2550),
            ("25.5", 2550),
            (" 1 200 € ", 120_000),
            ("0", 0),
            (",5", 50),
            ("12\u{a0}€", 1200),
        ] {
            assert_eq!(parse_euros(typed), Some(cents), "{typed}");
        }
        for bad in ["", "-5", "25,505", "vingt", "25,5,0", "1e3", ",", "99999999999999999999"] {
            assert_eq!(parse_euros(bad), None, "{bad}");
        }
        assert_eq!(euros_field(2550), "25,50");
        assert_eq!(euros_field(2500), "25");
        assert_eq!(vat_label(550), "5,5 %");
        assert_eq!(vat_label(2000), "20 %");
    }
}
