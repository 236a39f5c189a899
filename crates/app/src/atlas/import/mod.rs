//! Importing a source into the atlas: read rows, map them, upsert source
//! records in batches, retire what disappeared, then look for duplicates.
//!
//! Each batch is one audited transaction, so an import killed at any point
//! leaves whole batches behind; the next run upserts by (source, source id)
//! and completes the job without duplicates. Retiring only happens at the
//! end of a run that read the whole input.

pub mod convert;
pub mod mapping;
pub mod readers;

use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource, authorize};
use domain::territory::Territory;
use sha2::{Digest, Sha256};
use store::atlas::resolve::ResolveContext;
use store::atlas::{ImportCounts, ImportReject, SourceUpsert, UpsertOutcome};
use store::{StoreError, now_micros};

use self::convert::{MappedRecord, apply};
use self::mapping::{Mapping, Row};
use self::readers::ReadError;
use crate::{App, AppError};

/// Rows per transaction: large enough to amortise commits, small enough
/// that a crash loses little and other writers are not held up long.
const BATCH_ROWS: usize = 500;

/// Where an import stands, for progress bars and pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The run is recorded: pages can follow it by this id.
    Started {
        run_id: i64,
    },
    Rows(u64),
    Retiring,
    Duplicates {
        checked: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub run_id: i64,
    pub counts: ImportCounts,
}

/// What to import and how.
pub struct ImportRequest<'a> {
    /// The source's name: re-imports of the same name update its records.
    pub source: &'a str,
    pub mapping: &'a Mapping,
    /// Only rows located in these départements (the territory's); others
    /// are counted as skipped.
    pub within: Option<&'a [String]>,
}

/// Imports `rows`, as `actor`.
pub async fn import(
    app: &App,
    actor: &Actor,
    request: ImportRequest<'_>,
    rows: impl Iterator<Item = Result<Row, ReadError>>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportReport, AppError> {
    let ImportRequest { source, mapping, within } = request;
    authorize(actor, Action::ImportAtlas, Resource::Platform)?;
    let source = source.trim();
    if source.is_empty() || source.len() > 80 || source == domain::atlas::survivorship::MANUAL_SOURCE {
        return Err(AppError::Conflict("the source name must be 1 to 80 characters and not \"manual\"".into()));
    }
    let mut tx = app.store.write().await?;
    let run_id = tx.start_import_run(source, &actor.audit_actor().to_code()).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "import.start", "import_run", run_id)
            .with_summary(format!("source {source}")),
    )
    .await?;
    tx.commit().await?;
    progress(Progress::Started { run_id });

    let territory = Territory::embedded();
    let mut counts = ImportCounts::default();
    let mut batch = Batch::default();
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                // A broken file (not a bad row) stops the run before retiring anything.
                finish(app, actor, run_id, "failed", &counts).await?;
                return Err(AppError::Conflict(e.to_string()));
            }
        };
        counts.read += 1;
        match map_row(mapping, &row, territory) {
            Ok(records) if !inside(&records, within, territory) => counts.skipped += 1,
            Ok(records) => {
                for r in records.iter().flat_map(|r| &r.dropped) {
                    counts.dropped += 1;
                    batch.rejects.push(ImportReject {
                        line: row.line as i64,
                        field: r.field.clone(),
                        reason: format!("value left out, row kept: {}", r.reason),
                        raw: serde_json::to_string(&row.values).unwrap_or_default(),
                    });
                }
                batch.records.push(records);
            }
            Err(r) => {
                counts.rejected += 1;
                // The source still lists this record: keep its last good
                // version rather than retiring it at the end of the run.
                batch.still_listed.extend(mapping.records.iter().filter_map(|m| mapping::fill_template(&m.id, &row)));
                batch.rejects.push(ImportReject {
                    line: row.line as i64,
                    field: r.field,
                    reason: r.reason,
                    raw: serde_json::to_string(&row.values).unwrap_or_default(),
                });
            }
        }
        if batch.records.len() + batch.rejects.len() >= BATCH_ROWS {
            write_batch(
                app,
                actor,
                (run_id, source, mapping.source.synthetic),
                std::mem::take(&mut batch),
                &mut counts,
            )
            .await?;
            progress(Progress::Rows(counts.read as u64));
        }
    }
    write_batch(app, actor, (run_id, source, mapping.source.synthetic), batch, &mut counts).await?;
    progress(Progress::Rows(counts.read as u64));

    progress(Progress::Retiring);
    counts.retired = retire_unseen(app, actor, run_id, source).await?;
    let (merged, queued) =
        crate::atlas::duplicates::detect(app, &|checked| progress(Progress::Duplicates { checked })).await?;
    counts.merged = merged;
    counts.queued = queued;
    finish(app, actor, run_id, "done", &counts).await?;
    Ok(ImportReport { run_id, counts })
}

/// Rejected rows as CSV (line, field, reason, the row as JSON), for the
/// command line's rejects file and the web page's download.
pub fn write_rejects_csv(out: &mut impl std::io::Write, rejects: &[ImportReject]) -> std::io::Result<()> {
    fn field(s: &str) -> std::borrow::Cow<'_, str> {
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")).into() } else { s.into() }
    }
    writeln!(out, "line,field,reason,row")?;
    for r in rejects {
        writeln!(out, "{},{},{},{}", r.line, field(r.field.as_deref().unwrap_or("")), field(&r.reason), field(&r.raw))?;
    }
    Ok(())
}

