//! Duplicate candidates, merges and their undoing.

use serde::{Deserialize, Serialize};

use super::{from_json, to_json};
use crate::{Result, Store, StoreError, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq)]
pub struct DedupCandidate {
    pub id: i64,
    pub a_id: i64,
    pub b_id: i64,
    pub score: f64,
    pub reasons: Vec<String>,
    pub status: String,
    pub created_at: i64,
}

type CandidateRow = (i64, i64, i64, f64, String, String, i64);

fn candidate((id, a_id, b_id, score, reasons, status, created_at): CandidateRow) -> DedupCandidate {
    DedupCandidate { id, a_id, b_id, score, reasons: from_json(&reasons), status, created_at }
}

/// A hand edit carried by a merge: (field, value JSON, base, edited_by, edited_at).
pub type MovedEdit = (String, String, Option<String>, Option<i64>, i64);

/// What a merge moved from the merged record to the survivor, so that it
/// can be moved back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    pub sources: Vec<i64>,
    pub links: Vec<i64>,
    pub edits: Vec<MovedEdit>,
    /// (year, metric, value, source)
    pub figures: Vec<(i64, String, i64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MergeRecord {
    pub id: i64,
    pub survivor_id: i64,
    pub merged_id: i64,
    pub automatic: bool,
    pub merged_at: i64,
    pub undone_at: Option<i64>,
}

impl WriteTx {
    /// Proposes a pair for review unless it was already proposed or decided.
    pub async fn propose_duplicate(&mut self, a: i64, b: i64, score: f64, reasons: &[String]) -> Result<bool> {
        let (a, b) = (a.min(b), a.max(b));
        let done = sqlx::query(
            "INSERT INTO dedup_candidates (a_id, b_id, score, reasons, status, created_at) VALUES ($1, $2, $3, $4, 'pending', $5) \
             ON CONFLICT (a_id, b_id) DO NOTHING",
        )
        .bind(a)
        .bind(b)
        .bind(score)
        .bind(to_json(&reasons))
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A person says the pair is two different things: remembered for good.
    pub async fn mark_distinct(&mut self, candidate_id: i64, by: Option<i64>) -> Result<DedupCandidate> {
        let row: Option<CandidateRow> = sqlx::query_as(
            "UPDATE dedup_candidates SET status = 'distinct', decided_at = $1, decided_by = $2 WHERE id = $3 \
             RETURNING id, a_id, b_id, score, reasons, status, created_at",
        )
        .bind(now_micros())
        .bind(by)
        .bind(candidate_id)
        .fetch_optional(self.conn())
        .await?;
        row.map(candidate).ok_or(StoreError::NotFound)
    }

    /// Merges `merged` into `survivor`: its sources, hand edits (where the
    /// survivor has none), links and key figures move over, and it points
    /// to the survivor from then on. The caller resolves both again.
    pub async fn merge_records(&mut self, survivor: i64, merged: i64, automatic: bool, by: Option<i64>) -> Result<i64> {
        if survivor == merged {
            return Err(StoreError::Invalid("a record cannot be merged into itself".into()));
        }
        let state: Option<(Option<i64>,)> = sqlx::query_as("SELECT merged_into FROM atlas_records WHERE id = $1")
            .bind(merged)
            .fetch_optional(self.conn())
            .await?;
        match state {
            None => return Err(StoreError::NotFound),
            Some((Some(_),)) => return Err(StoreError::Conflict("this record was already merged".into())),
            Some((None,)) => {}
        }
        let now = now_micros();
        let mut moved = Moved::default();
        let sources: Vec<(i64,)> =
            sqlx::query_as("UPDATE atlas_sources SET record_id = $1 WHERE record_id = $2 RETURNING id")
                .bind(survivor)
                .bind(merged)
                .fetch_all(self.conn())
                .await?;
        moved.sources = sources.into_iter().map(|r| r.0).collect();
        moved.edits = sqlx::query_as(
            "SELECT field, value, base, edited_by, edited_at FROM atlas_edits WHERE record_id = $1 \
             AND field NOT IN (SELECT field FROM atlas_edits WHERE record_id = $2)",
        )
        .bind(merged)
        .bind(survivor)
        .fetch_all(self.conn())
        .await?;
        sqlx::query(
            "UPDATE atlas_edits SET record_id = $1 WHERE record_id = $2 \
             AND field NOT IN (SELECT field FROM atlas_edits WHERE record_id = $1)",
        )
        .bind(survivor)
        .bind(merged)
        .execute(self.conn())
        .await?;
        let links: Vec<(i64,)> = sqlx::query_as(
            "UPDATE atlas_links SET from_id = CASE WHEN from_id = $2 THEN $1 ELSE from_id END, \
             to_id = CASE WHEN to_id = $2 THEN $1 ELSE to_id END \
             WHERE (from_id = $2 OR to_id = $2) AND from_id <> $1 AND to_id <> $1 \
             AND NOT EXISTS (SELECT 1 FROM atlas_links o WHERE o.link_type = atlas_links.link_type \
                 AND o.from_id = CASE WHEN atlas_links.from_id = $2 THEN $1 ELSE atlas_links.from_id END \
                 AND o.to_id = CASE WHEN atlas_links.to_id = $2 THEN $1 ELSE atlas_links.to_id END) \
             RETURNING id",
        )
        .bind(survivor)
        .bind(merged)
        .fetch_all(self.conn())
        .await?;
        moved.links = links.into_iter().map(|r| r.0).collect();
        moved.figures = sqlx::query_as(
            "SELECT year, metric, value, source FROM atlas_key_figures f WHERE record_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM atlas_key_figures s WHERE s.record_id = $2 AND s.year = f.year AND s.metric = f.metric)",
        )
        .bind(merged)
        .bind(survivor)
        .fetch_all(self.conn())
        .await?;
        for (year, metric, value, source) in &moved.figures {
            self.set_key_figure(survivor, *year, metric, *value, source).await?;
        }
        sqlx::query("UPDATE atlas_records SET merged_into = $1, updated_at = $2, dedup_pending = 0 WHERE id = $3")
            .bind(survivor)
            .bind(now)
            .bind(merged)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "UPDATE dedup_candidates SET status = 'merged', decided_at = $1, decided_by = $2 \
             WHERE a_id = $3 AND b_id = $4 AND status = 'pending'",
        )
        .bind(now)
        .bind(by)
        .bind(survivor.min(merged))
        .bind(survivor.max(merged))
        .execute(self.conn())
        .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO atlas_merges (survivor_id, merged_id, moved, automatic, merged_at, merged_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(survivor)
        .bind(merged)
        .bind(to_json(&moved))
        .bind(i64::from(automatic))
        .bind(now)
        .bind(by)
        .fetch_one(self.conn())
        .await?;
        self.touch(survivor);
        self.touch(merged);
        Ok(id)
    }

    /// Undoes a merge: moves back what it moved and revives the merged
    /// record; the pair is then remembered as distinct so that automatic
    /// detection does not merge it again. Returns (survivor, merged).
    pub async fn undo_merge(&mut self, merge_id: i64, by: Option<i64>) -> Result<(i64, i64)> {
        let row: Option<(i64, i64, String, Option<i64>)> =
            sqlx::query_as("SELECT survivor_id, merged_id, moved, undone_at FROM atlas_merges WHERE id = $1")
                .bind(merge_id)
                .fetch_optional(self.conn())
                .await?;
        let (survivor, merged, moved, undone) = row.ok_or(StoreError::NotFound)?;
        if undone.is_some() {
            return Err(StoreError::Conflict("this merge was already undone".into()));
        }
        let moved: Moved = from_json(&moved);
        for id in &moved.sources {
            sqlx::query("UPDATE atlas_sources SET record_id = $1 WHERE id = $2 AND record_id = $3")
                .bind(merged)
                .bind(id)
                .bind(survivor)
                .execute(self.conn())
                .await?;
        }
        for (field, ..) in &moved.edits {
            sqlx::query("UPDATE atlas_edits SET record_id = $1 WHERE record_id = $2 AND field = $3")
                .bind(merged)
                .bind(survivor)
                .bind(field)
                .execute(self.conn())
                .await?;
        }
        for id in &moved.links {
            sqlx::query(
                "UPDATE atlas_links SET from_id = CASE WHEN from_id = $1 THEN $2 ELSE from_id END, \
                 to_id = CASE WHEN to_id = $1 THEN $2 ELSE to_id END WHERE id = $3",
            )
            .bind(survivor)
            .bind(merged)
            .bind(id)
            .execute(self.conn())
            .await?;
        }
        for (year, metric, ..) in &moved.figures {
            sqlx::query("DELETE FROM atlas_key_figures WHERE record_id = $1 AND year = $2 AND metric = $3")
                .bind(survivor)
                .bind(year)
                .bind(metric)
                .execute(self.conn())
                .await?;
        }
        let now = now_micros();
        sqlx::query("UPDATE atlas_records SET merged_into = NULL, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(merged)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE atlas_merges SET undone_at = $1 WHERE id = $2")
            .bind(now)
            .bind(merge_id)
            .execute(self.conn())
            .await?;
        let (a, b) = (survivor.min(merged), survivor.max(merged));
        sqlx::query(
            "INSERT INTO dedup_candidates (a_id, b_id, score, reasons, status, created_at, decided_at, decided_by) \
             VALUES ($1, $2, 0, '[]', 'distinct', $3, $3, $4) \
             ON CONFLICT (a_id, b_id) DO UPDATE SET status = 'distinct', decided_at = $3, decided_by = $4",
        )
        .bind(a)
        .bind(b)
        .bind(now)
        .bind(by)
        .execute(self.conn())
        .await?;
        self.touch(survivor);
        self.touch(merged);
        Ok((survivor, merged))
    }

    /// [`WriteTx::propose_duplicate`] for many pairs in one statement per
    /// few thousand; returns how many were new. A pair given twice counts once.
    pub async fn propose_duplicates(&mut self, pairs: &[(i64, i64, f64, Vec<String>)]) -> Result<i64> {
        let mut seen = std::collections::HashSet::new();
        let pairs: Vec<(i64, i64, f64, &Vec<String>)> = pairs
            .iter()
            .map(|(a, b, s, r)| ((*a).min(*b), (*a).max(*b), *s, r))
            .filter(|(a, b, ..)| seen.insert((*a, *b)))
            .collect();
        let now = now_micros();
        let mut inserted = 0;
        for chunk in pairs.chunks(crate::sql::MAX_BINDS / 4) {
            let values = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, ${}, 'pending', $1)", 4 * i + 2, 4 * i + 3, 4 * i + 4, 4 * i + 5))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO dedup_candidates (a_id, b_id, score, reasons, status, created_at) VALUES {values} \
                 ON CONFLICT (a_id, b_id) DO NOTHING"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for (a, b, score, reasons) in chunk {
                q = q.bind(*a).bind(*b).bind(*score).bind(to_json(reasons));
            }
            inserted += q.execute(self.conn()).await?.rows_affected() as i64;
        }
        Ok(inserted)
    }

    /// [`WriteTx::set_dedup_done`] for many records.
    pub async fn set_dedup_done_many(&mut self, record_ids: &[i64]) -> Result<()> {
        for chunk in record_ids.chunks(crate::sql::MAX_BINDS) {
            let placeholders = crate::sql::placeholders(1, chunk.len());
            let sql = format!("UPDATE atlas_records SET dedup_pending = 0 WHERE id IN ({placeholders})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Clears the "compare me" mark once duplicate detection has run.
    pub async fn set_dedup_done(&mut self, record_id: i64) -> Result<()> {
        sqlx::query("UPDATE atlas_records SET dedup_pending = 0 WHERE id = $1")
            .bind(record_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// Pairs waiting for a person, best first. A pair one of whose records
    /// was merged elsewhere or retired waits hidden: undoing that merge
    /// brings it back.
    pub async fn pending_duplicates(&self, limit: i64) -> Result<Vec<DedupCandidate>> {
        let rows: Vec<CandidateRow> = sqlx::query_as(
            "SELECT c.id, c.a_id, c.b_id, c.score, c.reasons, c.status, c.created_at FROM dedup_candidates c \
             JOIN atlas_records a ON a.id = c.a_id JOIN atlas_records b ON b.id = c.b_id \
             WHERE c.status = 'pending' AND a.merged_into IS NULL AND a.retired_at IS NULL \
               AND b.merged_into IS NULL AND b.retired_at IS NULL \
             ORDER BY c.score DESC, c.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(candidate).collect())
    }

    pub async fn duplicate_candidate(&self, id: i64) -> Result<DedupCandidate> {
        let row: CandidateRow = sqlx::query_as(
            "SELECT id, a_id, b_id, score, reasons, status, created_at FROM dedup_candidates WHERE id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(candidate(row))
    }

    /// The decision already taken on a pair, if any (`distinct`, `merged`, `pending`).
    pub async fn pair_status(&self, a: i64, b: i64) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT status FROM dedup_candidates WHERE a_id = $1 AND b_id = $2")
                .bind(a.min(b))
                .bind(a.max(b))
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|r| r.0))
    }

    /// The pairs among `ids` already decided (merged or distinct), as
    /// (smaller id, larger id): one query per thousand ids, not one per pair.
    pub async fn decided_pairs(&self, ids: &[i64]) -> Result<std::collections::HashSet<(i64, i64)>> {
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let mut out = std::collections::HashSet::new();
        for chunk in ids.chunks(crate::sql::MAX_BINDS) {
            let placeholders = crate::sql::placeholders(1, chunk.len());
            let sql = format!(
                "SELECT a_id, b_id FROM dedup_candidates WHERE a_id IN ({placeholders}) AND status <> 'pending'"
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(self.pool()).await?.into_iter().filter(|(_, b)| wanted.contains(b)));
        }
        Ok(out)
    }

    /// Records still waiting for duplicate detection.
    pub async fn dedup_pending_ids(&self, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM atlas_records WHERE dedup_pending = 1 AND retired_at IS NULL AND merged_into IS NULL \
             ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn merges(&self, limit: i64) -> Result<Vec<MergeRecord>> {
        let rows: Vec<(i64, i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, survivor_id, merged_id, automatic, merged_at, undone_at FROM atlas_merges ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, survivor_id, merged_id, automatic, merged_at, undone_at)| MergeRecord {
                id,
                survivor_id,
                merged_id,
                automatic: automatic != 0,
                merged_at,
                undone_at,
            })
            .collect())
    }
}
