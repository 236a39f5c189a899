//! The atlas in the database: golden records, the source records they are
//! resolved from, hand edits, links, key figures, import runs, duplicate
//! candidates and merges.
//!
//! Fields are stored as JSON objects (the same on both backends); the few
//! columns queries filter on (kind, commune, coordinates, dates) are
//! copied out of them when a record is resolved.

mod dedup;
mod edits;
mod figures;
mod freshness;
mod links;
mod records;
pub mod resolve;
mod runs;
mod sources;

use std::collections::BTreeMap;

use domain::atlas::survivorship::Conflict;
use domain::atlas::{RecordKind, Value};

pub use dedup::{DedupCandidate, MergeRecord};
pub use figures::KeyFigure;
pub use freshness::StaleManaged;
pub use links::Link;
pub use records::{RecordCursor, RecordLocation};
pub use runs::{ImportCounts, ImportReject, ImportRun};
pub use sources::{SourceRecord, SourceUpsert, UpsertOutcome};

/// A golden record as pages, the API and the search index see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AtlasRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub name: String,
    pub fields: BTreeMap<String, Value>,
    /// Field → where its value comes from.
    pub provenance: BTreeMap<String, Vec<FieldSource>>,
    pub conflicts: Vec<FieldConflict>,
    pub commune_insee: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub epci: Option<String>,
    pub geo: Option<(f64, f64)>,
    pub synthetic: bool,
    pub quality: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub verified_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub merged_into: Option<i64>,
}

impl AtlasRecord {
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_text)
    }

    pub fn list(&self, field: &str) -> &[String] {
        self.fields.get(field).map_or(&[], Value::as_list)
    }

    /// Whether visitors see it: not retired, not merged into another.
    pub fn is_live(&self) -> bool {
        self.retired_at.is_none() && self.merged_into.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldSource {
    pub source: String,
    pub source_id: String,
    pub fetched_at: i64,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldConflict {
    pub field: String,
    pub hand_value: Value,
    pub source_value: Value,
}

impl From<Conflict> for FieldConflict {
    fn from(c: Conflict) -> Self {
        Self { field: c.field.to_owned(), hand_value: c.hand_value, source_value: c.source_value }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}
