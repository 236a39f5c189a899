//! Keeping this server's search index in step with the database.
//!
//! At start the index is built from every live record; then it follows the
//! change outbox: woken at each local commit (and, on PostgreSQL, by other
//! servers' NOTIFY), it reloads the changed records and upserts or deletes
//! their documents. Applying a change twice is harmless, so the position is
//! taken before the rebuild and everything after it is replayed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use domain::atlas::RecordKind;
use domain::atlas::hours::{OpeningHours, timezone_for_commune};
use domain::atlas::kinds::{PLACE_KINDS, SERVICE_TYPES, label};
use domain::territory::Territory;
use search::{SearchDoc, SearchIndex};
use store::StoreError;
use store::atlas::{AtlasRecord, RecordCursor};

use crate::{App, AppError};

/// Documents built per batch when rebuilding.
const REBUILD_BATCH: usize = 2_000;

/// Weekly open slots by (opening_hours, time zone): many records share hours.
type SlotsCache = Mutex<HashMap<(String, String), Arc<Vec<u16>>>>;

/// The index and how far in the outbox it has followed.
pub struct Indexer {
    pub index: Arc<SearchIndex>,
    position: AtomicI64,
    slots_cache: SlotsCache,
}

impl Indexer {
    pub fn new(index: SearchIndex) -> Self {
        Self { index: Arc::new(index), position: AtomicI64::new(0), slots_cache: Mutex::default() }
    }

    pub fn position(&self) -> i64 {
        self.position.load(Ordering::Relaxed)
    }

