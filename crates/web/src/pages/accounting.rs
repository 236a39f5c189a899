//! The place manager's accounting pages: revenue per category and month
//! (a table and an SVG bar chart drawn on the server, so no script is
//! needed and the table is the chart's text alternative), the list of
//! invoices, the FEC download, and closing a month for good.

use app::AppError;
use app::accounting::{Range, close_period, closed_periods, documents, revenue};
use app::i18n::{Messages, fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::operations::accounting::{Revenue, RevenueCategory};
use domain::operations::invoices::display_number;
use serde::Deserialize;

use super::invoices::euros;
use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RangeForm {
    from: String,
    to: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    period: String,
}

pub fn category_label(t: &Messages, c: RevenueCategory) -> &'static str {
    match c {
        RevenueCategory::Rental => t.acc_cat_rental,
        RevenueCategory::Privatisation => t.acc_cat_privatisation,
        RevenueCategory::Events => t.acc_cat_events,
        RevenueCategory::Memberships => t.acc_cat_memberships,
        RevenueCategory::Accompaniment => t.acc_cat_accompaniment,
        RevenueCategory::Other => t.acc_cat_other,
    }
}

/// Colours of the categories, distinguishable by people with the common
/// colour-vision deficiencies (Okabe–Ito palette).
const COLOURS: [&str; 6] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#999999"];

pub struct Bar {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
    colour: &'static str,
    title: String,
}

pub struct Chart {
    width: i64,
    height: i64,
    bars: Vec<Bar>,
    /// (x, label) under each month.
    ticks: Vec<(i64, String)>,
    max_label: String,
    baseline: i64,
}

const LEFT: i64 = 90;
const TOP: i64 = 16;
const PLOT_HEIGHT: i64 = 200;

/// Stacked bars, one per month; months whose credit notes exceed their
/// invoices draw no bar (the table shows the negative amount).
fn chart(t: &Messages, r: &Revenue) -> Chart {
    let months = r.by_month.len().max(1) as i64;
    let slot = (560 / months).clamp(12, 60);
    let max = r.by_month.iter().map(|(_, v)| v.iter().filter(|n| **n > 0).sum::<i64>()).max().unwrap_or(0).max(1);
    let mut bars = Vec::new();
    let mut ticks = Vec::new();
    for (i, (m, nets)) in r.by_month.iter().enumerate() {
        let x = LEFT + i as i64 * slot + slot / 6;
        let mut y = TOP + PLOT_HEIGHT;
        for (c, n) in RevenueCategory::ALL.iter().zip(nets) {
            if *n <= 0 {
                continue;
            }
            let h = (n * PLOT_HEIGHT / max).max(1);
            y -= h;
            bars.push(Bar {
                x,
                y,
                width: slot * 2 / 3,
                height: h,
                colour: COLOURS[c.index()],
                title: format!("{m} · {} : {}", category_label(t, *c), euros(*n)),
            });
        }
        ticks.push((x + slot / 3, format!("{:02}/{:02}", m.month, m.year % 100)));
    }
    Chart {
        width: LEFT + months * slot + 10,
        height: TOP + PLOT_HEIGHT + 30,
        bars,
        ticks,
        max_label: euros(max),
        baseline: TOP + PLOT_HEIGHT,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "accounting_revenue.html")]
pub struct RevenuePage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    from: String,
    to: String,
    query: String,
    errors: FormErrors,
    /// The category names, in column order, with their colour.
    categories: Vec<(&'static str, &'static str)>,
    /// (month, amounts per category, total)
    rows: Vec<(String, Vec<String>, String)>,
    totals: Vec<String>,
    total: String,
    chart: Chart,
    chart_desc: String,
    period: String,
    close_errors: FormErrors,
    closed: Vec<(String, String)>,
}

fn range_errors(t: &Messages, e: &AppError) -> FormErrors {
    let mut errors = FormErrors::default();
    if let AppError::Invalid(fields) = e {
        for (f, _) in &fields.0 {
            errors = errors.with(if *f == "from" { "from" } else { "to" }, t.acc_date_malformed);
        }
    }
    errors
}

/// The range asked for, or the default one with the errors to show.
fn read_range(t: &Messages, q: &RangeForm) -> (Range, FormErrors) {
    match Range::parse(Some(&q.from), Some(&q.to)) {
        Ok(r) => (r, FormErrors::default()),
        Err(e) => (
            Range::parse(None, None).unwrap_or(Range { from: Default::default(), to: Default::default() }),
            range_errors(t, &e),
        ),
    }
}

