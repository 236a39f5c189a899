//! Source records: what each source says about a record, as mapped to our
//! fields, keyed by (source, source id) so re-imports find them again.

use std::collections::BTreeMap;

use domain::atlas::{RecordKind, Value};

use super::{from_json, to_json};
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub id: i64,
    pub source: String,
    pub source_id: String,
    pub record_id: i64,
    pub kind: RecordKind,
    pub fields: BTreeMap<String, Value>,
    pub fingerprint: String,
    pub observed_at: Option<i64>,
    pub fetched_at: i64,
    pub verified_at: Option<i64>,
    pub retired_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SourceRow {
    id: i64,
    source: String,
    source_id: String,
    record_id: i64,
    kind: String,
    data: String,
    fingerprint: String,
    observed_at: Option<i64>,
    fetched_at: i64,
    verified_at: Option<i64>,
    retired_at: Option<i64>,
}

impl From<SourceRow> for SourceRecord {
    fn from(r: SourceRow) -> Self {
        Self {
            id: r.id,
            source: r.source,
            source_id: r.source_id,
            record_id: r.record_id,
            kind: RecordKind::parse(&r.kind).unwrap_or(RecordKind::Place),
            fields: from_json(&r.data),
            fingerprint: r.fingerprint,
            observed_at: r.observed_at,
            fetched_at: r.fetched_at,
            verified_at: r.verified_at,
            retired_at: r.retired_at,
        }
    }
}

macro_rules! source_columns {
    () => {
        "id, source, source_id, record_id, kind, data, fingerprint, observed_at, fetched_at, verified_at, retired_at"
    };
}

/// One source row to save.
pub struct SourceUpsert<'a> {
    pub source: &'a str,
    pub source_id: &'a str,
    pub kind: RecordKind,
    pub fields: &'a BTreeMap<String, Value>,
    /// A digest of `fields`: equal means nothing changed.
    pub fingerprint: &'a str,
    pub observed_at: Option<i64>,
    pub run_id: Option<i64>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created { record_id: i64 },
    Updated { record_id: i64 },
    Unchanged { record_id: i64 },
}

impl UpsertOutcome {
    pub fn record_id(self) -> i64 {
        match self {
            UpsertOutcome::Created { record_id }
            | UpsertOutcome::Updated { record_id }
            | UpsertOutcome::Unchanged { record_id } => record_id,
        }
    }
}

