//! Finding and settling duplicates across sources.
//!
//! Records waiting for comparison (new or changed) are compared with their
//! neighbours only: same pivot, or within about a kilometre, or the same
//! commune when they have no coordinates. Pairs scoring above
//! `AUTO_MERGE` merge at once; those in the review band wait for a person.
//! A pair someone declared distinct is never proposed or merged again.
//!
//! A run reads where every live record is once, files them by grid cell,
//! pivot and commune, and finds each record's neighbours in memory; each
//! batch then reads its records, their neighbours and the pairs already
//! decided in a few queries, scores in memory and writes its outcomes in
//! bulk. (One query per record and per pair made this 90 % of an import.)

use std::collections::{HashMap, HashSet};

use domain::atlas::dedup::{AUTO_MERGE, Candidate, REVIEW, score};
use domain::atlas::{RecordKind, Value};
use domain::audit::{AuditActor, AuditEvent};
use domain::policy::{Action, Actor, Resource, authorize};
use store::atlas::{AtlasRecord, RecordLocation};
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

/// A query returns at most this many neighbours of one record.
const MAX_NEIGHBOURS: usize = 500;

/// Compares every record waiting for it; returns (merged, queued for review).
pub async fn detect(app: &App, progress: &(dyn Fn(u64) + Sync)) -> Result<(i64, i64), AppError> {
    let (mut merged, mut queued, mut checked) = (0, 0, 0u64);
    let mut ids = app.store.dedup_pending_ids(CHECK_BATCH).await?;
    if ids.is_empty() {
        return Ok((0, 0));
    }
    // Read once per run, then kept current with what each batch reads and merges.
    let mut places = Neighbourhood::new(app.store.atlas_locations().await?);
    while !ids.is_empty() {
        let (m, q) = check_batch(app, &mut places, &ids).await?;
        merged += m;
        queued += q;
        checked += ids.len() as u64;
        progress(checked);
        ids = app.store.dedup_pending_ids(CHECK_BATCH).await?;
    }
    Ok((merged, queued))
}

/// A grid step equal to the neighbourhood's half-sides, so a record's
/// neighbours lie in the 3 × 3 cells around its own.
const CELL_LAT: f64 = NEIGHBOURHOOD_DEG;
const CELL_LON: f64 = NEIGHBOURHOOD_DEG * 1.5;

fn cell(lat: f64, lon: f64) -> (i64, i64) {
    ((lat / CELL_LAT).floor() as i64, (lon / CELL_LON).floor() as i64)
}

/// Where every live place and organisation is, filed by grid cell, pivot
/// and commune: the blocking keys of the neighbourhood query it replaces.
/// Index entries may be stale (a record moved); lookups check each
/// candidate against its current location, so stale entries only cost time.
struct Neighbourhood {
    at: HashMap<i64, RecordLocation>,
    cells: HashMap<(RecordKind, i64, i64), Vec<i64>>,
    pivots: HashMap<String, Vec<i64>>,
    communes: HashMap<String, Vec<i64>>,
}

impl Neighbourhood {
    fn new(locations: Vec<RecordLocation>) -> Self {
        let mut n = Neighbourhood {
            at: HashMap::with_capacity(locations.len()),
            cells: HashMap::new(),
            pivots: HashMap::new(),
            communes: HashMap::new(),
        };
        for l in locations {
            n.put(l);
        }
        n
    }

    fn put(&mut self, l: RecordLocation) {
        if let Some((lat, lon)) = l.geo {
            let (y, x) = cell(lat, lon);
            self.cells.entry((l.kind, y, x)).or_default().push(l.id);
        }
        if let Some(p) = &l.pivot {
            self.pivots.entry(p.clone()).or_default().push(l.id);
        }
        if let Some(c) = &l.commune_insee {
            self.communes.entry(c.clone()).or_default().push(l.id);
        }
        self.at.insert(l.id, l);
    }

    /// Takes in what was just read of a record: its location, or that it is gone.
    fn update(&mut self, r: &AtlasRecord) {
        if !r.is_live() || r.kind == RecordKind::Service {
            self.at.remove(&r.id);
            return;
        }
        let l = RecordLocation {
            id: r.id,
            kind: r.kind,
            geo: r.geo,
            pivot: r.text("pivot").map(str::to_owned),
            commune_insee: r.commune_insee.clone(),
        };
        if self.at.get(&r.id) != Some(&l) {
            self.put(l);
        }
    }

