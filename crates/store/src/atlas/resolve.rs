//! Recomputing a golden record from its sources and hand edits.

use std::collections::BTreeMap;

use domain::atlas::derive::{locate, quality};
use domain::atlas::fields::field_spec;
use domain::atlas::survivorship::{Claim, HandEdit, resolve, sources_fingerprint};
use domain::atlas::{RecordKind, Value};
use domain::territory::Territory;

use super::{FieldConflict, FieldSource, SourceRecord, to_json};
use crate::{Result, StoreError, WriteTx};

const DAY_MICROS: i64 = 86_400_000_000;

/// What resolving needs besides the record.
#[derive(Clone, Copy)]
pub struct ResolveContext<'a> {
    pub territory: &'a Territory,
    pub now: i64,
    /// Records not updated or verified for this long count as stale.
    pub stale_after_days: i64,
}

/// Each source's values as claims, by field.
fn claims_of(sources: &[SourceRecord]) -> BTreeMap<String, Vec<Claim>> {
    let mut claims: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
    for s in sources {
        for (field, value) in &s.fields {
            claims.entry(field.clone()).or_default().push(Claim {
                value: value.clone(),
                source: s.source.clone(),
                source_id: s.source_id.clone(),
                observed_at: s.observed_at.unwrap_or(s.fetched_at),
                fetched_at: s.fetched_at,
                verified: s.verified_at.is_some(),
            });
        }
    }
    claims
}

impl WriteTx {
    /// What the sources say now for one field of a record: the base a hand
    /// edit records, so that a later change of the sources shows.
    pub async fn sources_fingerprint(&mut self, record_id: i64, field: &str) -> Result<Option<String>> {
        let (kind,): (String,) = sqlx::query_as("SELECT kind FROM atlas_records WHERE id = $1")
            .bind(record_id)
            .fetch_one(self.conn())
            .await?;
        let kind = RecordKind::parse(&kind).ok_or_else(|| StoreError::Invalid(format!("record kind {kind}")))?;
        let Some(spec) = field_spec(kind, field) else { return Ok(None) };
        let claims = claims_of(&self.live_sources_of(record_id).await?);
        Ok(sources_fingerprint(&spec, claims.get(field).map_or(&[][..], Vec::as_slice)))
    }

    /// Resolves record `id` again and saves the result; marks it for
    /// duplicate detection; retires it when nothing supports it any more.
    /// Returns whether the record is live.
    pub async fn resolve_record(&mut self, id: i64, ctx: ResolveContext<'_>) -> Result<bool> {
        let (kind, created_at, verified_at, merged_into): (String, i64, Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT kind, created_at, verified_at, merged_into FROM atlas_records WHERE id = $1")
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        let kind = RecordKind::parse(&kind).ok_or_else(|| StoreError::Invalid(format!("record kind {kind}")))?;
        let sources = self.live_sources_of(id).await?;
        let edits: BTreeMap<String, _> = self.edits_of(id).await?.into_iter().collect();
        let r = Resolved::compute(
            RecordState { kind, created_at, verified_at, merged: merged_into.is_some() },
            &sources,
            &edits,
            ctx,
        );
        sqlx::query(
            "UPDATE atlas_records SET name = $1, data = $2, provenance = $3, conflicts = $4, commune_insee = $5, \
             departement = $6, region = $7, epci = $8, pivot = $9, lat = $10, lon = $11, quality = $12, \
             updated_at = $13, retired_at = CASE WHEN $14 = 1 THEN NULL ELSE COALESCE(retired_at, $13) END, \
             dedup_pending = $14 WHERE id = $15",
        )
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
        .bind(ctx.now)
        .bind(i64::from(r.live))
        .bind(id)
        .execute(self.conn())
        .await?;
        self.touch(id);
        Ok(r.live)
    }
}

/// What resolving reads of the record itself.
#[derive(Clone, Copy)]
pub(crate) struct RecordState {
    pub kind: RecordKind,
    pub created_at: i64,
    pub verified_at: Option<i64>,
    pub merged: bool,
}

/// A resolved record's columns, ready to save.
pub(crate) struct Resolved {
    pub name: String,
    pub data: String,
    pub provenance: String,
    pub conflicts: String,
    pub commune_insee: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub epci: Option<String>,
    pub pivot: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub quality: i64,
    pub live: bool,
}

impl Resolved {
    /// The record as its live sources and hand edits make it, without I/O:
    /// resolving one record again and creating records in bulk share it.
    pub(crate) fn compute(
        record: RecordState,
        sources: &[SourceRecord],
        edits: &BTreeMap<String, HandEdit>,
        ctx: ResolveContext<'_>,
    ) -> Self {
        let claims = claims_of(sources);
        let mut last_change = record.created_at;
        for s in sources {
            last_change = last_change.max(s.fetched_at);
        }
        for e in edits.values() {
            last_change = last_change.max(e.edited_at);
        }
        let resolution = resolve(record.kind, &claims, edits);
        let values: BTreeMap<&str, &Value> = resolution.fields.iter().map(|(k, r)| (*k, &r.value)).collect();
        let location = locate(&values, ctx.territory);
        let days = |t: i64| (ctx.now - t) / DAY_MICROS;
        let score = quality(&values, days(last_change), record.verified_at.map(days), ctx.stale_after_days);
        let provenance: BTreeMap<&str, Vec<FieldSource>> = resolution
            .fields
            .iter()
            .map(|(k, r)| {
                let from = r
                    .provenance
                    .iter()
                    .map(|p| FieldSource {
                        source: p.source.clone(),
                        source_id: p.source_id.clone(),
                        fetched_at: p.fetched_at,
                        fingerprint: p.fingerprint.clone(),
                    })
                    .collect();
                (*k, from)
            })
            .collect();
        let conflicts: Vec<FieldConflict> = resolution.conflicts.into_iter().map(Into::into).collect();
        let live = !record.merged && (!sources.is_empty() || !edits.is_empty());
        let name = values.get("name").and_then(|v| v.as_text()).unwrap_or_default().to_owned();
        let pivot = values.get("pivot").and_then(|v| v.as_text()).map(str::to_owned);
        Resolved {
            name,
            data: to_json(&values),
            provenance: to_json(&provenance),
            conflicts: to_json(&conflicts),
            commune_insee: location.commune_insee,
            departement: location.departement,
            region: location.region,
            epci: location.epci,
            pivot,
            lat: location.geo.map(|g| g.0),
            lon: location.geo.map(|g| g.1),
            quality: i64::from(score),
            live,
        }
    }
}