async fn revenue_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    q: &RangeForm,
    period: String,
    close_errors: FormErrors,
) -> Result<RevenuePage, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let t = page.chrome.t;
    let (range, errors) = read_range(t, q);
    let r = revenue(&state.app, &actor, place_id, range).await.map_err(|e| PageError::from_app(lang, e))?;
    let place = state.app.store.atlas_record(place_id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let closed = closed_periods(&state.app, &actor, place_id).await.map_err(|e| PageError::from_app(lang, e))?;
    let (from, to) =
        if errors.is_empty() { (range.from.to_string(), range.to.to_string()) } else { (q.from.clone(), q.to.clone()) };
    let query = serde_urlencoded::to_string([("from", range.from.to_string()), ("to", range.to.to_string())])
        .unwrap_or_default();
    Ok(RevenuePage {
        place_id,
        title: fill(t.acc_revenue_title, &[&place.name]),
        categories: RevenueCategory::ALL.iter().map(|c| (category_label(t, *c), COLOURS[c.index()])).collect(),
        rows: r
            .by_month
            .iter()
            .map(|(m, nets)| (m.to_string(), nets.iter().map(|n| euros(*n)).collect(), euros(nets.iter().sum())))
            .collect(),
        totals: r.by_category.iter().map(|n| euros(*n)).collect(),
        total: euros(r.total_cents),
        chart: chart(t, &r),
        chart_desc: fill(t.acc_chart_desc, &[&range.from.to_string(), &range.to.to_string()]),
        from,
        to,
        query,
        errors,
        period,
        close_errors,
        closed: closed
            .into_iter()
            .map(|p| (p.period, format_datetime(lang, store::from_micros(p.closed_at))))
            .collect(),
        chrome: page.chrome,
    })
}

pub async fn show_revenue(
    State(state): State<AppState>,
    page: Page,
    Path(place_id): Path<i64>,
    Query(q): Query<RangeForm>,
) -> Result<Response, PageError> {
    let p = revenue_page(&state, page, place_id, &q, String::new(), FormErrors::default()).await?;
    let status = if p.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, p).into_response())
}

pub async fn close(
    State(state): State<AppState>,
    page: Page,
    Path(place_id): Path<i64>,
    Form(input): Form<CloseForm>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let t = page.chrome.t;
    let (status, message) = match close_period(&state.app, &actor, place_id, &input.period).await {
        Ok(_) => return Ok(redirect_with_notice(&format!("/lieux/{place_id}/recettes"), "period_closed")),
        Err(AppError::Invalid(fields)) => {
            let future = fields.0.iter().any(|(_, e)| e.to_string().contains("not started"));
            (StatusCode::UNPROCESSABLE_ENTITY, if future { t.acc_period_future } else { t.acc_period_malformed })
        }
        Err(AppError::Conflict(_)) => (StatusCode::CONFLICT, t.acc_period_already),
        Err(e) => return Err(PageError::from_app(lang, e)),
    };
    let p =
        revenue_page(&state, page, place_id, &RangeForm::default(), input.period, FormErrors::one("period", message))
            .await?;
    Ok((status, p).into_response())
}

/// (number, kind, date, customer's first line, gross, link)
type ListedInvoice = (String, &'static str, String, String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "accounting_invoices.html")]
pub struct InvoicesPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    from: String,
    to: String,
    query: String,
    errors: FormErrors,
    invoices: Vec<ListedInvoice>,
    total: String,
}

pub async fn list_invoices(
    State(state): State<AppState>,
    page: Page,
    Path(place_id): Path<i64>,
    Query(q): Query<RangeForm>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let t = page.chrome.t;
    let (range, errors) = read_range(t, &q);
    let docs = documents(&state.app, &actor, place_id, range).await.map_err(|e| PageError::from_app(lang, e))?;
    let place = state.app.store.atlas_record(place_id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let (from, to) =
        if errors.is_empty() { (range.from.to_string(), range.to.to_string()) } else { (q.from.clone(), q.to.clone()) };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let query = serde_urlencoded::to_string([("from", range.from.to_string()), ("to", range.to.to_string())])
        .unwrap_or_default();
    let page = InvoicesPage {
        place_id,
        title: fill(t.acc_invoices_title, &[&place.name]),
        from,
        to,
        query,
        errors,
        total: euros(docs.iter().map(|i| i.gross_cents).sum()),
        invoices: docs
            .iter()
            .map(|i| {
                (
                    display_number(i.year, i.number),
                    if i.kind == "credit_note" { t.acc_kind_credit } else { t.acc_kind_invoice },
                    format_datetime(lang, store::from_micros(i.issued_at)),
                    i.customer.lines().next().unwrap_or_default().to_owned(),
                    euros(i.gross_cents),
                    format!("/factures/{}", i.id),
                )
            })
            .collect(),
        chrome: page.chrome,
    };
    Ok((status, page).into_response())
}

/// The FEC of the range, for the signed-in manager (the API's needs a token).
pub async fn fec_download(
    State(state): State<AppState>,
    page: Page,
    Path(place_id): Path<i64>,
    Query(q): Query<RangeForm>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let range = match Range::parse(Some(&q.from), Some(&q.to)) {
        Ok(r) => r,
        Err(_) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, page.chrome.t.acc_date_malformed).into_response()),
    };
    let body =
        app::accounting::fec(&state.app, &actor, place_id, range).await.map_err(|e| PageError::from_app(lang, e))?;
    Ok(crate::api::fec_response(place_id, range, body))
}