/// Whether the row's main record lies in the territory the import is restricted to.
fn inside(records: &[MappedRecord], within: Option<&[String]>, territory: &Territory) -> bool {
    let Some(deps) = within else { return true };
    let commune = records.first().and_then(|r| r.fields.get("commune_insee")).and_then(domain::atlas::Value::as_text);
    commune.and_then(|c| territory.commune(c)).is_some_and(|c| deps.contains(&c.departement))
}

/// Every record of a row, or the first rejection: a row imports whole or not at all.
fn map_row(mapping: &Mapping, row: &Row, territory: &Territory) -> Result<Vec<MappedRecord>, convert::Rejection> {
    mapping.records.iter().map(|m| apply(m, row, territory)).collect()
}

/// A digest of what a source says about a record: equal means unchanged.
fn fingerprint(r: &MappedRecord) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&r.fields).unwrap_or_default());
    h.update(r.observed_at.unwrap_or(0).to_be_bytes());
    hex::encode(&h.finalize()[..16])
}

pub(crate) fn resolve_context(app: &App, now: i64) -> ResolveContext<'static> {
    ResolveContext { territory: Territory::embedded(), now, stale_after_days: app.config.stale_after_days }
}

/// Rows read since the last commit.
#[derive(Default)]
struct Batch {
    records: Vec<Vec<MappedRecord>>,
    rejects: Vec<ImportReject>,
    /// Source ids of rejected rows.
    still_listed: Vec<String>,
}

/// The run a batch belongs to: (run id, source name, synthetic).
type RunOf<'a> = (i64, &'a str, bool);

async fn write_batch(
    app: &App,
    actor: &Actor,
    run: RunOf<'_>,
    batch: Batch,
    counts: &mut ImportCounts,
) -> Result<(), AppError> {
    if batch.records.is_empty() && batch.rejects.is_empty() {
        return Ok(());
    }
    for attempt in 0.. {
        match try_batch(app, actor, run, &batch).await {
            Ok(c) => {
                counts.created += c.created;
                counts.updated += c.updated;
                counts.unchanged += c.unchanged;
                return Ok(());
            }
            Err(StoreError::Busy) if attempt < 5 => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn try_batch(
    app: &App,
    actor: &Actor,
    (run_id, source, synthetic): RunOf<'_>,
    batch: &Batch,
) -> Result<ImportCounts, StoreError> {
    let now = now_micros();
    let ctx = resolve_context(app, now);
    let mut c = ImportCounts::default();
    let mut tx = app.store.write().await?;
    let fingerprints: Vec<String> = batch.records.iter().flatten().map(fingerprint).collect();
    let upserts: Vec<SourceUpsert<'_>> = batch
        .records
        .iter()
        .flatten()
        .zip(&fingerprints)
        .map(|(r, fp)| SourceUpsert {
            source,
            source_id: &r.source_id,
            kind: r.kind,
            fields: &r.fields,
            fingerprint: fp,
            observed_at: r.observed_at,
            run_id: Some(run_id),
            synthetic,
        })
        .collect();
    // Created records come back resolved; updated ones are resolved below.
    let mut outcomes = tx.upsert_sources(&upserts, now, ctx).await?.into_iter();
    let mut to_resolve = Vec::new();
    for records in &batch.records {
        let mut first: Option<i64> = None;
        for r in records {
            let outcome = outcomes.next().ok_or_else(|| StoreError::Other("an upsert without outcome".into()))?;
            match outcome {
                UpsertOutcome::Created { .. } => c.created += 1,
                UpsertOutcome::Updated { record_id } => {
                    c.updated += 1;
                    to_resolve.push(record_id);
                }
                UpsertOutcome::Unchanged { .. } => c.unchanged += 1,
            }
            let id = outcome.record_id();
            match (first, &r.link) {
                (None, _) => first = Some(id),
                (Some(main), Some(link)) if !matches!(outcome, UpsertOutcome::Unchanged { .. }) => {
                    tx.upsert_link(id, main, link, None, None, source).await?;
                }
                _ => {}
            }
        }
    }
    for id in to_resolve {
        tx.resolve_record(id, ctx).await?;
    }
    tx.add_import_rejects(run_id, &batch.rejects).await?;
    tx.mark_sources_seen(source, &batch.still_listed, run_id).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "import.batch", "import_run", run_id).with_summary(format!(
        "created {}, updated {}, unchanged {}, rejected {}",
        c.created,
        c.updated,
        c.unchanged,
        batch.rejects.len()
    )))
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Retires what the source no longer lists; returns how many source records.
async fn retire_unseen(app: &App, actor: &Actor, run_id: i64, source: &str) -> Result<i64, AppError> {
    let mut retired = 0;
    loop {
        let now = now_micros();
        let mut tx = app.store.write().await?;
        let records = tx.retire_unseen_sources(source, run_id, now, 500).await?;
        if records.is_empty() {
            tx.rollback().await?;
            return Ok(retired);
        }
        retired += records.len() as i64;
        for id in &records {
            tx.resolve_record(*id, resolve_context(app, now)).await?;
        }
        tx.audit(
            AuditEvent::new(actor.audit_actor(), "import.retire", "import_run", run_id)
                .with_summary(format!("{} source records no longer listed", records.len())),
        )
        .await?;
        tx.commit().await?;
    }
}

async fn finish(app: &App, actor: &Actor, run_id: i64, status: &str, counts: &ImportCounts) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    tx.finish_import_run(run_id, status, counts).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "import.finish", "import_run", run_id).with_summary(format!(
        "{status}: read {}, created {}, updated {}, unchanged {}, retired {}, rejected {}, skipped {}, merged {}, queued for review {}",
        counts.read,
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.retired,
        counts.rejected,
        counts.skipped,
        counts.merged,
        counts.queued
    )))
    .await?;
    tx.commit().await?;
    Ok(())
}