    /// Indexes every live record; returns how many.
    pub async fn rebuild(&self, app: &App) -> Result<u64, AppError> {
        let start = app.store.last_change_id().await?;
        let mut batch = Vec::with_capacity(REBUILD_BATCH);
        let mut count = 0u64;
        let mut after_id = 0;
        loop {
            let page = app
                .store
                .atlas_records_page(RecordCursor { kind: None, after_id, live_only: true }, REBUILD_BATCH as i64)
                .await?;
            let Some(last) = page.last() else { break };
            after_id = last.id;
            let services = services_of_places(app, &page).await?;
            let networks = networks_of(app, &page).await?;
            for r in &page {
                batch.push(self.document_with(app, r, slice(&services, r.id), slice(&networks, r.id)));
            }
            count += batch.len() as u64;
            self.index.upsert(std::mem::take(&mut batch)).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        self.index.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.position.store(start, Ordering::Relaxed);
        Ok(count)
    }

    /// Applies the changes committed since the last call; returns how many records.
    pub async fn catch_up(&self, app: &App) -> Result<usize, AppError> {
        let mut applied = 0;
        loop {
            let changes = app.store.changes_after(self.position(), 1_000).await?;
            let Some(&(last, _)) = changes.last() else { return Ok(applied) };
            let mut ids: Vec<i64> = changes.iter().map(|c| c.1).collect();
            ids.sort_unstable();
            ids.dedup();
            let records = app.store.atlas_records_by_ids(&ids).await?;
            let live: Vec<&AtlasRecord> = records.iter().filter(|r| r.is_live()).collect();
            let gone: Vec<i64> = ids.iter().copied().filter(|id| !live.iter().any(|r| r.id == *id)).collect();
            let owned: Vec<AtlasRecord> = live.iter().map(|r| (*r).clone()).collect();
            let services = services_of_places(app, &owned).await?;
            let networks = networks_of(app, &owned).await?;
            let docs = owned
                .iter()
                .map(|r| self.document_with(app, r, slice(&services, r.id), slice(&networks, r.id)))
                .collect();
            self.index.delete(&gone).map_err(|e| AppError::Internal(e.to_string()))?;
            self.index.upsert(docs).map_err(|e| AppError::Internal(e.to_string()))?;
            self.index.commit().map_err(|e| AppError::Internal(e.to_string()))?;
            self.position.store(last, Ordering::Relaxed);
            applied += ids.len();
        }
    }

    /// Follows the outbox until `shutdown` completes.
    pub async fn follow(self: Arc<Self>, app: App, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let changes = app.store.changes();
        let _listener = app.store.listen_for_other_servers();
        loop {
            if let Err(e) = self.catch_up(&app).await {
                tracing::warn!(error = %e, "search index could not catch up; retrying");
            }
            // Polling as well as waking: a missed notification costs at most this delay.
            tokio::select! {
                () = &mut shutdown => return,
                () = changes.notified() => {}
                () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
            }
        }
    }

    /// The search document of a record; `services` are those offered at it.
    pub fn document(&self, app: &App, r: &AtlasRecord, services: &[AtlasRecord]) -> SearchDoc {
        self.document_with(app, r, services, &[])
    }

    /// [`Self::document`], with the names of the networks the record is a member of.
    pub fn document_with(
        &self,
        app: &App,
        r: &AtlasRecord,
        services: &[AtlasRecord],
        networks: &[String],
    ) -> SearchDoc {
        let territory = Territory::embedded();
        let mut texts = Vec::new();
        let mut facets = vec![("kind".to_owned(), r.kind.as_str().to_owned())];
        for n in networks {
            facets.push(("networks".to_owned(), n.clone()));
        }
        for f in ["summary", "description", "commune_name"] {
            if let Some(t) = r.text(f) {
                texts.push(t.to_owned());
            }
        }
        if let Some(dep) = r.departement.as_deref() {
            facets.push(("departement".into(), dep.to_owned()));
            if let Some(d) = territory.departement(dep) {
                texts.push(d.name.clone());
            }
        }
        if let Some(reg) = r.region.as_deref() {
            facets.push(("region".into(), reg.to_owned()));
        }
        for k in r.list("kinds") {
            facets.push(("kinds".into(), k.clone()));
            texts.push(label(PLACE_KINDS, k, true).to_owned());
        }
        for (field, facet) in [("programmes", "labels"), ("labels", "labels")] {
            for v in r.list(field) {
                facets.push((facet.into(), v.clone()));
                texts.push(v.clone());
            }
        }
        for s in std::iter::once(r).filter(|r| r.kind == RecordKind::Service).chain(services) {
            for (field, facet) in [
                ("service_types", "service_types"),
                ("thematiques", "thematiques"),
                ("publics", "publics"),
                ("fees", "fees"),
            ] {
                for v in s.list(field) {
                    facets.push((facet.into(), v.clone()));
                }
            }
            for t in s.list("service_types") {
                texts.push(label(SERVICE_TYPES, t, true).to_owned());
            }
            if s.id != r.id {
                texts.push(s.name.clone());
            }
        }
        let band = match r.quality {
            70.. => "high",
            40..=69 => "medium",
            _ => "low",
        };
        facets.push(("quality".into(), band.into()));
        facets.sort();
        facets.dedup();
        let now = Utc::now().timestamp_micros();
        let day = 86_400_000_000_i64;
        let stale_after = app.config.stale_after_days * day;
        let last_sign_of_life = r.verified_at.unwrap_or(0).max(r.updated_at);
        let tz = timezone_for_commune(r.commune_insee.as_deref().unwrap_or("75056"));
        let hours = r.text("opening_hours");
        SearchDoc {
            id: r.id,
            kind: r.kind.as_str().to_owned(),
            name: r.name.clone(),
            texts,
            commune: r
                .text("commune_name")
                .map(str::to_owned)
                .or_else(|| r.commune_insee.as_deref().and_then(|c| territory.commune(c)).map(|c| c.name.clone())),
            commune_insee: r.commune_insee.clone(),
            facets,
            geo: r.geo,
            tz: tz.name().to_owned(),
            open_slots: hours.map(|h| self.slots(h, tz).to_vec()).unwrap_or_default(),
            closed_on_public_holidays: hours.is_some_and(|h| h.contains("PH off")),
            quality: r.quality.clamp(0, 100) as u8,
            verified: r.verified_at.is_some_and(|v| now - v < stale_after),
            stale: now - last_sign_of_life > stale_after,
        }
    }

    /// Half-hour slots of a typical week when open, in local time. Many
    /// records share the same hours, so results are cached by text and zone.
    fn slots(&self, hours: &str, tz: chrono_tz::Tz) -> Arc<Vec<u16>> {
        let key = (hours.to_owned(), tz.name().to_owned());
        if let Some(s) = self.slots_cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return s;
        }
        let slots = Arc::new(OpeningHours::parse(hours).map(|h| week_slots(&h, tz)).unwrap_or_default());
        if let Ok(mut c) = self.slots_cache.lock() {
            if c.len() > 50_000 {
                c.clear();
            }
            c.insert(key, slots.clone());
        }
        slots
    }
}

/// A reference week without public holidays (Monday 2026-01-12).
fn reference_monday() -> NaiveDate {
    NaiveDate::from_isoywd_opt(2026, 3, Weekday::Mon).unwrap_or_default()
}

