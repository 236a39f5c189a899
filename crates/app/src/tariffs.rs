//! Tariffs, quotes, membership plans, prepaid packs and credits.
//!
//! A quote and a booking's charge run the same computation
//! ([`price_booking`]): the resource's grid, the person's facts (a running
//! membership of the place makes them a `member`), the cheapest applicable
//! audience, then their credits. The booking does it inside its own write
//! transaction, under the person's credit lock ([`charge_booking`]), so what
//! was quoted is what is charged unless the balance changed in between.
//!
//! Monthly credits are a ledger entry per (subscription, calendar month in
//! the place's time zone), written the first time they are needed (a
//! subscription, a booking): no scheduled job, and the unique index on the
//! ledger makes a second grant of the same month impossible. They carry
//! over from month to month while unused. A quote shows the grants not yet
//! written as if they were.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::atlas::hours::timezone_for_commune;
use domain::audit::AuditEvent;
use domain::operations::invoices::{InvoiceLine, VAT_RATES_BP};
use domain::operations::tariffs::{
    Audience, CreditUnit, Credits, Facts, Grid, OrganisationKind, Quote, Tariff, TariffError, Unit, apply_credits,
    month_key, months_due,
};
use domain::operations::{Slot, SlotError};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::operations::{Booking, Resource};
use store::tariffs::{Balances, BookingCharge, Grant, LedgerEntry, NewPlan, Plan, Subscription, TariffRow};
use store::{StoreError, WriteTx, from_micros};

use crate::{App, AppError, FieldErrors};

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, FieldError::Malformed(message.into()));
    AppError::Invalid(errors)
}

fn tz_of(commune: Option<&str>) -> Tz {
    commune.map_or(chrono_tz::Europe::Paris, timezone_for_commune)
}

async fn live_place(app: &App, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    Ok(place)
}

/// One price as a manager sends it.
#[derive(Debug, Clone)]
pub struct TariffInput {
    pub audience: String,
    pub unit: String,
    pub unit_cents: i64,
    pub vat_bp: i64,
}

fn grid_of(rows: &[TariffRow]) -> Grid {
    let tariffs = rows
        .iter()
        .filter_map(|r| {
            Some(Tariff {
                audience: Audience::parse(&r.audience)?,
                unit: Unit::parse(&r.unit)?,
                unit_cents: r.unit_cents,
                vat_bp: r.vat_bp,
            })
        })
        .collect();
    // Stored grids were checked when they were set.
    Grid::new(tariffs).unwrap_or_default()
}

/// Replaces a resource's grid (its place's manager, the territory team or
/// an administrator). An empty list makes the resource free of charge.
pub async fn set_tariffs(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    input: &[TariffInput],
) -> Result<Vec<TariffRow>, AppError> {
    let resource = app.store.resource(resource_id).await?;
    live_place(app, resource.place_id).await?;
    authorize(actor, Action::ManageTariffs, On::Place(resource.place_id))?;
    let mut tariffs = Vec::new();
    for (i, t) in input.iter().enumerate() {
        let n = i + 1;
        let audience = Audience::parse(&t.audience).ok_or_else(|| {
            invalid(
                "tariffs",
                format!(
                    "price {n}: unknown audience {:?} (public, member, resident, association, company, public_body, under_26)",
                    t.audience
                ),
            )
        })?;
        let unit = Unit::parse(&t.unit)
            .ok_or_else(|| invalid("tariffs", format!("price {n}: unknown unit {:?} (hour, half_day, day)", t.unit)))?;
        tariffs.push(Tariff { audience, unit, unit_cents: t.unit_cents, vat_bp: t.vat_bp });
    }
    let grid = Grid::new(tariffs).map_err(|e: TariffError| invalid("tariffs", e.to_string()))?;
    let rows: Vec<TariffRow> = grid
        .tariffs()
        .iter()
        .map(|t| TariffRow {
            audience: t.audience.as_str().to_owned(),
            unit: t.unit.as_str().to_owned(),
            unit_cents: t.unit_cents,
            vat_bp: t.vat_bp,
        })
        .collect();
    let mut tx = app.store.write().await?;
    tx.replace_tariffs(resource_id, &rows).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "tariffs.replace", "resource", resource_id)
            .with_summary(format!("{} prices", rows.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// A resource's grid, for anyone.
pub async fn tariffs(app: &App, resource_id: i64) -> Result<Vec<TariffRow>, AppError> {
    let resource = app.store.resource(resource_id).await?;
    live_place(app, resource.place_id).await?;
    Ok(app.store.tariffs(resource_id).await?)
}

/// What a person declares about themselves for a quote (checked at the
/// desk, like a student card), on top of what the platform knows.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    /// Price at this audience; refused if the facts do not allow it.
    pub audience: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// association, company or public_body.
    pub organisation_kind: Option<String>,
}

/// A priced booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub audience: Audience,
    pub lines: Vec<InvoiceLine>,
    /// The unit of each line.
    pub units: Vec<Unit>,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub minutes_used: i64,
    pub cents_used: i64,
    pub due_cents: i64,
}

