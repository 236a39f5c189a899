//! The typed, dated graph between records.

use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub link_type: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub source: String,
}

type LinkRow = (i64, i64, i64, String, Option<String>, Option<String>, String);

fn link((id, from_id, to_id, link_type, since, until, source): LinkRow) -> Link {
    Link { id, from_id, to_id, link_type, since, until, source }
}

impl WriteTx {
    /// Adds a link, or updates its dates when it exists.
    pub async fn upsert_link(
        &mut self,
        from_id: i64,
        to_id: i64,
        link_type: &str,
        since: Option<&str>,
        until: Option<&str>,
        source: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO atlas_links (from_id, to_id, link_type, since, until, source) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (from_id, to_id, link_type) DO UPDATE SET since = excluded.since, until = excluded.until",
        )
        .bind(from_id)
        .bind(to_id)
        .bind(link_type)
        .bind(since)
        .bind(until)
        .bind(source)
        .execute(self.conn())
        .await?;
        self.touch(from_id);
        self.touch(to_id);
        Ok(())
    }

    pub async fn delete_link(&mut self, id: i64) -> Result<bool> {
        let row: Option<(i64, i64)> = sqlx::query_as("DELETE FROM atlas_links WHERE id = $1 RETURNING from_id, to_id")
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        if let Some((a, b)) = row {
            self.touch(a);
            self.touch(b);
        }
        Ok(row.is_some())
    }
}

impl Store {
    /// (service, place) for every `offered-at` link to these places.
    pub async fn service_links_to(&self, places: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        for chunk in places.chunks(500) {
            let placeholders = crate::sql::placeholders(1, chunk.len());
            let sql = format!(
                "SELECT from_id, to_id FROM atlas_links WHERE link_type = 'offered-at' AND to_id IN ({placeholders})"
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(self.pool()).await?);
        }
        Ok(out)
    }

    /// (member, network) for every `member-of` link from these records.
    pub async fn network_links_from(&self, members: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        for chunk in members.chunks(500) {
            let placeholders = crate::sql::placeholders(1, chunk.len());
            let sql = format!(
                "SELECT from_id, to_id FROM atlas_links WHERE link_type = 'member-of' AND from_id IN ({placeholders})"
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(self.pool()).await?);
        }
        Ok(out)
    }

    /// Links from or to a record.
    pub async fn links_of(&self, record_id: i64) -> Result<Vec<Link>> {
        let rows: Vec<LinkRow> = sqlx::query_as(
            "SELECT id, from_id, to_id, link_type, since, until, source FROM atlas_links \
             WHERE from_id = $1 OR to_id = $1 ORDER BY link_type, id",
        )
        .bind(record_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(link).collect())
    }
}
