//! The change outbox: one row per changed atlas record, written in the
//! transaction of the change (see [`crate::WriteTx::touch`]). Each server's
//! search index follows it to stay in sync with the database.

use crate::{Result, Store};

/// PostgreSQL channel notified at each commit that touched records.
pub const CHANGES_CHANNEL: &str = "maillage_changes";

impl Store {
    /// Up to `limit` changes after `after_id`: (change id, record id).
    pub async fn changes_after(&self, after_id: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as("SELECT id, record_id FROM change_outbox WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    /// The newest change id (0 when none): where a fresh index starts following.
    pub async fn last_change_id(&self) -> Result<i64> {
        let (id,): (Option<i64>,) = sqlx::query_as("SELECT MAX(id) FROM change_outbox").fetch_one(self.pool()).await?;
        Ok(id.unwrap_or(0))
    }

    /// Forgets changes older than `before` (a server away longer rebuilds its
    /// index at start anyway).
    pub async fn purge_changes(&self, before: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM change_outbox WHERE at < $1")
            .bind(before)
            .execute(self.pool())
            .await?
            .rows_affected())
    }
}