impl From<Quote> for Priced {
    fn from(q: Quote) -> Self {
        Self {
            audience: q.priced.audience,
            lines: q.priced.lines,
            units: q.priced.units,
            net_cents: q.priced.totals.net_cents,
            vat_cents: q.priced.totals.vat_cents,
            gross_cents: q.priced.totals.gross_cents,
            minutes_used: q.minutes_used,
            cents_used: q.cents_used,
            due_cents: q.due_cents,
        }
    }
}

/// Booked minutes, a started minute counting as a whole one.
fn booked_minutes(start: i64, end: i64) -> i64 {
    (end - start + 59_999_999) / 60_000_000
}

fn age_on(birth: NaiveDate, day: NaiveDate) -> i64 {
    let mut age = i64::from(day.year() - birth.year());
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn is_member(subscriptions: &[(Subscription, Plan)]) -> bool {
    subscriptions.iter().any(|(s, p)| p.kind == "membership" && s.ended_at.is_none())
}

/// Prices `minutes` from `rows` for `facts`, then applies `credits`; `None`
/// when the resource has no price at all (it is free). `audience` forces one.
fn price_booking(
    rows: &[TariffRow],
    facts: &Facts,
    audience: Option<Audience>,
    minutes: i64,
    credits: Credits,
) -> Result<Option<Priced>, AppError> {
    let grid = grid_of(rows);
    if grid.is_empty() {
        return Ok(None);
    }
    let priced = match audience {
        Some(a) => {
            if !facts.allows(a) {
                return Err(invalid("audience", format!("the {} price does not apply to you", a.as_str())));
            }
            grid.price(a, minutes)
                .ok_or_else(|| invalid("audience", format!("this resource has no {} price", a.as_str())))?
        }
        None => grid
            .best_for(facts, minutes)
            .ok_or_else(|| invalid("audience", "no price of this resource applies to you"))?,
    };
    let tariffs = grid.of(priced.audience);
    Ok(Some(apply_credits(priced, &tariffs, minutes, credits).into()))
}

/// Grants owed to `subscriptions` up to `current` (yyyymm), `granted` giving
/// the months each one already received.
fn owed(subscriptions: &[(Subscription, Plan)], granted: &[Vec<i64>], current: i64, tz: Tz) -> Vec<(usize, i64)> {
    let mut out = Vec::new();
    for (i, (s, p)) in subscriptions.iter().enumerate() {
        if p.kind != "membership" || p.credit_amount <= 0 {
            continue;
        }
        let last = s.ended_at.map(|e| month_key(from_micros(e).with_timezone(&tz).date_naive()));
        for m in months_due(s.first_month, last, current, &granted[i]) {
            out.push((i, m));
        }
    }
    out
}

fn current_month(tz: Tz) -> i64 {
    month_key(Utc::now().with_timezone(&tz).date_naive())
}

/// Locks the person's credits at the place, writes the monthly grants owed
/// and returns the balances.
async fn lock_and_top_up(tx: &mut WriteTx, user_id: i64, place_id: i64, tz: Tz) -> Result<Balances, AppError> {
    tx.lock_credits(user_id, place_id).await?;
    let subs = tx.subscriptions_at(user_id, place_id).await?;
    let mut granted = Vec::new();
    for (s, _) in &subs {
        granted.push(tx.granted_months(s.id).await?);
    }
    for (i, month) in owed(&subs, &granted, current_month(tz), tz) {
        let (s, p) = &subs[i];
        tx.grant_credits(Grant {
            user_id,
            place_id,
            unit: &p.credit_unit,
            amount: p.credit_amount,
            reason: "monthly_grant",
            plan_id: Some(p.id),
            subscription_id: Some(s.id),
            month: Some(month),
        })
        .await?;
    }
    Ok(tx.lock_credits(user_id, place_id).await?)
}

/// Balances including the monthly grants not written yet, without writing.
async fn balances_with_owed(app: &App, user_id: i64, place_id: i64, tz: Tz) -> Result<Balances, AppError> {
    let mut b = app.store.credit_balances(user_id, place_id).await?;
    let subs = app.store.subscriptions_at(user_id, place_id).await?;
    let mut granted = Vec::new();
    for (s, _) in &subs {
        granted.push(app.store.granted_months(s.id).await?);
    }
    for (i, _) in owed(&subs, &granted, current_month(tz), tz) {
        let p = &subs[i].1;
        match CreditUnit::parse(&p.credit_unit) {
            Some(CreditUnit::Minutes) => b.minutes += p.credit_amount,
            Some(CreditUnit::Cents) => b.cents += p.credit_amount,
            None => {}
        }
    }
    Ok(b)
}

fn slot_error(e: SlotError) -> AppError {
    let field = match e {
        SlotError::EndBeforeStart | SlotError::TooShort(_) | SlotError::TooLong(_) => "ends_at",
        _ => "starts_at",
    };
    invalid(field, e.to_string())
}

/// What a booking of `[start, end)` would cost the actor, credits applied
/// when `use_credits`. The slot must be bookable (same rules as a booking).
pub async fn quote(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    declared: &Declared,
    use_credits: bool,
) -> Result<Option<Priced>, AppError> {
    let (resource, place) = crate::operations::bookable(app, resource_id).await?;
    authorize(actor, Action::Book, On::Place(place.id))?;
    let tz = tz_of(place.commune_insee.as_deref());
    let slot = Slot::new(start, end).map_err(slot_error)?;
    slot.check(&crate::operations::rules_for(&resource, &place), Utc::now(), tz).map_err(slot_error)?;
    let audience = match declared.audience.as_deref() {
        Some(a) => Some(Audience::parse(a).ok_or_else(|| {
            invalid(
                "audience",
                "unknown audience (public, member, resident, association, company, public_body, under_26)",
            )
        })?),
        None => None,
    };
    let organisation = match declared.organisation_kind.as_deref() {
        None => None,
        Some("association") => Some(OrganisationKind::Association),
        Some("company") => Some(OrganisationKind::Company),
        Some("public_body") => Some(OrganisationKind::PublicBody),
        Some(_) => return Err(invalid("organisation_kind", "association, company or public_body")),
    };
    let day = start.with_timezone(&tz).date_naive();
    let age = declared.birth_date.map(|b| age_on(b, day));
    if age.is_some_and(|a| a < 0) {
        return Err(invalid("birth_date", "a birth date after the booking"));
    }
    let user_id = actor.user_id();
    let subs = match user_id {
        Some(u) => app.store.subscriptions_at(u, place.id).await?,
        None => Vec::new(),
    };
    let facts = Facts { age, member: is_member(&subs), resident: false, organisation };
    let credits = match (use_credits, user_id) {
        (true, Some(u)) => {
            let b = balances_with_owed(app, u, place.id, tz).await?;
            Credits { minutes: b.minutes, cents: b.cents }
        }
        _ => Credits::default(),
    };
    let rows = app.store.tariffs(resource_id).await?;
    let (from, to) = (store::to_micros(slot.start), store::to_micros(slot.end));
    price_booking(&rows, &facts, audience, booked_minutes(from, to), credits)
}

/// Prices a booking just inserted in `tx`, debits the credits it uses when
/// `use_credits`, and records the charge. Called by the booking use case
/// inside its transaction, so a booking never exists without its charge
/// (nor a debit without its booking). A resource without prices is free:
/// no charge is recorded.
pub async fn charge_booking(
    tx: &mut WriteTx,
    actor: &Actor,
    resource: &Resource,
    booking: &Booking,
    use_credits: bool,
) -> Result<Option<BookingCharge>, AppError> {
    // A grid set after the resource was read makes this booking one made
    // just before it: free, as it would have been.
    if !resource.has_tariffs {
        return Ok(None);
    }
    let rows = tx.tariffs(resource.id).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let user_id = actor.user_id();
    let place_id = resource.place_id;
    let subs = match user_id {
        Some(u) => tx.subscriptions_at(u, place_id).await?,
        None => Vec::new(),
    };
    let facts = Facts { member: is_member(&subs), ..Facts::default() };
    let minutes = booked_minutes(booking.starts_at, booking.ends_at);
    let credits = match (use_credits, user_id) {
        (true, Some(u)) => {
            let tz = tz_of(tx.place_commune(place_id).await?.as_deref());
            let b = lock_and_top_up(tx, u, place_id, tz).await?;
            Credits { minutes: b.minutes, cents: b.cents }
        }
        _ => Credits::default(),
    };
    let Some(p) = price_booking(&rows, &facts, None, minutes, credits)? else { return Ok(None) };
    if let Some(u) = user_id {
        tx.debit_credits(u, place_id, CreditUnit::Minutes.as_str(), p.minutes_used, booking.id).await?;
        tx.debit_credits(u, place_id, CreditUnit::Cents.as_str(), p.cents_used, booking.id).await?;
    }
    let charge = BookingCharge {
        booking_id: booking.id,
        audience: p.audience.as_str().to_owned(),
        lines: serde_json::to_string(&p.lines).map_err(|e| AppError::Internal(e.to_string()))?,
        net_cents: p.net_cents,
        vat_cents: p.vat_cents,
        gross_cents: p.gross_cents,
        minutes_used: p.minutes_used,
        cents_used: p.cents_used,
        due_cents: p.due_cents,
    };
    tx.insert_booking_charge(&charge).await?;
    Ok(Some(charge))
}

/// A plan or pack as a manager describes it.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// membership (monthly fee and credit) or pack (bought once).
    pub kind: String,
    pub name: String,
    pub fee_cents: i64,
    pub vat_bp: Option<i64>,
    /// minutes or cents.
    pub credit_unit: String,
    pub credit_amount: i64,
}

