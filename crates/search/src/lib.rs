//! Search over the atlas: French full text with typos and prefixes, facets
//! with counts, geography (radius, box, distance order, map clusters) and
//! opening slots, on a tantivy index that each server keeps in memory.
//!
//! # Layout
//! - [`schema`]: the index's fields and the French analyzer.
//! - `text`: turning what people type into a query (typo budget, prefix on
//!   the last word, words written joined or apart).
//! - `collect`: one pass over the matching documents that filters by place
//!   and time, counts facets, and keeps the best page.
//! - `index`: [`SearchIndex`], its writer, and the searchers that cursors pin.
//!
//! The crate knows nothing of records or databases: callers give it
//! [`SearchDoc`]s and [`SearchQuery`]s.

mod collect;
mod index;
pub mod schema;
mod text;

use std::collections::BTreeMap;

pub use index::SearchIndex;

/// What the index holds about one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchDoc {
    pub id: i64,
    /// `place`, `organisation` or `service`.
    pub kind: String,
    pub name: String,
    /// Other searchable text: summary, description, commune and département
    /// names, labels of kinds and services.
    pub texts: Vec<String>,
    pub commune: Option<String>,
    pub commune_insee: Option<String>,
    /// (facet, value code): kind, kinds, service_types, thematiques…
    pub facets: Vec<(String, String)>,
    /// (latitude, longitude)
    pub geo: Option<(f64, f64)>,
    /// IANA zone of the record, e.g. `Europe/Paris`.
    pub tz: String,
    /// Half-hour slots of a typical week when open, in local time:
    /// 0 = Monday 00:00–00:30 … 335 = Sunday 23:30–24:00.
    pub open_slots: Vec<u16>,
    pub closed_on_public_holidays: bool,
    pub quality: u8,
    pub verified: bool,
    pub stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Distance,
    Name,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// May be empty: filters only.
    pub text: String,
    /// Record kinds to include; empty means all.
    pub kinds: Vec<String>,
    /// facet → accepted values (any of them); facets combine with AND.
    pub filters: Vec<(String, Vec<String>)>,
    /// (lat, lon, radius in km)
    pub near: Option<(f64, f64, f64)>,
    /// (min_lat, min_lon, max_lat, max_lon)
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub open_at: Option<chrono::DateTime<chrono::Utc>>,
    pub sort: Sort,
    /// Capped at 200.
    pub limit: usize,
    pub cursor: Option<String>,
    /// Facets to count over all hits.
    pub facet_counts: Vec<String>,
    /// Also count the hits open at this instant.
    pub count_open_now: Option<chrono::DateTime<chrono::Utc>>,
    /// `open_at` (or the open-now count) falls on a public holiday.
    pub public_holiday: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub commune: Option<String>,
    pub commune_insee: Option<String>,
    /// Metres from `near`, when the query has one.
    pub distance_m: Option<f64>,
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub items: Vec<Hit>,
    pub total: u64,
    /// facet → (value, count), most frequent first.
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
    pub open_now: Option<u64>,
    /// Pass back as `cursor` for the next page; `None` on the last one.
    pub next: Option<String>,
}

/// Hits grouped on a grid, for maps.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub lat: f64,
    pub lon: f64,
    pub count: u64,
    /// The hit itself when the cluster holds one.
    pub single: Option<Hit>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("invalid cursor")]
    Cursor,
}

/// Great-circle distance in metres.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}
