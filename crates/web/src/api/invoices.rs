//! `/api/v1/places/{id}/invoices`, `/invoices/{id}`: invoices and credit
//! notes of a place, numbered without gaps and hash-chained.

use app::invoices::{credit_note, issue_invoice};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::operations::accounting::RevenueCategory;
use domain::operations::invoices::{InvoiceLine, display_number};
use domain::policy::{Action, Resource, authorize};
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineDoc {
    pub label: String,
    pub quantity: i64,
    /// Unit price before VAT, in cents.
    pub unit_cents: i64,
    /// VAT rate in basis points: 0, 210, 550, 1000 or 2000 (20 %).
    pub vat_bp: i64,
    /// What the revenue is, for the revenue report and the sales account
    /// (default: other).
    #[serde(default)]
    pub category: CategoryDoc,
}

/// The revenue category of a line.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, Default, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum CategoryDoc {
    /// Renting a space, desk or machine.
    Rental,
    /// Privatising a space or the whole venue.
    Privatisation,
    /// Events and multi-session programmes.
    Events,
    Memberships,
    /// Accompaniment services.
    Accompaniment,
    #[default]
    Other,
}

impl From<RevenueCategory> for CategoryDoc {
    fn from(c: RevenueCategory) -> Self {
        match c {
            RevenueCategory::Rental => CategoryDoc::Rental,
            RevenueCategory::Privatisation => CategoryDoc::Privatisation,
            RevenueCategory::Events => CategoryDoc::Events,
            RevenueCategory::Memberships => CategoryDoc::Memberships,
            RevenueCategory::Accompaniment => CategoryDoc::Accompaniment,
            RevenueCategory::Other => CategoryDoc::Other,
        }
    }
}

impl From<CategoryDoc> for RevenueCategory {
    fn from(c: CategoryDoc) -> Self {
        match c {
            CategoryDoc::Rental => RevenueCategory::Rental,
            CategoryDoc::Privatisation => RevenueCategory::Privatisation,
            CategoryDoc::Events => RevenueCategory::Events,
            CategoryDoc::Memberships => RevenueCategory::Memberships,
            CategoryDoc::Accompaniment => RevenueCategory::Accompaniment,
            CategoryDoc::Other => RevenueCategory::Other,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoiceDoc {
    /// The customer's name and address, as printed.
    pub customer: String,
    pub lines: Vec<LineDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceDoc {
    pub id: i64,
    /// YEAR-NNNNNN, without gaps per place and year.
    pub number: String,
    /// invoice or credit_note.
    pub kind: String,
    pub customer: String,
    pub lines: Vec<LineDoc>,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    /// The invoice a credit note cancels.
    pub credit_of: Option<i64>,
    pub issued_at: DateTime<Utc>,
    /// The printable invoice.
    pub url: String,
}

pub fn invoice_doc(i: store::invoices::Invoice) -> InvoiceDoc {
    let lines: Vec<InvoiceLine> = serde_json::from_str(&i.lines).unwrap_or_default();
    InvoiceDoc {
        id: i.id,
        number: display_number(i.year, i.number),
        kind: i.kind,
        customer: i.customer,
        lines: lines
            .into_iter()
            .map(|l| LineDoc {
                label: l.label,
                quantity: l.quantity,
                unit_cents: l.unit_cents,
                vat_bp: l.vat_bp,
                category: l.category.into(),
            })
            .collect(),
        net_cents: i.net_cents,
        vat_cents: i.vat_cents,
        gross_cents: i.gross_cents,
        credit_of: i.credit_of,
        issued_at: from_micros(i.issued_at),
        url: format!("/factures/{}", i.id),
    }
}

/// Issues an invoice for a place (its manager, the territory team or an administrator).
#[utoipa::path(post, path = "/places/{id}/invoices", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewInvoiceDoc,
    responses((status = 201, body = InvoiceDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewInvoiceDoc>,
) -> ApiResult<(StatusCode, JsonResponse<InvoiceDoc>)> {
    let lines: Vec<InvoiceLine> = body
        .lines
        .into_iter()
        .map(|l| InvoiceLine {
            label: l.label,
            quantity: l.quantity,
            unit_cents: l.unit_cents,
            vat_bp: l.vat_bp,
            category: l.category.into(),
        })
        .collect();
    let i = issue_invoice(&state.app, &caller.actor(), place_id, &body.customer, &lines).await?;
    Ok((StatusCode::CREATED, JsonResponse(invoice_doc(i))))
}

/// One invoice or credit note (the place's team).
#[utoipa::path(get, path = "/invoices/{id}", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, body = InvoiceDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<InvoiceDoc>> {
    let i = state.app.store.invoice(id).await?;
    authorize(&caller.actor(), Action::EditPlace, Resource::Place(i.place_id)).map_err(app::AppError::from)?;
    Ok(JsonResponse(invoice_doc(i)))
}

/// Cancels an invoice by a credit note of the opposite amounts, next in the numbering.
#[utoipa::path(post, path = "/invoices/{id}/credit-note", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 201, body = InvoiceDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn credit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, JsonResponse<InvoiceDoc>)> {
    let i = credit_note(&state.app, &caller.actor(), id).await?;
    Ok((StatusCode::CREATED, JsonResponse(invoice_doc(i))))
}
