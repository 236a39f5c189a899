//! Tariff grids, membership plans and packs, subscriptions, credits and the
//! charge recorded for each booking (`migrations/*/0012_tariffs.sql`).
//!
//! Credits: a balance row per (person, place, unit) is the lock. A debit
//! first takes it ([`WriteTx::lock_credits`]: `FOR UPDATE` on PostgreSQL,
//! the single writer on SQLite), re-reads it, and debits at most what it
//! holds; the ledger records every movement. Monthly grants are written
//! lazily under the same lock, once per (subscription, month) thanks to a
//! unique index, so no scheduled job is needed and none can double-grant.

use sqlx::Any;

use crate::{Result, Store, StoreError, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TariffRow {
    pub audience: String,
    pub unit: String,
    pub unit_cents: i64,
    pub vat_bp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: i64,
    pub place_id: i64,
    /// membership | pack
    pub kind: String,
    pub name: String,
    pub fee_cents: i64,
    pub vat_bp: i64,
    /// minutes | cents
    pub credit_unit: String,
    pub credit_amount: i64,
    pub created_at: i64,
}

type PlanRow = (i64, i64, String, String, i64, i64, String, i64, i64);

const PLAN_COLUMNS: &str =
    "p.id, p.place_id, p.kind, p.name, p.fee_cents, p.vat_bp, p.credit_unit, p.credit_amount, p.created_at";

fn plan(r: PlanRow) -> Plan {
    Plan {
        id: r.0,
        place_id: r.1,
        kind: r.2,
        name: r.3,
        fee_cents: r.4,
        vat_bp: r.5,
        credit_unit: r.6,
        credit_amount: r.7,
        created_at: r.8,
    }
}

#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub place_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub fee_cents: i64,
    pub vat_bp: i64,
    pub credit_unit: &'a str,
    pub credit_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub plan_id: i64,
    pub place_id: i64,
    pub user_id: i64,
    pub first_month: i64,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

type SubscriptionRow = (i64, i64, i64, i64, i64, i64, Option<i64>);

fn subscription(r: SubscriptionRow) -> Subscription {
    Subscription {
        id: r.0,
        plan_id: r.1,
        place_id: r.2,
        user_id: r.3,
        first_month: r.4,
        created_at: r.5,
        ended_at: r.6,
    }
}

/// A person's balances at a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balances {
    pub minutes: i64,
    pub cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: i64,
    pub unit: String,
    pub delta: i64,
    pub reason: String,
    pub booking_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub month: Option<i64>,
    pub created_at: i64,
}

/// What a booking was charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingCharge {
    pub booking_id: i64,
    pub audience: String,
    /// JSON `[{label, quantity, unit_cents, vat_bp}]`, as on an invoice.
    pub lines: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub minutes_used: i64,
    pub cents_used: i64,
    pub due_cents: i64,
}

/// A grant to write into the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub user_id: i64,
    pub place_id: i64,
    pub unit: &'a str,
    pub amount: i64,
    pub reason: &'a str,
    pub plan_id: Option<i64>,
    pub subscription_id: Option<i64>,
    pub month: Option<i64>,
}

async fn tariffs_of<'e, E: sqlx::Executor<'e, Database = Any>>(e: E, resource_id: i64) -> Result<Vec<TariffRow>> {
    let rows: Vec<(String, String, i64, i64)> =
        sqlx::query_as("SELECT audience, unit, unit_cents, vat_bp FROM tariffs WHERE resource_id = $1 ORDER BY id")
            .bind(resource_id)
            .fetch_all(e)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(audience, unit, unit_cents, vat_bp)| TariffRow { audience, unit, unit_cents, vat_bp })
        .collect())
}

