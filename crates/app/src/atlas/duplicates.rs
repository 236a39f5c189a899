//! Finding and settling duplicates across sources.
//!
//! Records waiting for comparison (new or changed) are compared with their
//! neighbours only: same pivot, or within about a kilometre, or the same
//! commune when they have no coordinates. Pairs scoring above
//! `AUTO_MERGE` merge at once; those in the review band wait for a person.
//! A pair someone declared distinct is never proposed or merged again.

use domain::atlas::dedup::{AUTO_MERGE, Candidate, REVIEW, score};
use domain::atlas::{RecordKind, Value};
use domain::audit::{AuditActor, AuditEvent};
use domain::policy::{Action, Actor, Resource, authorize};
use store::atlas::AtlasRecord;
use store::{StoreError, now_micros};

use super::import::resolve_context;
use crate::{App, AppError};

/// About a kilometre of latitude.
const NEIGHBOURHOOD_DEG: f64 = 0.01;

pub fn candidate(r: &AtlasRecord) -> Candidate {
    let text = |f: &str| r.text(f).map(str::to_owned);
    Candidate {
        id: r.id,
        name: r.name.clone(),
        pivot: text("pivot"),
        commune_insee: r.commune_insee.clone(),
        postal_code: text("postal_code"),
        street: text("street"),
        geo: r.fields.get("geo").and_then(Value::as_geo),
        phones: r.list("phones").to_vec(),
        emails: r.list("emails").to_vec(),
        website: r.list("websites").first().cloned(),
    }
}

/// Records compared per transaction.
const CHECK_BATCH: i64 = 200;

/// Compares every record waiting for it; returns (merged, queued for review).
pub async fn detect(app: &App, progress: &(dyn Fn(u64) + Sync)) -> Result<(i64, i64), AppError> {
    let (mut merged, mut queued, mut checked) = (0, 0, 0u64);
    loop {
        let ids = app.store.dedup_pending_ids(CHECK_BATCH).await?;
        if ids.is_empty() {
            return Ok((merged, queued));
        }
        let (m, q) = check_batch(app, &ids).await?;
        merged += m;
        queued += q;
        checked += ids.len() as u64;
        progress(checked);
    }
}

/// What comparing one record decided.
struct Decision {
    id: i64,
    proposals: Vec<(i64, f64, Vec<String>)>,
    merge: Option<(f64, AtlasRecord, AtlasRecord)>,
}

async fn decide(app: &App, id: i64) -> Result<Decision, AppError> {
    let record = app.store.atlas_record(id).await?;
    let mut d = Decision { id, proposals: Vec::new(), merge: None };
    if !record.is_live() || record.kind == RecordKind::Service {
        return Ok(d);
    }
    let me = candidate(&record);
    let own_geo = record.fields.get("geo").and_then(Value::as_geo);
    let commune = if own_geo.is_none() { record.commune_insee.as_deref() } else { None };
    let neighbours =
        app.store.atlas_neighbours(record.kind, id, own_geo, NEIGHBOURHOOD_DEG, me.pivot.as_deref(), commune).await?;
    let mut best: Option<(f64, &AtlasRecord)> = None;
    for other in &neighbours {
        if app.store.pair_status(id, other.id).await?.is_some_and(|s| s != "pending") {
            continue;
        }
        let s = score(&me, &candidate(other));
        if s.value >= AUTO_MERGE {
            if best.is_none_or(|(b, _)| s.value > b) {
                best = Some((s.value, other));
            }
        } else if s.value >= REVIEW {
            d.proposals.push((other.id, s.value, s.reasons.iter().map(|r| r.signal.to_string()).collect()));
        }
    }
    d.merge = best.map(|(s, other)| (s, record.clone(), other.clone()));
    Ok(d)
}

