//! Accounting periods of a place and the documents of a date range.
//!
//! Closing a month takes the invoice counter row of its year first, the row
//! every issuing transaction locks before inserting: a close and an invoice
//! of the same place and year are serialised, so an invoice either commits
//! before the month is closed or finds it closed (and the triggers of
//! `0014_accounting.sql` refuse it even if the check was skipped).

use crate::{Result, Store, StoreError, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedPeriod {
    pub place_id: i64,
    /// YYYY-MM.
    pub period: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub closed_at: i64,
}

impl WriteTx {
    /// Closes `[starts_at, ends_at)` of a place for good. `Conflict` when it
    /// already is.
    pub async fn close_period(
        &mut self,
        place_id: i64,
        year: i64,
        period: &str,
        (starts_at, ends_at): (i64, i64),
        closed_at: i64,
    ) -> Result<ClosedPeriod> {
        sqlx::query("INSERT INTO invoice_counters (place_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(place_id)
            .bind(year)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE invoice_counters SET last_number = last_number WHERE place_id = $1 AND year = $2")
            .bind(place_id)
            .bind(year)
            .execute(self.conn())
            .await?;
        let done = sqlx::query(
            "INSERT INTO accounting_periods (place_id, period, starts_at, ends_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(place_id)
        .bind(period)
        .bind(starts_at)
        .bind(ends_at)
        .bind(closed_at)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("the period {period} is already closed")));
        }
        Ok(ClosedPeriod { place_id, period: period.to_owned(), starts_at, ends_at, closed_at })
    }

    /// The closed period of a place that `at` falls in, if any.
    pub async fn closed_period_at(&mut self, place_id: i64, at: i64) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT period FROM accounting_periods WHERE place_id = $1 AND starts_at <= $2 AND $2 < ends_at",
        )
        .bind(place_id)
        .bind(at)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.0))
    }
}

impl Store {
    pub async fn closed_periods(&self, place_id: i64) -> Result<Vec<ClosedPeriod>> {
        let rows: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT place_id, period, starts_at, ends_at, closed_at FROM accounting_periods \
             WHERE place_id = $1 ORDER BY period DESC",
        )
        .bind(place_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ClosedPeriod { place_id: r.0, period: r.1, starts_at: r.2, ends_at: r.3, closed_at: r.4 })
            .collect())
    }
}
