//! A resource's price grid: one row per audience and unit, euros typed,
//! cents stored.

use app::AppError;
use app::i18n::{Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::operations::tariffs::{Audience, Unit};

use super::{Opt, actor, app_err, euros_field, options, parse_euros, unprocessable, vat_label, vat_options};
use crate::pages::invoices::euros;
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

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
        return Ok(unprocessable(p));
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
                errors = errors.with(row.unwrap_or("price_0"), &fill(t.bo_err_tariff, &[&detail_of(t, &text)]));
            }
            let p = tariffs_page(&state, page, id, Some(rows), errors).await?;
            Ok(unprocessable(p))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

/// The use case's reason without its "price N:" prefix, in the reader's
/// language for the reasons the grid gives (see `TariffError`).
fn detail_of(t: &app::i18n::Messages, text: &str) -> String {
    let detail = match text.split_once(": ") {
        Some((head, rest)) if head.contains("price ") => rest,
        _ => text,
    };
    let known = [
        ("already has a price", t.bo_err_tariff_duplicate),
        ("cannot be negative", t.bo_err_tariff_negative),
        ("VAT rates are", t.bo_err_tariff_vat),
        ("at most", t.bo_err_tariff_too_many),
    ];
    known.iter().find(|(k, _)| detail.contains(k)).map_or_else(|| detail.to_owned(), |(_, m)| (*m).to_owned())
}