pub async fn create_plan(app: &App, actor: &Actor, place_id: i64, input: &PlanInput) -> Result<Plan, AppError> {
    live_place(app, place_id).await?;
    authorize(actor, Action::ManageTariffs, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    if !matches!(input.kind.as_str(), "membership" | "pack") {
        errors.add("kind", FieldError::Malformed("membership or pack".into()));
    }
    let name = input.name.trim();
    if name.is_empty() {
        errors.add("name", FieldError::Required);
    } else if name.chars().count() > 120 {
        errors.add("name", FieldError::TooLong { max: 120 });
    }
    if input.fee_cents < 0 {
        errors.add("fee_cents", FieldError::Malformed("a price cannot be negative".into()));
    }
    let vat_bp = input.vat_bp.unwrap_or(2000);
    if !VAT_RATES_BP.contains(&vat_bp) {
        errors.add("vat_bp", FieldError::Malformed("0, 210, 550, 1000 or 2000".into()));
    }
    if CreditUnit::parse(&input.credit_unit).is_none() {
        errors.add("credit_unit", FieldError::Malformed("minutes or cents".into()));
    }
    if input.credit_amount < 0 {
        errors.add("credit_amount", FieldError::Malformed("must not be negative".into()));
    } else if input.kind == "pack" && input.credit_amount == 0 {
        errors.add("credit_amount", FieldError::Malformed("a pack gives some credit".into()));
    }
    errors.into_result()?;
    let mut tx = app.store.write().await?;
    let plan = tx
        .create_plan(NewPlan {
            place_id,
            kind: &input.kind,
            name,
            fee_cents: input.fee_cents,
            vat_bp,
            credit_unit: &input.credit_unit,
            credit_amount: input.credit_amount,
        })
        .await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "plan.create", "plan", plan.id)
            .with_summary(format!("{} at place {place_id}", plan.kind)),
    )
    .await?;
    tx.commit().await?;
    Ok(plan)
}

