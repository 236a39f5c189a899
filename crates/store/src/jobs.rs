//! The job queue, in the database so that any server can run any job and a
//! job survives the server that queued it.
//!
//! A worker claims a due job by setting a lease (`locked_until`). The claim is
//! one conditional `UPDATE`, so two servers never run the same job at once; a
//! job whose server died is claimed again when its lease runs out.

use chrono::{DateTime, Utc};

use crate::{Result, Store, WriteTx, now_micros, to_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    /// Including the current one.
    pub attempts: i64,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    attempts: i64,
}

impl WriteTx {
    /// Queues a job that commits (or not) with the rest of the change.
    pub async fn enqueue_job(&mut self, kind: &str, payload: &str, run_at: DateTime<Utc>) -> Result<i64> {
        let (id,): (i64,) =
            sqlx::query_as("INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(kind)
                .bind(payload)
                .bind(to_micros(run_at))
                .bind(now_micros())
                .fetch_one(self.conn())
                .await?;
        Ok(id)
    }
}

impl Store {
    /// Queues a job unless one with the same key is already pending: how
    /// periodic jobs stay single across servers.
    pub async fn ensure_job(&self, kind: &str, unique_key: &str, run_at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO jobs (kind, payload, unique_key, run_at, created_at) VALUES ($1, '', $2, $3, $4) \
             ON CONFLICT (unique_key) DO NOTHING",
        )
        .bind(kind)
        .bind(unique_key)
        .bind(to_micros(run_at))
        .bind(now_micros())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Claims the oldest due job for `lease`, or returns `None`.
    pub async fn claim_job(&self, worker: &str, lease: chrono::Duration) -> Result<Option<Job>> {
        let now = now_micros();
        let row: Option<JobRow> = sqlx::query_as(
            "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM jobs WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3) \
                         ORDER BY run_at, id LIMIT 1) \
               AND (locked_until IS NULL OR locked_until < $3) \
             RETURNING id, kind, payload, attempts",
        )
        .bind(worker)
        .bind(now + lease.num_microseconds().unwrap_or(i64::MAX / 2))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| Job { id: r.id, kind: r.kind, payload: r.payload, attempts: r.attempts }))
    }

    pub async fn finish_job(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(self.pool()).await?;
        Ok(())
    }

    /// Releases the job to run again at `run_at` (a retry or the next period).
    pub async fn reschedule_job(&self, id: i64, run_at: DateTime<Utc>, error: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 WHERE id = $3",
        )
        .bind(to_micros(run_at))
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn pending_jobs(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs").fetch_one(self.pool()).await?;
        Ok(n)
    }

    /// Deletes expired sessions, one-time tokens and stale throttle windows.
    pub async fn purge_expired(&self, throttle_older_than: DateTime<Utc>) -> Result<u64> {
        let now = now_micros();
        let mut n = 0;
        for (sql, bound) in [
            ("DELETE FROM sessions WHERE expires_at < $1", now),
            ("DELETE FROM one_time_tokens WHERE expires_at < $1", now),
            ("DELETE FROM throttle_counters WHERE window_start < $1", to_micros(throttle_older_than)),
        ] {
            n += sqlx::query(sql).bind(bound).execute(self.pool()).await?.rows_affected();
        }
        Ok(n)
    }
}