    /// The live records of `kind` other than `id` within ±`NEIGHBOURHOOD_DEG`
    /// of `geo` (±1.5 × in longitude), or sharing its pivot, or its commune
    /// when it has no coordinates of its own; in id order, at most `MAX_NEIGHBOURS`.
    fn around(
        &self,
        kind: RecordKind,
        id: i64,
        geo: Option<(f64, f64)>,
        pivot: Option<&str>,
        commune: Option<&str>,
    ) -> Vec<i64> {
        let mut out = Vec::new();
        let fits = |other: i64, test: &dyn Fn(&RecordLocation) -> bool| {
            other != id && self.at.get(&other).is_some_and(|l| l.kind == kind && test(l))
        };
        if let Some((lat, lon)) = geo {
            let (lat_min, lat_max) = (lat - NEIGHBOURHOOD_DEG, lat + NEIGHBOURHOOD_DEG);
            let (lon_min, lon_max) = (lon - NEIGHBOURHOOD_DEG * 1.5, lon + NEIGHBOURHOOD_DEG * 1.5);
            let inside = |l: &RecordLocation| {
                l.geo.is_some_and(|(a, o)| (lat_min..=lat_max).contains(&a) && (lon_min..=lon_max).contains(&o))
            };
            let ((y0, x0), (y1, x1)) = (cell(lat_min, lon_min), cell(lat_max, lon_max));
            for y in y0..=y1 {
                for x in x0..=x1 {
                    for &other in self.cells.get(&(kind, y, x)).into_iter().flatten() {
                        if fits(other, &inside) {
                            out.push(other);
                        }
                    }
                }
            }
        }
        if let Some(p) = pivot {
            for &other in self.pivots.get(p).into_iter().flatten() {
                if fits(other, &|l: &RecordLocation| l.pivot.as_deref() == Some(p)) {
                    out.push(other);
                }
            }
        }
        if let Some(c) = commune {
            for &other in self.communes.get(c).into_iter().flatten() {
                if fits(other, &|l: &RecordLocation| l.commune_insee.as_deref() == Some(c)) {
                    out.push(other);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out.truncate(MAX_NEIGHBOURS);
        out
    }
}

/// The neighbours of each live place or organisation among `ids`.
fn neighbours_of(ids: &[i64], records: &HashMap<i64, AtlasRecord>, places: &Neighbourhood) -> HashMap<i64, Vec<i64>> {
    let mut around = HashMap::new();
    for id in ids {
        let record = &records[id];
        if !record.is_live() || record.kind == RecordKind::Service {
            continue;
        }
        let own_geo = record.fields.get("geo").and_then(Value::as_geo);
        let commune = if own_geo.is_none() { record.commune_insee.as_deref() } else { None };
        around.insert(*id, places.around(record.kind, *id, own_geo, record.text("pivot"), commune));
    }
    around
}

/// What comparing one record decided.
struct Decision {
    id: i64,
    proposals: Vec<(i64, f64, Vec<String>)>,
    merge: Option<(f64, i64)>,
}

/// Compares one record with its neighbours, all already read.
fn decide(
    record: &AtlasRecord,
    neighbours: &[i64],
    records: &HashMap<i64, AtlasRecord>,
    candidates: &HashMap<i64, Candidate>,
    decided: &HashSet<(i64, i64)>,
) -> Decision {
    let id = record.id;
    let mut d = Decision { id, proposals: Vec::new(), merge: None };
    let Some(me) = candidates.get(&id) else { return d };
    let mut best: Option<(f64, i64)> = None;
    for other in neighbours {
        if decided.contains(&(id.min(*other), id.max(*other))) {
            continue;
        }
        let (Some(other), Some(theirs)) = (records.get(other), candidates.get(other)) else { continue };
        let s = score(me, theirs);
        if s.value >= AUTO_MERGE {
            if best.is_none_or(|(b, _)| s.value > b) {
                best = Some((s.value, other.id));
            }
        } else if s.value >= REVIEW {
            d.proposals.push((other.id, s.value, s.reasons.iter().map(|r| r.signal.to_string()).collect()));
        }
    }
    d.merge = best;
    d
}

/// Decides for a batch of records, then writes every outcome in one
/// transaction. A record merged earlier in the batch is not merged again.
///
/// The batch's records, their neighbours and the pairs already decided are
/// read in a few queries, and decisions are taken in memory with the same
/// inputs as a record-by-record comparison would have.
async fn check_batch(app: &App, places: &mut Neighbourhood, ids: &[i64]) -> Result<(i64, i64), AppError> {
    let mut records: HashMap<i64, AtlasRecord> =
        app.store.atlas_records_by_ids(ids).await?.into_iter().map(|r| (r.id, r)).collect();
    if let Some(missing) = ids.iter().find(|id| !records.contains_key(id)) {
        return Err(
            StoreError::Other(format!("record {missing} waits for duplicate detection but does not exist")).into()
        );
    }
    for r in records.values() {
        places.update(r);
    }
    // Twice: what the first pass reads of the neighbours (moved, merged
    // elsewhere) may change who the neighbours are.
    let mut around: HashMap<i64, Vec<i64>> = HashMap::new();
    for _ in 0..2 {
        around = neighbours_of(ids, &records, places);
        let mut wanted: Vec<i64> = around.values().flatten().copied().filter(|id| !records.contains_key(id)).collect();
        if wanted.is_empty() {
            break;
        }
        wanted.sort_unstable();
        wanted.dedup();
        for r in app.store.atlas_records_by_ids(&wanted).await? {
            places.update(&r);
            records.insert(r.id, r);
        }
    }
    let candidates: HashMap<i64, Candidate> = records.values().map(|r| (r.id, candidate(r))).collect();
    let mut involved: Vec<i64> = records.keys().copied().collect();
    involved.sort_unstable();
    let decided = app.store.decided_pairs(&involved).await?;
    let decisions: Vec<Decision> = ids
        .iter()
        .map(|id| match around.get(id) {
            Some(list) => decide(&records[id], list, &records, &candidates, &decided),
            None => Decision { id: *id, proposals: Vec::new(), merge: None },
        })
        .collect();

    let now = now_micros();
    let ctx = resolve_context(app, now);
    let mut tx = app.store.write().await?;
    let (mut merged, mut queued) = (0, 0);
    let mut absorbed_ids: HashSet<i64> = HashSet::new();
    // Each record's "compare me" mark is cleared before its own outcome is
    // written; a merge resolving a survivor sets it again, unless the
    // survivor's own turn comes later in the batch.
    tx.set_dedup_done_many(ids).await?;
    let turn: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut survived_at: HashMap<i64, usize> = HashMap::new();
    let mut proposals: Vec<(i64, i64, f64, Vec<String>)> = Vec::new();
    for (step, d) in decisions.iter().enumerate() {
        if absorbed_ids.contains(&d.id) {
            continue;
        }
        for (other, s, reasons) in &d.proposals {
            if !absorbed_ids.contains(other) {
                proposals.push((d.id, *other, *s, reasons.clone()));
            }
        }
        if let Some((s, other)) = d.merge {
            if absorbed_ids.contains(&other) {
                continue;
            }
            // A merge settles the pair's pending proposal, so proposals go in first.
            queued += tx.propose_duplicates(&std::mem::take(&mut proposals)).await?;
            let (survivor, absorbed) = survivor_of(&records[&d.id], &records[&other]);
            tx.merge_records(survivor, absorbed, true, None).await?;
            tx.resolve_record(survivor, ctx).await?;
            tx.resolve_record(absorbed, ctx).await?;
            tx.audit(
                AuditEvent::new(AuditActor::System, "atlas.merge", "atlas_record", survivor)
                    .with_summary(format!("automatic merge of record {absorbed} (score {s:.2})")),
            )
            .await?;
            absorbed_ids.insert(absorbed);
            survived_at.insert(survivor, step);
            merged += 1;
        }
    }
    queued += tx.propose_duplicates(&proposals).await?;
    let cleared_later: Vec<i64> = survived_at
        .iter()
        .filter(|(id, step)| turn.get(id).is_some_and(|t| t > step) && !absorbed_ids.contains(id))
        .map(|(id, _)| *id)
        .collect();
    tx.set_dedup_done_many(&cleared_later).await?;
    tx.audit(
        AuditEvent::new(AuditActor::System, "atlas.dedup_check", "atlas", 0)
            .with_summary(format!("{} records compared, {merged} merged, {queued} pairs queued for review", ids.len())),
    )
    .await?;
    tx.commit().await?;
    // Survivors now stand where their merged fields put them.
    let moved: Vec<i64> = survived_at.keys().chain(&absorbed_ids).copied().collect();
    for r in app.store.atlas_records_by_ids(&moved).await? {
        places.update(&r);
    }
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