impl WriteTx {
    /// Saves a source's version of a record: creates the record the first
    /// time, updates the source row when its content changed, and only
    /// stamps the run otherwise. The caller resolves created and updated
    /// records afterwards.
    pub async fn upsert_source(&mut self, u: SourceUpsert<'_>, now: i64) -> Result<UpsertOutcome> {
        let existing: Option<(i64, i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, record_id, fingerprint, retired_at FROM atlas_sources WHERE source = $1 AND source_id = $2",
        )
        .bind(u.source)
        .bind(u.source_id)
        .fetch_optional(self.conn())
        .await?;
        match existing {
            Some((id, record_id, fingerprint, None)) if fingerprint == u.fingerprint => {
                sqlx::query("UPDATE atlas_sources SET last_run = $1 WHERE id = $2")
                    .bind(u.run_id)
                    .bind(id)
                    .execute(self.conn())
                    .await?;
                Ok(UpsertOutcome::Unchanged { record_id })
            }
            Some((id, record_id, _, _)) => {
                sqlx::query(
                    "UPDATE atlas_sources SET data = $1, fingerprint = $2, observed_at = $3, fetched_at = $4, \
                     last_run = $5, retired_at = NULL WHERE id = $6",
                )
                .bind(to_json(u.fields))
                .bind(u.fingerprint)
                .bind(u.observed_at)
                .bind(now)
                .bind(u.run_id)
                .bind(id)
                .execute(self.conn())
                .await?;
                Ok(UpsertOutcome::Updated { record_id })
            }
            None => {
                let (record_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO atlas_records (kind, synthetic, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
                )
                .bind(u.kind.as_str())
                .bind(i64::from(u.synthetic))
                .bind(now)
                .fetch_one(self.conn())
                .await?;
                sqlx::query(
                    "INSERT INTO atlas_sources (source, source_id, record_id, kind, data, fingerprint, observed_at, fetched_at, last_run) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.source)
                .bind(u.source_id)
                .bind(record_id)
                .bind(u.kind.as_str())
                .bind(to_json(u.fields))
                .bind(u.fingerprint)
                .bind(u.observed_at)
                .bind(now)
                .bind(u.run_id)
                .execute(self.conn())
                .await?;
                Ok(UpsertOutcome::Created { record_id })
            }
        }
    }

    /// Stamps a source row as listed by run `run_id` without changing it
    /// (its row in the input was rejected this time).
    pub async fn mark_source_seen(&mut self, source: &str, source_id: &str, run_id: i64) -> Result<()> {
        sqlx::query("UPDATE atlas_sources SET last_run = $1 WHERE source = $2 AND source_id = $3")
            .bind(run_id)
            .bind(source)
            .bind(source_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Retires up to `limit` live source rows of `source` that run `run_id`
    /// did not see; returns their records, to resolve again.
    pub async fn retire_unseen_sources(&mut self, source: &str, run_id: i64, now: i64, limit: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, record_id FROM atlas_sources \
             WHERE source = $1 AND retired_at IS NULL AND (last_run IS NULL OR last_run <> $2) LIMIT $3",
        )
        .bind(source)
        .bind(run_id)
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        for (id, _) in &rows {
            sqlx::query("UPDATE atlas_sources SET retired_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    pub(crate) async fn live_sources_of(&mut self, record_id: i64) -> Result<Vec<SourceRecord>> {
        let rows: Vec<SourceRow> = sqlx::query_as(concat!(
            "SELECT ",
            source_columns!(),
            " FROM atlas_sources WHERE record_id = $1 AND retired_at IS NULL ORDER BY id"
        ))
        .bind(record_id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Marks every live source of a record as confirmed by its managers now.
    pub async fn verify_sources(&mut self, record_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE atlas_sources SET verified_at = $1 WHERE record_id = $2 AND retired_at IS NULL")
            .bind(now)
            .bind(record_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// Every source row of a record, retired ones included (for its page).
    pub async fn sources_of(&self, record_id: i64) -> Result<Vec<SourceRecord>> {
        let rows: Vec<SourceRow> = sqlx::query_as(concat!(
            "SELECT ",
            source_columns!(),
            " FROM atlas_sources WHERE record_id = $1 ORDER BY id"
        ))
        .bind(record_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// For each of these records that has live sources, when its sources
    /// last said something new about it: the latest of their own update
    /// dates, or of when we fetched them when they give none (exports'
    /// update dates).
    pub async fn sources_last_changed(&self, record_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut out = Vec::with_capacity(record_ids.len());
        for chunk in record_ids.chunks(500) {
            let placeholders = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT record_id, MAX(COALESCE(observed_at, fetched_at)) FROM atlas_sources \
                 WHERE retired_at IS NULL AND record_id IN ({placeholders}) GROUP BY record_id"
            );
            let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(self.pool()).await?);
        }
        Ok(out)
    }

    /// The distinct source names and how many live rows each has.
    /// (source records, distinct source ids) of a source: equal when no
    /// row was stored twice.
    /// The golden record a source record belongs to.
    pub async fn record_of_source(&self, source: &str, source_id: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT record_id FROM atlas_sources WHERE source = $1 AND source_id = $2")
                .bind(source)
                .bind(source_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn count_source_records(&self, source: &str) -> Result<(i64, i64)> {
        let row: (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT source_id) FROM atlas_sources WHERE source = $1")
                .bind(source)
                .fetch_one(self.pool())
                .await?;
        Ok(row)
    }

    pub async fn source_names(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT source, COUNT(*) FROM atlas_sources WHERE retired_at IS NULL GROUP BY source ORDER BY source",
        )
        .fetch_all(self.pool())
        .await?)
    }
}
