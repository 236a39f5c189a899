//! Fixed-window counters shared by every server (sign-in and password-reset
//! attempts). Keys are keyed hashes computed by the caller, never raw emails
//! or addresses.

use chrono::Duration;

use crate::{Result, Store, now_micros};

impl Store {
    /// Counts one hit on `key` and returns the hits in the current window.
    /// A single upsert, so concurrent hits from several servers all count.
    pub async fn throttle_hit(&self, key: &str, window: Duration) -> Result<i64> {
        let now = now_micros();
        let window_opened_before = now - window.num_microseconds().unwrap_or(i64::MAX / 2);
        let (hits,): (i64,) = sqlx::query_as(
            "INSERT INTO throttle_counters (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN throttle_counters.window_start <= $3 THEN 1 ELSE throttle_counters.hits + 1 END, \
               window_start = CASE WHEN throttle_counters.window_start <= $3 THEN $2 ELSE throttle_counters.window_start END \
             RETURNING hits",
        )
        .bind(key)
        .bind(now)
        .bind(window_opened_before)
        .fetch_one(self.pool())
        .await?;
        Ok(hits)
    }

    /// Hits in the current window, without counting one.
    pub async fn throttle_count(&self, key: &str, window: Duration) -> Result<i64> {
        let since = now_micros() - window.num_microseconds().unwrap_or(i64::MAX / 2);
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT hits FROM throttle_counters WHERE key = $1 AND window_start > $2")
                .bind(key)
                .bind(since)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map_or(0, |r| r.0))
    }

    pub async fn throttle_reset(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM throttle_counters WHERE key = $1").bind(key).execute(self.pool()).await?;
        Ok(())
    }
}