pub async fn plans(app: &App, place_id: i64) -> Result<Vec<Plan>, AppError> {
    live_place(app, place_id).await?;
    Ok(app.store.plans_of_place(place_id).await?)
}

/// Subscribes to a membership plan (the person becomes a member of the
/// place for pricing and receives this month's credit now) or buys a pack
/// (its credit at once). Payment of the fee is invoiced separately.
pub async fn subscribe(app: &App, actor: &Actor, plan_id: i64) -> Result<Balances, AppError> {
    let plan = app.store.plan(plan_id).await?;
    let place = live_place(app, plan.place_id).await?;
    authorize(actor, Action::BuyCredits, On::Place(place.id))?;
    let Some(user_id) = actor.user_id() else { return Err(AppError::Denied(domain::policy::Denied::Unauthenticated)) };
    let tz = tz_of(place.commune_insee.as_deref());
    let mut tx = app.store.write().await?;
    tx.lock_credits(user_id, place.id).await?;
    let action = if plan.kind == "membership" {
        let first_month = current_month(tz);
        match tx.subscribe(&plan, user_id, first_month).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => return Err(AppError::Conflict("already subscribed to this plan".into())),
            Err(e) => return Err(e.into()),
        }
        "plan.subscribe"
    } else {
        tx.grant_credits(Grant {
            user_id,
            place_id: place.id,
            unit: &plan.credit_unit,
            amount: plan.credit_amount,
            reason: "pack",
            plan_id: Some(plan.id),
            subscription_id: None,
            month: None,
        })
        .await?;
        "pack.buy"
    };
    let balances = lock_and_top_up(&mut tx, user_id, place.id, tz).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), action, "plan", plan.id)).await?;
    tx.commit().await?;
    Ok(balances)
}

