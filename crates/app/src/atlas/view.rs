//! What a record's page and the API show about it, assembled once.

use chrono::{DateTime, Utc};
use domain::atlas::hours::{OpeningHours, timezone_for_commune};
use domain::atlas::kinds::{LINK_TYPES, label};
use domain::territory::Territory;
use store::atlas::{AtlasRecord, KeyFigure, SourceRecord};

use super::import::mapping::{Mapping, SHIPPED};
use crate::{App, AppError};

/// A link as seen from the record: the other record and the relation.
#[derive(Debug, Clone)]
pub struct Related {
    pub id: i64,
    pub name: String,
    pub kind: domain::atlas::RecordKind,
    /// Link type code (`offered-at`, `resident-at`…).
    pub link_type: String,
    /// True when this record is the link's subject (it `operates` the other).
    pub outgoing: bool,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// Whether a record is open now, and until when.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenState {
    pub open: bool,
    pub next_change: Option<DateTime<Utc>>,
    pub tz: chrono_tz::Tz,
}

/// A source as people read it: its title and publisher when known.
#[derive(Debug, Clone)]
pub struct SourceView {
    pub record: SourceRecord,
    pub title: String,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub licence: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RecordView {
    pub record: AtlasRecord,
    pub commune: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub epci: Option<String>,
    pub open: Option<OpenState>,
    pub related: Vec<Related>,
    pub figures: Vec<KeyFigure>,
    pub sources: Vec<SourceView>,
    /// Neither updated nor verified within the configured age.
    pub stale: bool,
}

pub fn open_state(r: &AtlasRecord, at: DateTime<Utc>) -> Option<OpenState> {
    let hours = OpeningHours::parse(r.text("opening_hours")?).ok()?;
    let tz = timezone_for_commune(r.commune_insee.as_deref().unwrap_or("75056"));
    Some(OpenState { open: hours.is_open(at, tz), next_change: hours.next_change(at, tz), tz })
}

/// Title, publisher and licence of a source, from the shipped mapping of the
/// same name or the family its name starts with (`mednum-hinaura` → mednum).
pub fn describe_source(name: &str) -> (String, Option<Mapping>) {
    let mapping = SHIPPED
        .iter()
        .find(|(n, _)| name == *n || name.starts_with(&format!("{n}-")))
        .and_then(|(_, text)| Mapping::parse(text).ok());
    (mapping.as_ref().map_or_else(|| name.to_owned(), |m| m.source.title.clone()), mapping)
}

pub async fn record_view(app: &App, id: i64) -> Result<RecordView, AppError> {
    let record = app.store.atlas_record(id).await?;
    let territory = Territory::embedded();
    let links = app.store.links_of(id).await?;
    let other_ids: Vec<i64> = links.iter().map(|l| if l.from_id == id { l.to_id } else { l.from_id }).collect();
    let others = app.store.atlas_records_by_ids(&other_ids).await?;
    let mut related: Vec<Related> = links
        .iter()
        .filter_map(|l| {
            let outgoing = l.from_id == id;
            let other = others.iter().find(|o| o.id == if outgoing { l.to_id } else { l.from_id })?;
            other.is_live().then(|| Related {
                id: other.id,
                name: other.name.clone(),
                kind: other.kind,
                link_type: l.link_type.clone(),
                outgoing,
                since: l.since.clone(),
                until: l.until.clone(),
            })
        })
        .collect();
    related.sort_by(|a, b| (&a.link_type, &a.name).cmp(&(&b.link_type, &b.name)));
    let sources = app
        .store
        .sources_of(id)
        .await?
        .into_iter()
        .map(|s| {
            let (title, mapping) = describe_source(&s.source);
            SourceView {
                title,
                publisher: mapping.as_ref().map(|m| m.source.publisher.clone()),
                url: mapping.as_ref().map(|m| m.source.url.clone()),
                licence: mapping.as_ref().map(|m| m.source.licence.clone()),
                record: s,
            }
        })
        .collect();
    let day = 86_400_000_000_i64;
    let last = record.verified_at.unwrap_or(0).max(record.updated_at);
    Ok(RecordView {
        commune: record.commune_insee.as_deref().and_then(|c| territory.commune(c)).map(|c| c.name.clone()),
        departement: record.departement.as_deref().and_then(|d| territory.departement(d)).map(|d| d.name.clone()),
        region: record.region.as_deref().and_then(|r| territory.region(r)).map(|r| r.name.clone()),
        epci: record.epci.as_deref().and_then(|e| territory.epci(e)).map(|e| e.name.clone()),
        open: open_state(&record, Utc::now()),
        related,
        figures: app.store.key_figures_of(id).await?,
        sources,
        stale: Utc::now().timestamp_micros() - last > app.config.stale_after_days * day,
        record,
    })
}

/// The label of a link type, read from the record's side.
pub fn link_label(link_type: &str, french: bool) -> &str {
    label(LINK_TYPES, link_type, french)
}