/// Decides for a batch of records, then writes every outcome in one
/// transaction. A record merged earlier in the batch is not merged again.
async fn check_batch(app: &App, ids: &[i64]) -> Result<(i64, i64), AppError> {
    let mut decisions = Vec::with_capacity(ids.len());
    for id in ids {
        decisions.push(decide(app, *id).await?);
    }
    let now = now_micros();
    let ctx = resolve_context(app, now);
    let mut tx = app.store.write().await?;
    let (mut merged, mut queued) = (0, 0);
    let mut absorbed_ids: Vec<i64> = Vec::new();
    for d in &decisions {
        tx.set_dedup_done(d.id).await?;
        if absorbed_ids.contains(&d.id) {
            continue;
        }
        for (other, s, reasons) in &d.proposals {
            if !absorbed_ids.contains(other) && tx.propose_duplicate(d.id, *other, *s, reasons).await? {
                queued += 1;
            }
        }
        if let Some((s, record, other)) = &d.merge {
            if absorbed_ids.contains(&other.id) {
                continue;
            }
            let (survivor, absorbed) = survivor_of(record, other);
            tx.merge_records(survivor, absorbed, true, None).await?;
            tx.resolve_record(survivor, ctx).await?;
            tx.resolve_record(absorbed, ctx).await?;
            tx.audit(
                AuditEvent::new(AuditActor::System, "atlas.merge", "atlas_record", survivor)
                    .with_summary(format!("automatic merge of record {absorbed} (score {s:.2})")),
            )
            .await?;
            absorbed_ids.push(absorbed);
            merged += 1;
        }
    }
    tx.audit(
        AuditEvent::new(AuditActor::System, "atlas.dedup_check", "atlas", 0)
            .with_summary(format!("{} records compared, {merged} merged, {queued} pairs queued for review", ids.len())),
    )
    .await?;
    tx.commit().await?;
    Ok((merged, queued))
}

/// The record that stays: verified first, then the older one, whose id
/// people and links already know.
pub fn survivor_of(a: &AtlasRecord, b: &AtlasRecord) -> (i64, i64) {
    let key = |r: &AtlasRecord| (r.verified_at.is_none(), r.id);
    if key(a) <= key(b) { (a.id, b.id) } else { (b.id, a.id) }
}

/// A person merges a reviewed pair, choosing per field which record's value
/// to keep (`choices`: field → record id); chosen values become hand edits
/// of the survivor, so later imports do not overturn the decision.
pub async fn merge_pair(
    app: &App,
    actor: &Actor,
    candidate_id: i64,
    survivor: i64,
    choices: &[(String, i64)],
) -> Result<i64, AppError> {
    authorize(actor, Action::ReviewDuplicates, Resource::Platform)?;
    let c = app.store.duplicate_candidate(candidate_id).await?;
    if c.status != "pending" {
        return Err(AppError::Conflict("this pair was already decided".into()));
    }
    if survivor != c.a_id && survivor != c.b_id {
        return Err(AppError::Conflict("the surviving record must be one of the pair".into()));
    }
    let absorbed = if survivor == c.a_id { c.b_id } else { c.a_id };
    let (a, b) = (app.store.atlas_record(survivor).await?, app.store.atlas_record(absorbed).await?);
    let now = now_micros();
    let mut tx = app.store.write().await?;
    let merge_id = tx.merge_records(survivor, absorbed, false, actor.user_id()).await?;
    let ctx = resolve_context(app, now);
    tx.resolve_record(survivor, ctx).await?;
    tx.resolve_record(absorbed, ctx).await?;
    for (field, from) in choices {
        let chosen = if *from == absorbed { &b } else { &a };
        let Some(value) = chosen.fields.get(field) else { continue };
        let base = tx.sources_fingerprint(survivor, field).await?;
        tx.set_edit(survivor, field, value, base.as_deref(), actor.user_id(), now).await?;
    }
    if !choices.is_empty() {
        tx.resolve_record(survivor, ctx).await?;
    }
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "atlas.merge", "atlas_record", survivor)
            .with_summary(format!("merged record {absorbed} after review")),
    )
    .await?;
    tx.commit().await?;
    Ok(merge_id)
}

/// A person says the pair is two different things.
pub async fn keep_apart(app: &App, actor: &Actor, candidate_id: i64) -> Result<(), AppError> {
    authorize(actor, Action::ReviewDuplicates, Resource::Platform)?;
    let mut tx = app.store.write().await?;
    let c = tx.mark_distinct(candidate_id, actor.user_id()).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "atlas.distinct", "dedup_candidate", candidate_id)
            .with_summary(format!("records {} and {} are distinct", c.a_id, c.b_id)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Undoes a merge, automatic or not.
pub async fn undo_merge(app: &App, actor: &Actor, merge_id: i64) -> Result<(), AppError> {
    authorize(actor, Action::ReviewDuplicates, Resource::Platform)?;
    let mut tx = app.store.write().await?;
    let (survivor, merged) = tx.undo_merge(merge_id, actor.user_id()).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound,
        other => other.into(),
    })?;
    let ctx = resolve_context(app, now_micros());
    tx.resolve_record(survivor, ctx).await?;
    tx.resolve_record(merged, ctx).await?;
    tx.set_dedup_done(merged).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "atlas.unmerge", "atlas_record", survivor)
            .with_summary(format!("record {merged} separated again")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
