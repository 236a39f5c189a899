//! `/api/v1/places/{id}/periods/{month}/close`, `/accounting.csv`,
//! `/revenue`: closing a month for good, the sales journal in the FEC
//! layout, and revenue per category and month.

use app::accounting::{Range, close_period, fec, revenue};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use domain::operations::accounting::RevenueCategory;
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::{IntoParams, ToSchema};

use crate::api::invoices::CategoryDoc;
use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Path, Query};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ClosedPeriodDoc {
    /// YYYY-MM, a month in Paris time.
    pub period: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
}

/// Closes a month of a place for good: no invoice or credit note can be
/// dated in it afterwards (the database refuses it too), and it cannot be reopened.
#[utoipa::path(post, path = "/places/{id}/periods/{period}/close", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id"), ("period" = String, Path, description = "YYYY-MM")),
    responses((status = 201, body = ClosedPeriodDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "Already closed"),
              (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((place_id, period)): Path<(i64, String)>,
) -> ApiResult<(StatusCode, JsonResponse<ClosedPeriodDoc>)> {
    let p = close_period(&state.app, &caller.actor(), place_id, &period).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(ClosedPeriodDoc {
            period: p.period,
            starts_at: from_micros(p.starts_at),
            ends_at: from_micros(p.ends_at),
            closed_at: from_micros(p.closed_at),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, YYYY-MM-DD (default: 1 January of this year).
    pub from: Option<String>,
    /// Last day, included, YYYY-MM-DD (default: today).
    pub to: Option<String>,
}

impl RangeQuery {
    fn range(&self) -> Result<Range, app::AppError> {
        Range::parse(self.from.as_deref(), self.to.as_deref())
    }
}

/// The sales journal of a place in the FEC layout (Fichier des écritures
/// comptables): 18 `|`-separated columns, one balanced entry per invoice
/// (411 debited the gross, 706… credited the net per revenue category,
/// 44571 credited the VAT) and credit notes reversed.
#[utoipa::path(get, path = "/places/{id}/accounting.csv", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id"), RangeQuery),
    responses((status = 200, description = "text/csv, FEC layout"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Response> {
    let range = q.range()?;
    let body = fec(&state.app, &caller.actor(), place_id, range).await?;
    Ok(fec_response(place_id, range, body))
}

pub fn fec_response(place_id: i64, range: Range, body: String) -> Response {
    let name = format!("FEC-lieu{place_id}-{}-{}.csv", range.from.format("%Y%m%d"), range.to.format("%Y%m%d"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct CategoryAmount {
    pub category: CategoryDoc,
    /// Net (before VAT), credit notes subtracted.
    pub net_cents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MonthRevenue {
    /// YYYY-MM.
    pub month: String,
    pub net_cents: i64,
    pub categories: Vec<CategoryAmount>,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueDoc {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Net revenue over the range, credit notes subtracted.
    pub net_cents: i64,
    /// Invoices and credit notes counted.
    pub documents: usize,
    pub categories: Vec<CategoryAmount>,
    /// Every month of the range, in order.
    pub months: Vec<MonthRevenue>,
}

fn amounts(nets: &[i64; 6]) -> Vec<CategoryAmount> {
    RevenueCategory::ALL
        .iter()
        .zip(nets)
        .map(|(c, n)| CategoryAmount { category: (*c).into(), net_cents: *n })
        .collect()
}

/// Revenue of a place per category (space rental, privatisation, events and
/// programmes, memberships, accompaniment, other) and per month.
#[utoipa::path(get, path = "/places/{id}/revenue", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id"), RangeQuery),
    responses((status = 200, body = RevenueDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> ApiResult<JsonResponse<RevenueDoc>> {
    let range = q.range()?;
    let r = revenue(&state.app, &caller.actor(), place_id, range).await?;
    Ok(JsonResponse(RevenueDoc {
        from: range.from,
        to: range.to,
        net_cents: r.total_cents,
        documents: r.documents,
        categories: amounts(&r.by_category),
        months: r
            .by_month
            .iter()
            .map(|(m, nets)| MonthRevenue {
                month: m.to_string(),
                net_cents: nets.iter().sum(),
                categories: amounts(nets),
            })
            .collect(),
    }))
}