/// What a booking was charged: its booker, or whoever manages the place's tariffs.
pub async fn booking_charge(app: &App, actor: &Actor, booking_id: i64) -> Result<BookingCharge, AppError> {
    let (user_id, place_id) = app.store.booking_owner(booking_id).await?;
    if actor.user_id().is_none() || actor.user_id() != user_id {
        authorize(actor, Action::ManageTariffs, On::Place(place_id))?;
    }
    match app.store.booking_charge(booking_id).await {
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        other => Ok(other?),
    }
}

/// The caller's credits at a place: balances (owed monthly grants
/// included) and the ledger.
pub async fn credits(app: &App, actor: &Actor, place_id: i64) -> Result<(Balances, Vec<LedgerEntry>), AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::BuyCredits, On::Place(place.id))?;
    let Some(user_id) = actor.user_id() else { return Err(AppError::Denied(domain::policy::Denied::Unauthenticated)) };
    let tz = tz_of(place.commune_insee.as_deref());
    let b = balances_with_owed(app, user_id, place_id, tz).await?;
    Ok((b, app.store.credit_ledger(user_id, place_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(age_on(d(2001, 6, 15), d(2027, 6, 14)), 25);
        assert_eq!(age_on(d(2001, 6, 15), d(2027, 6, 15)), 26);
    }

    #[test]
    fn a_started_minute_counts() {
        assert_eq!(booked_minutes(0, 60_000_000), 1);
        assert_eq!(booked_minutes(0, 60_000_001), 2);
    }
}
