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
            let placeholders = crate::sql::placeholders(1, chunk.len());
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

/// A source row found for an upsert: (id, record id, fingerprint, retired at).
type Existing = (i64, i64, String, Option<i64>);

impl WriteTx {
    /// [`WriteTx::upsert_source`] for many rows of one source at once, in a
    /// few multi-row statements; the outcomes are in the order of `rows`.
    /// Unlike it, records it creates come back resolved (their only input
    /// is the new source row, so nothing needs to be read back); the
    /// caller resolves updated records. A source id given twice is saved
    /// in order, as one call per row would.
    pub async fn upsert_sources(
        &mut self,
        rows: &[SourceUpsert<'_>],
        now: i64,
        ctx: super::resolve::ResolveContext<'_>,
    ) -> Result<Vec<UpsertOutcome>> {
        let mut out = Vec::with_capacity(rows.len());
        let mut start = 0;
        while start < rows.len() {
            // The longest run without a repeated (source, source id).
            let mut seen = std::collections::HashSet::new();
            let mut end = start;
            while end < rows.len() && seen.insert((rows[end].source, rows[end].source_id)) {
                end += 1;
            }
            out.extend(self.upsert_distinct_sources(&rows[start..end], now, ctx).await?);
            start = end;
        }
        Ok(out)
    }

    async fn upsert_distinct_sources(
        &mut self,
        rows: &[SourceUpsert<'_>],
        now: i64,
        ctx: super::resolve::ResolveContext<'_>,
    ) -> Result<Vec<UpsertOutcome>> {
        let existing = self.existing_sources(rows).await?;
        let mut out: Vec<Option<UpsertOutcome>> = vec![None; rows.len()];
        let mut unchanged: Vec<i64> = Vec::new();
        let mut created: Vec<usize> = Vec::new();
        for (i, u) in rows.iter().enumerate() {
            match existing.get(&(u.source, u.source_id)) {
                Some((id, record_id, fingerprint, None)) if fingerprint == u.fingerprint => {
                    unchanged.push(*id);
                    out[i] = Some(UpsertOutcome::Unchanged { record_id: *record_id });
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
                    .bind(*id)
                    .execute(self.conn())
                    .await?;
                    out[i] = Some(UpsertOutcome::Updated { record_id: *record_id });
                }
                None => created.push(i),
            }
        }
        // Rows of one source carry one run.
        for (run, ids) in group_by_run(rows, &existing, &unchanged) {
            for chunk in ids.chunks(crate::sql::MAX_BINDS - 1) {
                let placeholders = crate::sql::placeholders(2, chunk.len());
                let sql = format!("UPDATE atlas_sources SET last_run = $1 WHERE id IN ({placeholders})");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(self.conn()).await?;
            }
        }
        let ids = self.new_record_ids(created.len()).await?;
        let new: Vec<(i64, &SourceUpsert<'_>)> = ids.iter().copied().zip(created.iter().map(|&i| &rows[i])).collect();
        self.insert_resolved_records(&new, now, ctx).await?;
        self.insert_source_rows(&new, now).await?;
        for (&i, &record_id) in created.iter().zip(&ids) {
            out[i] = Some(UpsertOutcome::Created { record_id });
        }
        Ok(out.into_iter().map(|o| o.expect("every row has an outcome")).collect())
    }

    /// The source rows already saved for these (source, source id).
    async fn existing_sources<'r>(
        &mut self,
        rows: &[SourceUpsert<'r>],
    ) -> Result<std::collections::HashMap<(&'r str, &'r str), Existing>> {
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for u in rows {
            by_source.entry(u.source).or_default().push(u.source_id);
        }
        for (source, ids) in by_source {
            for chunk in ids.chunks(crate::sql::MAX_BINDS - 1) {
                let placeholders = crate::sql::placeholders(2, chunk.len());
                let sql = format!(
                    "SELECT source_id, id, record_id, fingerprint, retired_at FROM atlas_sources \
                     WHERE source = $1 AND source_id IN ({placeholders})"
                );
                let mut q =
                    sqlx::query_as::<_, (String, i64, i64, String, Option<i64>)>(sqlx::AssertSqlSafe(sql)).bind(source);
                for id in chunk {
                    q = q.bind(*id);
                }
                // Keyed by the caller's strings, which outlive the rows read.
                let asked: std::collections::HashSet<&'r str> = chunk.iter().copied().collect();
                for (source_id, id, record_id, fingerprint, retired_at) in q.fetch_all(self.conn()).await? {
                    if let Some(key) = asked.get(source_id.as_str()) {
                        found.insert((source, *key), (id, record_id, fingerprint, retired_at));
                    }
                }
            }
        }
        Ok(found)
    }

    /// `n` fresh record ids, reserved so that each new record can be
    /// written whole with its own source in one multi-row insert each.
    async fn new_record_ids(&mut self, n: usize) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.is_postgres() {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "SELECT nextval(pg_get_serial_sequence('atlas_records', 'id')) FROM generate_series(1, $1)",
            )
            .bind(n as i64)
            .fetch_all(self.conn())
            .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        } else {
            // The transaction began IMMEDIATE: no other writer until it ends.
            let (max,): (i64,) =
                sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM atlas_records").fetch_one(self.conn()).await?;
            Ok((max + 1..=max + n as i64).collect())
        }
    }

    async fn insert_resolved_records(
        &mut self,
        new: &[(i64, &SourceUpsert<'_>)],
        now: i64,
        ctx: super::resolve::ResolveContext<'_>,
    ) -> Result<()> {
        const COLUMNS: usize = 19;
        for chunk in new.chunks(crate::sql::MAX_BINDS / COLUMNS) {
            let values = (0..chunk.len())
                .map(|r| {
                    let p = crate::sql::placeholders(r * COLUMNS + 1, COLUMNS);
                    format!("({p})")
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO atlas_records (id, kind, synthetic, created_at, updated_at, name, data, provenance, \
                 conflicts, commune_insee, departement, region, epci, pivot, lat, lon, quality, dedup_pending, \
                 retired_at) VALUES {values}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, u) in chunk {
                let source = SourceRecord {
                    id: 0,
                    source: u.source.to_owned(),
                    source_id: u.source_id.to_owned(),
                    record_id: *id,
                    kind: u.kind,
                    fields: u.fields.clone(),
                    fingerprint: u.fingerprint.to_owned(),
                    observed_at: u.observed_at,
                    fetched_at: now,
                    verified_at: None,
                    retired_at: None,
                };
                let state =
                    super::resolve::RecordState { kind: u.kind, created_at: now, verified_at: None, merged: false };
                let r = super::resolve::Resolved::compute(state, std::slice::from_ref(&source), &BTreeMap::new(), ctx);
                // What `resolve_record` would save: at ctx.now, live or retired.
                let retired_at = if r.live { None } else { Some(ctx.now) };
                q = q
                    .bind(*id)
                    .bind(u.kind.as_str())
                    .bind(i64::from(u.synthetic))
                    .bind(now)
                    .bind(ctx.now)
                    .bind(r.name)
                    .bind(r.data)
                    .bind(r.provenance)
                    .bind(r.conflicts)
                    .bind(r.commune_insee)
                    .bind(r.departement)
                    .bind(r.region)
                    .bind(r.epci)
                    .bind(r.pivot)
                    .bind(crate::sql::Float8(r.lat))
                    .bind(crate::sql::Float8(r.lon))
                    .bind(r.quality)
                    .bind(i64::from(r.live))
                    .bind(retired_at);
            }
            q.execute(self.conn()).await?;
            for (id, _) in chunk {
                self.touch(*id);
            }
        }
        Ok(())
    }

    async fn insert_source_rows(&mut self, new: &[(i64, &SourceUpsert<'_>)], now: i64) -> Result<()> {
        const COLUMNS: usize = 9;
        for chunk in new.chunks(crate::sql::MAX_BINDS / COLUMNS) {
            let values = (0..chunk.len())
                .map(|r| {
                    let p = crate::sql::placeholders(r * COLUMNS + 1, COLUMNS);
                    format!("({p})")
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO atlas_sources (source, source_id, record_id, kind, data, fingerprint, observed_at, \
                 fetched_at, last_run) VALUES {values}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (record_id, u) in chunk {
                q = q
                    .bind(u.source)
                    .bind(u.source_id)
                    .bind(*record_id)
                    .bind(u.kind.as_str())
                    .bind(to_json(u.fields))
                    .bind(u.fingerprint)
                    .bind(u.observed_at)
                    .bind(now)
                    .bind(u.run_id);
            }
            q.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// [`WriteTx::mark_source_seen`] for many source ids of one source.
    pub async fn mark_sources_seen(&mut self, source: &str, source_ids: &[String], run_id: i64) -> Result<()> {
        for chunk in source_ids.chunks(crate::sql::MAX_BINDS - 2) {
            let placeholders = crate::sql::placeholders(3, chunk.len());
            let sql =
                format!("UPDATE atlas_sources SET last_run = $1 WHERE source = $2 AND source_id IN ({placeholders})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id).bind(source);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            q.execute(self.conn()).await?;
        }
        Ok(())
    }
}

/// Unchanged source rows by the run to stamp on them.
fn group_by_run(
    rows: &[SourceUpsert<'_>],
    existing: &std::collections::HashMap<(&str, &str), Existing>,
    unchanged: &[i64],
) -> BTreeMap<Option<i64>, Vec<i64>> {
    let unchanged: std::collections::HashSet<i64> = unchanged.iter().copied().collect();
    let mut out: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for u in rows {
        if let Some((id, ..)) = existing.get(&(u.source, u.source_id)).filter(|e| unchanged.contains(&e.0)) {
            out.entry(u.run_id).or_default().push(*id);
        }
    }
    out
}