/// Subscriptions of a person at a place, each with its plan.
async fn subscriptions_at<'e, E: sqlx::Executor<'e, Database = Any>>(
    e: E,
    user_id: i64,
    place_id: i64,
) -> Result<Vec<(Subscription, Plan)>> {
    let sql = format!(
        "SELECT s.id, s.plan_id, s.place_id, s.user_id, s.first_month, s.created_at, s.ended_at, {PLAN_COLUMNS} \
         FROM subscriptions s JOIN plans p ON p.id = s.plan_id \
         WHERE s.user_id = $1 AND s.place_id = $2 ORDER BY s.id"
    );
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        Option<i64>,
        i64,
        i64,
        String,
        String,
        i64,
        i64,
        String,
        i64,
        i64,
    )> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(place_id).fetch_all(e).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                subscription((r.0, r.1, r.2, r.3, r.4, r.5, r.6)),
                plan((r.7, r.8, r.9, r.10, r.11, r.12, r.13, r.14, r.15)),
            )
        })
        .collect())
}

async fn granted_months_of<'e, E: sqlx::Executor<'e, Database = Any>>(e: E, subscription_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(Option<i64>,)> =
        sqlx::query_as("SELECT month FROM credit_ledger WHERE subscription_id = $1 ORDER BY month")
            .bind(subscription_id)
            .fetch_all(e)
            .await?;
    Ok(rows.into_iter().filter_map(|r| r.0).collect())
}

async fn balances_of<'e, E: sqlx::Executor<'e, Database = Any>>(
    e: E,
    user_id: i64,
    place_id: i64,
    lock: bool,
) -> Result<Balances> {
    let sql = if lock {
        "SELECT unit, balance FROM credit_balances WHERE user_id = $1 AND place_id = $2 ORDER BY unit FOR UPDATE"
    } else {
        "SELECT unit, balance FROM credit_balances WHERE user_id = $1 AND place_id = $2 ORDER BY unit"
    };
    let rows: Vec<(String, i64)> = sqlx::query_as(sql).bind(user_id).bind(place_id).fetch_all(e).await?;
    let mut b = Balances::default();
    for (unit, balance) in rows {
        match unit.as_str() {
            "minutes" => b.minutes = balance,
            "cents" => b.cents = balance,
            _ => {}
        }
    }
    Ok(b)
}

type ChargeRow = (i64, String, String, i64, i64, i64, i64, i64, i64);

macro_rules! charge_columns {
    () => {
        "c.booking_id, c.audience, c.lines, c.net_cents, c.vat_cents, c.gross_cents, c.minutes_used, c.cents_used, \
         c.due_cents"
    };
}

fn charge(r: ChargeRow) -> BookingCharge {
    BookingCharge {
        booking_id: r.0,
        audience: r.1,
        lines: r.2,
        net_cents: r.3,
        vat_cents: r.4,
        gross_cents: r.5,
        minutes_used: r.6,
        cents_used: r.7,
        due_cents: r.8,
    }
}