/// The open half-hour slots of `hours` over a typical week, in local time.
/// Walks from change to change (a few calls per week) rather than testing
/// each slot; a slot counts as open when open at its middle.
pub fn week_slots(hours: &OpeningHours, tz: chrono_tz::Tz) -> Vec<u16> {
    let monday = reference_monday().and_hms_opt(0, 0, 0).unwrap_or_default();
    let Some(start) = tz.from_local_datetime(&monday).earliest().map(|t| t.with_timezone(&Utc)) else {
        return Vec::new();
    };
    let end = start + Duration::days(7);
    let mut slots = Vec::new();
    let mut at = start;
    let mut open = hours.is_open(at, tz);
    while at < end {
        let next = hours.next_change(at, tz).filter(|n| *n > at).unwrap_or(end).min(end);
        if open {
            let (from, to) = (minutes_since(start, at, tz), minutes_since(start, next, tz));
            // Slots whose middle (slot * 30 + 15) falls in [from, to).
            let first = (from + 14) / 30;
            let last = (to + 14) / 30;
            slots.extend((first..last).filter(|s| *s < 336).map(|s| s as u16));
        }
        at = next;
        open = !open;
    }
    slots.sort_unstable();
    slots.dedup();
    slots
}

/// Minutes of local wall-clock time from the reference Monday's midnight.
fn minutes_since(start: DateTime<Utc>, t: DateTime<Utc>, tz: chrono_tz::Tz) -> i64 {
    let (a, b) = (start.with_timezone(&tz).naive_local(), t.with_timezone(&tz).naive_local());
    (b - a).num_minutes()
}

/// The slot an instant falls in, in a zone: what "open now" asks the index.
pub fn slot_of(at: DateTime<Utc>, tz: chrono_tz::Tz) -> u16 {
    let local = at.with_timezone(&tz);
    let day = local.weekday().num_days_from_monday() as u16;
    day * 48 + (local.hour() * 2 + local.minute() / 30) as u16
}

fn slice<T>(map: &HashMap<i64, Vec<T>>, id: i64) -> &[T] {
    map.get(&id).map_or(&[][..], Vec::as_slice)
}

/// The names of the networks each record is a member of (member-of links).
async fn networks_of(app: &App, records: &[AtlasRecord]) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let links = app.store.network_links_from(&ids).await?;
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let network_ids: Vec<i64> = links.iter().map(|(_, n)| *n).collect();
    let networks = app.store.atlas_records_by_ids(&network_ids).await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (member, network) in links {
        if let Some(n) = networks.iter().find(|n| n.id == network && n.is_live()) {
            out.entry(member).or_default().push(n.name.clone());
        }
    }
    Ok(out)
}

/// For places, the services linked to them (offered-at).
async fn services_of_places(app: &App, records: &[AtlasRecord]) -> Result<HashMap<i64, Vec<AtlasRecord>>, StoreError> {
    let places: Vec<i64> = records.iter().filter(|r| r.kind == RecordKind::Place).map(|r| r.id).collect();
    let links = app.store.service_links_to(&places).await?;
    let service_ids: Vec<i64> = links.iter().map(|(s, _)| *s).collect();
    let services = app.store.atlas_records_by_ids(&service_ids).await?;
    let mut out: HashMap<i64, Vec<AtlasRecord>> = HashMap::new();
    for (service, place) in links {
        if let Some(s) = services.iter().find(|s| s.id == service && s.is_live()) {
            out.entry(place).or_default().push(s.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_slots_follow_the_hours() {
        let paris = chrono_tz::Europe::Paris;
        let h = OpeningHours::parse("Mo-Fr 09:00-12:00,14:00-17:30; Sa 10:00-12:00").unwrap();
        let slots = week_slots(&h, paris);
        // Monday 09:00–12:00 is slots 18..24; 14:00–17:30 is 28..35.
        assert_eq!(&slots[..13], &[18, 19, 20, 21, 22, 23, 28, 29, 30, 31, 32, 33, 34]);
        assert_eq!(slots.len(), 5 * 13 + 4);
        assert_eq!(slot_of(DateTime::parse_from_rfc3339("2026-11-23T10:10:00+01:00").unwrap().to_utc(), paris), 20);
        assert_eq!(week_slots(&OpeningHours::parse("24/7").unwrap(), paris).len(), 336);
    }
}
