//! `/api/v1/resources/{id}/tariffs`, `/resources/{id}/quote`,
//! `/places/{id}/plans`, `/plans/{id}/subscribe`, `/places/{id}/credits`,
//! `/bookings/{id}/charge`: prices, quotes, membership plans, packs and
//! credits. The pricing rule is documented in `domain::operations::tariffs`.

use app::tariffs::{Declared, PlanInput, Priced, TariffInput};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TariffDoc {
    /// public, member, resident, association, company, public_body or under_26.
    pub audience: String,
    /// hour (60 min), half_day (4 h) or day (8 h).
    pub unit: String,
    /// Price per unit before VAT, in cents (not negative).
    pub unit_cents: i64,
    /// VAT rate in basis points: 0, 210, 550, 1000 or 2000.
    pub vat_bp: i64,
}

impl From<store::tariffs::TariffRow> for TariffDoc {
    fn from(t: store::tariffs::TariffRow) -> Self {
        Self { audience: t.audience, unit: t.unit, unit_cents: t.unit_cents, vat_bp: t.vat_bp }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TariffGrid {
    /// At most one price per audience and unit; empty: free of charge.
    pub tariffs: Vec<TariffDoc>,
}

/// Replaces a resource's prices (its place's manager, the territory team or
/// an administrator).
#[utoipa::path(put, path = "/resources/{id}/tariffs", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Resource id")), request_body = TariffGrid,
    responses((status = 200, body = TariffGrid), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_tariffs(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<TariffGrid>,
) -> ApiResult<JsonResponse<TariffGrid>> {
    let input: Vec<TariffInput> = body
        .tariffs
        .into_iter()
        .map(|t| TariffInput { audience: t.audience, unit: t.unit, unit_cents: t.unit_cents, vat_bp: t.vat_bp })
        .collect();
    let rows = app::tariffs::set_tariffs(&state.app, &caller.actor(), id, &input).await?;
    Ok(JsonResponse(TariffGrid { tariffs: rows.into_iter().map(Into::into).collect() }))
}

/// A resource's prices.
#[utoipa::path(get, path = "/resources/{id}/tariffs", tag = "operations",
    params(("id" = i64, Path, description = "Resource id")),
    responses((status = 200, body = TariffGrid), (status = 404, body = ErrorBody)))]
pub async fn get_tariffs(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<JsonResponse<TariffGrid>> {
    let rows = app::tariffs::tariffs(&state.app, id).await?;
    Ok(JsonResponse(TariffGrid { tariffs: rows.into_iter().map(Into::into).collect() }))
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// RFC 3339.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Price at this audience instead of the cheapest that applies; refused if it does not apply.
    pub audience: Option<String>,
    /// Declared, for the under_26 price (checked at the desk).
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<NaiveDate>,
    /// Declared, when booking for an organisation: association, company or public_body.
    pub organisation_kind: Option<String>,
    /// Apply the caller's credits at the place (default true).
    #[serde(default = "default_true")]
    pub use_credits: bool,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteLine {
    pub label: String,
    /// hour, half_day or day.
    pub unit: String,
    pub count: i64,
    pub unit_cents: i64,
    pub vat_bp: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CreditsUsed {
    pub minutes: i64,
    pub cents: i64,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteDoc {
    /// The audience priced; null when the resource is free.
    pub audience: Option<String>,
    /// The cheapest combination of units covering the slot (partial hours round up).
    pub lines: Vec<QuoteLine>,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    /// Credits the booking would spend (minutes in whole hours first, then money).
    pub credits_used: CreditsUsed,
    /// Gross amount left to pay once credits are applied.
    pub due_cents: i64,
}

impl From<Option<Priced>> for QuoteDoc {
    fn from(p: Option<Priced>) -> Self {
        let Some(p) = p else {
            return Self {
                audience: None,
                lines: Vec::new(),
                net_cents: 0,
                vat_cents: 0,
                gross_cents: 0,
                credits_used: CreditsUsed { minutes: 0, cents: 0 },
                due_cents: 0,
            };
        };
        Self {
            audience: Some(p.audience.as_str().to_owned()),
            lines: p
                .lines
                .into_iter()
                .zip(p.units)
                .map(|(l, u)| QuoteLine {
                    label: l.label,
                    unit: u.as_str().to_owned(),
                    count: l.quantity,
                    unit_cents: l.unit_cents,
                    vat_bp: l.vat_bp,
                })
                .collect(),
            net_cents: p.net_cents,
            vat_cents: p.vat_cents,
            gross_cents: p.gross_cents,
            credits_used: CreditsUsed { minutes: p.minutes_used, cents: p.cents_used },
            due_cents: p.due_cents,
        }
    }
}

/// What booking this slot would cost the caller: lines, totals, credits used and amount due.
/// The slot must be bookable (same checks as a booking).
#[utoipa::path(post, path = "/resources/{id}/quote", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Resource id")), request_body = QuoteRequest,
    responses((status = 200, body = QuoteDoc), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn quote(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<QuoteRequest>,
) -> ApiResult<JsonResponse<QuoteDoc>> {
    let declared =
        Declared { audience: body.audience, birth_date: body.birth_date, organisation_kind: body.organisation_kind };
    let p =
        app::tariffs::quote(&state.app, &caller.actor(), id, body.starts_at, body.ends_at, &declared, body.use_credits)
            .await?;
    Ok(JsonResponse(p.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanDoc {
    /// membership (monthly fee, monthly credit, member prices) or pack (prepaid credit bought once).
    pub kind: String,
    pub name: String,
    /// Before VAT: per month for a membership, once for a pack.
    pub fee_cents: i64,
    /// Basis points, 2000 by default.
    pub vat_bp: Option<i64>,
    /// minutes or cents.
    pub credit_unit: String,
    /// Credit given (per calendar month for a membership).
    pub credit_amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDoc {
    pub id: i64,
    pub place_id: i64,
    pub kind: String,
    pub name: String,
    pub fee_cents: i64,
    pub vat_bp: i64,
    pub credit_unit: String,
    pub credit_amount: i64,
}

impl From<store::tariffs::Plan> for PlanDoc {
    fn from(p: store::tariffs::Plan) -> Self {
        Self {
            id: p.id,
            place_id: p.place_id,
            kind: p.kind,
            name: p.name,
            fee_cents: p.fee_cents,
            vat_bp: p.vat_bp,
            credit_unit: p.credit_unit,
            credit_amount: p.credit_amount,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanDoc>,
}

/// Adds a membership plan or a prepaid pack to a place (its manager, the territory team or an administrator).
#[utoipa::path(post, path = "/places/{id}/plans", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewPlanDoc,
    responses((status = 201, body = PlanDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewPlanDoc>,
) -> ApiResult<(StatusCode, JsonResponse<PlanDoc>)> {
    let input = PlanInput {
        kind: body.kind,
        name: body.name,
        fee_cents: body.fee_cents,
        vat_bp: body.vat_bp,
        credit_unit: body.credit_unit,
        credit_amount: body.credit_amount,
    };
    let plan = app::tariffs::create_plan(&state.app, &caller.actor(), place_id, &input).await?;
    Ok((StatusCode::CREATED, JsonResponse(plan.into())))
}

/// A place's membership plans and packs.
#[utoipa::path(get, path = "/places/{id}/plans", tag = "operations",
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, body = PlanList), (status = 404, body = ErrorBody)))]
pub async fn list_plans(State(state): State<AppState>, Path(place_id): Path<i64>) -> ApiResult<JsonResponse<PlanList>> {
    let items = app::tariffs::plans(&state.app, place_id).await?.into_iter().map(Into::into).collect();
    Ok(JsonResponse(PlanList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct Balance {
    pub minutes: i64,
    pub cents: i64,
}

/// Subscribes the caller to a membership plan (member prices, this month's
/// credit now, then each calendar month) or buys a pack (its credit at once).
/// 409 when already subscribed.
#[utoipa::path(post, path = "/plans/{id}/subscribe", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Plan id")),
    responses((status = 200, body = Balance), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn subscribe(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<Balance>> {
    let b = app::tariffs::subscribe(&state.app, &caller.actor(), id).await?;
    Ok(JsonResponse(Balance { minutes: b.minutes, cents: b.cents }))
}

#[derive(Serialize, ToSchema)]
pub struct LedgerDoc {
    /// minutes or cents.
    pub unit: String,
    pub delta: i64,
    /// monthly_grant, pack or booking.
    pub reason: String,
    pub booking_id: Option<i64>,
    pub plan_id: Option<i64>,
    /// yyyymm of a monthly grant.
    pub month: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CreditsDoc {
    /// Including this month's grants not yet written.
    pub balance: Balance,
    pub ledger: Vec<LedgerDoc>,
}

/// The caller's credits at a place and their movements.
#[utoipa::path(get, path = "/places/{id}/credits", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, body = CreditsDoc), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn credits(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
) -> ApiResult<JsonResponse<CreditsDoc>> {
    let (b, ledger) = app::tariffs::credits(&state.app, &caller.actor(), place_id).await?;
    Ok(JsonResponse(CreditsDoc {
        balance: Balance { minutes: b.minutes, cents: b.cents },
        ledger: ledger
            .into_iter()
            .map(|e| LedgerDoc {
                unit: e.unit,
                delta: e.delta,
                reason: e.reason,
                booking_id: e.booking_id,
                plan_id: e.plan_id,
                month: e.month,
                at: store::from_micros(e.created_at),
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ChargeDoc {
    pub booking_id: i64,
    pub audience: String,
    pub lines: Vec<ChargeLine>,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub credits_used: CreditsUsed,
    pub due_cents: i64,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ChargeLine {
    pub label: String,
    pub quantity: i64,
    pub unit_cents: i64,
    pub vat_bp: i64,
}

/// What a booking was charged (its booker, or the place's managers). 404 for a free resource.
#[utoipa::path(get, path = "/bookings/{id}/charge", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, body = ChargeDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn charge(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<ChargeDoc>> {
    let c = app::tariffs::booking_charge(&state.app, &caller.actor(), id).await?;
    let lines: Vec<ChargeLine> =
        serde_json::from_str(&c.lines).map_err(|e| ApiError::new(crate::error::Code::Internal, e.to_string()))?;
    Ok(JsonResponse(ChargeDoc {
        booking_id: c.booking_id,
        audience: c.audience,
        lines,
        net_cents: c.net_cents,
        vat_cents: c.vat_cents,
        gross_cents: c.gross_cents,
        credits_used: CreditsUsed { minutes: c.minutes_used, cents: c.cents_used },
        due_cents: c.due_cents,
    }))
}
