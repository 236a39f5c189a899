//! Records whose managers should confirm them.

use crate::{Result, Store, WriteTx};

/// A stale record and one person who manages it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleManaged {
    pub record_id: i64,
    pub record_name: String,
    pub kind: String,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: String,
}

impl Store {
    /// Live places and organisations neither updated nor verified since
    /// `before`, with a manager who was not asked since `asked_since`.
    pub async fn stale_managed_records(&self, before: i64, asked_since: i64, limit: i64) -> Result<Vec<StaleManaged>> {
        let rows: Vec<(i64, String, String, i64, String, String, String)> = sqlx::query_as(
            "SELECT r.id, r.name, r.kind, u.id, u.email, u.display_name, u.locale \
             FROM atlas_records r \
             JOIN role_grants g ON g.scope_id = r.id \
               AND ((r.kind = 'place' AND g.role = 'place_manager') OR (r.kind = 'organisation' AND g.role = 'organisation_admin')) \
             JOIN users u ON u.id = g.user_id AND u.deleted_at IS NULL AND u.email IS NOT NULL \
             WHERE r.retired_at IS NULL AND r.merged_into IS NULL \
               AND r.updated_at < $1 AND COALESCE(r.verified_at, 0) < $1 \
               AND NOT EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.purpose = 'confirm_record' \
                               AND t.subject = r.id AND t.user_id = u.id AND t.created_at > $2) \
             ORDER BY r.id LIMIT $3",
        )
        .bind(before)
        .bind(asked_since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(record_id, record_name, kind, user_id, email, display_name, locale)| StaleManaged {
                record_id,
                record_name,
                kind,
                user_id,
                email,
                display_name,
                locale,
            })
            .collect())
    }

    /// How many live records count as stale.
    pub async fn count_stale(&self, before: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM atlas_records WHERE retired_at IS NULL AND merged_into IS NULL \
             AND kind <> 'service' AND updated_at < $1 AND COALESCE(verified_at, 0) < $1",
        )
        .bind(before)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }
}

impl WriteTx {
    /// The record's managers confirm it is up to date.
    pub async fn mark_verified(&mut self, record_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE atlas_records SET verified_at = $1 WHERE id = $2")
            .bind(now)
            .bind(record_id)
            .execute(self.conn())
            .await?;
        self.verify_sources(record_id, now).await?;
        self.touch(record_id);
        Ok(())
    }
}