impl WriteTx {
    /// Replaces a resource's whole grid.
    pub async fn replace_tariffs(&mut self, resource_id: i64, tariffs: &[TariffRow]) -> Result<()> {
        sqlx::query("DELETE FROM tariffs WHERE resource_id = $1").bind(resource_id).execute(self.conn()).await?;
        for t in tariffs {
            sqlx::query(
                "INSERT INTO tariffs (resource_id, audience, unit, unit_cents, vat_bp) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(resource_id)
            .bind(&t.audience)
            .bind(&t.unit)
            .bind(t.unit_cents)
            .bind(t.vat_bp)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    pub async fn tariffs(&mut self, resource_id: i64) -> Result<Vec<TariffRow>> {
        tariffs_of(self.conn(), resource_id).await
    }

    pub async fn create_plan(&mut self, p: NewPlan<'_>) -> Result<Plan> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO plans (place_id, kind, name, fee_cents, vat_bp, credit_unit, credit_amount, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(p.place_id)
        .bind(p.kind)
        .bind(p.name)
        .bind(p.fee_cents)
        .bind(p.vat_bp)
        .bind(p.credit_unit)
        .bind(p.credit_amount)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        let sql = format!("SELECT {PLAN_COLUMNS} FROM plans p WHERE p.id = $1");
        let row: PlanRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(self.conn()).await?;
        Ok(plan(row))
    }

    /// Subscribes; [`StoreError::Conflict`] when already subscribed.
    pub async fn subscribe(&mut self, plan: &Plan, user_id: i64, first_month: i64) -> Result<Subscription> {
        let row: SubscriptionRow = sqlx::query_as(
            "INSERT INTO subscriptions (plan_id, place_id, user_id, first_month, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, plan_id, place_id, user_id, first_month, created_at, ended_at",
        )
        .bind(plan.id)
        .bind(plan.place_id)
        .bind(user_id)
        .bind(first_month)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        Ok(subscription(row))
    }

    pub async fn subscriptions_at(&mut self, user_id: i64, place_id: i64) -> Result<Vec<(Subscription, Plan)>> {
        subscriptions_at(self.conn(), user_id, place_id).await
    }

    pub async fn granted_months(&mut self, subscription_id: i64) -> Result<Vec<i64>> {
        granted_months_of(self.conn(), subscription_id).await
    }

    /// Takes the person's credit lock at the place until commit and reads
    /// the balances under it.
    pub async fn lock_credits(&mut self, user_id: i64, place_id: i64) -> Result<Balances> {
        for unit in ["cents", "minutes"] {
            sqlx::query(
                "INSERT INTO credit_balances (user_id, place_id, unit, balance) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT (user_id, place_id, unit) DO NOTHING",
            )
            .bind(user_id)
            .bind(place_id)
            .bind(unit)
            .execute(self.conn())
            .await?;
        }
        let lock = self.is_postgres();
        balances_of(self.conn(), user_id, place_id, lock).await
    }

    /// Adds credit; `false` when this (subscription, month) was already
    /// granted. Call under [`Self::lock_credits`].
    pub async fn grant_credits(&mut self, g: Grant<'_>) -> Result<bool> {
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO credit_ledger (user_id, place_id, unit, delta, reason, plan_id, subscription_id, month, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (subscription_id, month) DO NOTHING RETURNING id",
        )
        .bind(g.user_id)
        .bind(g.place_id)
        .bind(g.unit)
        .bind(g.amount)
        .bind(g.reason)
        .bind(g.plan_id)
        .bind(g.subscription_id)
        .bind(g.month)
        .bind(now_micros())
        .fetch_optional(self.conn())
        .await?;
        if inserted.is_none() {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE credit_balances SET balance = balance + $1 WHERE user_id = $2 AND place_id = $3 AND unit = $4",
        )
        .bind(g.amount)
        .bind(g.user_id)
        .bind(g.place_id)
        .bind(g.unit)
        .execute(self.conn())
        .await?;
        Ok(true)
    }

    /// Debits `amount` of `unit` for a booking. Call under
    /// [`Self::lock_credits`]; refuses (and writes nothing) when the balance
    /// does not hold it, whatever the caller believed.
    pub async fn debit_credits(
        &mut self,
        user_id: i64,
        place_id: i64,
        unit: &str,
        amount: i64,
        booking_id: i64,
    ) -> Result<()> {
        if amount <= 0 {
            return Ok(());
        }
        let done = sqlx::query(
            "UPDATE credit_balances SET balance = balance - $1 \
             WHERE user_id = $2 AND place_id = $3 AND unit = $4 AND balance >= $1",
        )
        .bind(amount)
        .bind(user_id)
        .bind(place_id)
        .bind(unit)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("the credit balance does not cover this debit".into()));
        }
        sqlx::query(
            "INSERT INTO credit_ledger (user_id, place_id, unit, delta, reason, booking_id, created_at) \
             VALUES ($1, $2, $3, $4, 'booking', $5, $6)",
        )
        .bind(user_id)
        .bind(place_id)
        .bind(unit)
        .bind(-amount)
        .bind(booking_id)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn insert_booking_charge(&mut self, c: &BookingCharge) -> Result<()> {
        sqlx::query(
            "INSERT INTO booking_charges (booking_id, audience, lines, net_cents, vat_cents, gross_cents, \
             minutes_used, cents_used, due_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(c.booking_id)
        .bind(&c.audience)
        .bind(&c.lines)
        .bind(c.net_cents)
        .bind(c.vat_cents)
        .bind(c.gross_cents)
        .bind(c.minutes_used)
        .bind(c.cents_used)
        .bind(c.due_cents)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The INSEE code of a place's commune (for its time zone), read in the transaction.
    pub async fn place_commune(&mut self, place_id: i64) -> Result<Option<String>> {
        let row: (Option<String>,) = sqlx::query_as("SELECT commune_insee FROM atlas_records WHERE id = $1")
            .bind(place_id)
            .fetch_one(self.conn())
            .await?;
        Ok(row.0)
    }
}

impl Store {
    pub async fn tariffs(&self, resource_id: i64) -> Result<Vec<TariffRow>> {
        tariffs_of(self.pool(), resource_id).await
    }

    pub async fn plan(&self, id: i64) -> Result<Plan> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM plans p WHERE p.id = $1");
        let row: PlanRow = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(self.pool()).await?;
        Ok(plan(row))
    }

    pub async fn plans_of_place(&self, place_id: i64) -> Result<Vec<Plan>> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM plans p WHERE p.place_id = $1 ORDER BY p.id");
        let rows: Vec<PlanRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(place_id).fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(plan).collect())
    }

    pub async fn subscriptions_at(&self, user_id: i64, place_id: i64) -> Result<Vec<(Subscription, Plan)>> {
        subscriptions_at(self.pool(), user_id, place_id).await
    }

    pub async fn granted_months(&self, subscription_id: i64) -> Result<Vec<i64>> {
        granted_months_of(self.pool(), subscription_id).await
    }

    pub async fn credit_balances(&self, user_id: i64, place_id: i64) -> Result<Balances> {
        balances_of(self.pool(), user_id, place_id, false).await
    }

    pub async fn credit_ledger(&self, user_id: i64, place_id: i64) -> Result<Vec<LedgerEntry>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, String, i64, String, Option<i64>, Option<i64>, Option<i64>, i64)> = sqlx::query_as(
            "SELECT id, unit, delta, reason, booking_id, plan_id, month, created_at FROM credit_ledger \
             WHERE user_id = $1 AND place_id = $2 ORDER BY id",
        )
        .bind(user_id)
        .bind(place_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| LedgerEntry {
                id: r.0,
                unit: r.1,
                delta: r.2,
                reason: r.3,
                booking_id: r.4,
                plan_id: r.5,
                month: r.6,
                created_at: r.7,
            })
            .collect())
    }

    /// Who made a booking, and at which place.
    pub async fn booking_owner(&self, booking_id: i64) -> Result<(Option<i64>, i64)> {
        let row: (Option<i64>, i64) = sqlx::query_as(
            "SELECT b.user_id, r.place_id FROM bookings b JOIN resources r ON r.id = b.resource_id WHERE b.id = $1",
        )
        .bind(booking_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row)
    }

    pub async fn booking_charge(&self, booking_id: i64) -> Result<BookingCharge> {
        let r: ChargeRow =
            sqlx::query_as(concat!("SELECT ", charge_columns!(), " FROM booking_charges c WHERE c.booking_id = $1"))
                .bind(booking_id)
                .fetch_one(self.pool())
                .await?;
        Ok(charge(r))
    }

    /// The charges of a person's bookings, in one query for their list.
    pub async fn booking_charges_of_user(&self, user_id: i64) -> Result<Vec<BookingCharge>> {
        let rows: Vec<ChargeRow> = sqlx::query_as(concat!(
            "SELECT ",
            charge_columns!(),
            " FROM booking_charges c JOIN bookings b ON b.id = c.booking_id WHERE b.user_id = $1"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(charge).collect())
    }
}
