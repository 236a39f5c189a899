//! What a record's resolved fields imply: where it is in the territory,
//! and how good the record is.

use std::collections::BTreeMap;

use super::value::Value;
use crate::territory::Territory;

/// A record's place in the territory, derived from its commune and
/// coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub commune_insee: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub epci: Option<String>,
    /// The record's own coordinates, else its commune's centroid.
    pub geo: Option<(f64, f64)>,
    /// True when `geo` is the commune's centroid, not the record's.
    pub approximate: bool,
}

pub fn locate(fields: &BTreeMap<&str, &Value>, territory: &Territory) -> Location {
    let text = |f: &str| fields.get(f).and_then(|v| v.as_text());
    let own = fields.get("geo").and_then(|v| v.as_geo());
    let commune = territory.locate_near(text("commune_insee"), text("postal_code"), text("commune_name"), own).ok();
    Location {
        commune_insee: commune.map(|c| c.code.clone()),
        departement: commune.map(|c| c.departement.clone()),
        region: commune.map(|c| c.region.clone()),
        epci: commune.and_then(|c| c.epci.clone()),
        geo: own.or_else(|| commune.and_then(|c| c.centroid)),
        approximate: own.is_none() && commune.and_then(|c| c.centroid).is_some(),
    }
}

/// Fields that make a record useful to a visitor, by kind, with weights.
const EXPECTED: &[(&str, u32)] = &[
    ("name", 10),
    ("geo", 10),
    ("street", 8),
    ("commune_insee", 8),
    ("opening_hours", 10),
    ("phones", 6),
    ("emails", 6),
    ("websites", 5),
    ("summary", 7),
    ("kinds", 5),
    ("accessibility", 5),
];

/// A quality score from 0 to 100: completeness (60), freshness (25) and
/// verification (15). Stale records lose freshness linearly over `stale_after_days`.
pub fn quality(
    fields: &BTreeMap<&str, &Value>,
    updated_days_ago: i64,
    verified_days_ago: Option<i64>,
    stale_after_days: i64,
) -> u32 {
    let total: u32 = EXPECTED.iter().map(|(_, w)| w).sum();
    let present: u32 =
        EXPECTED.iter().filter(|(f, _)| fields.get(f).is_some_and(|v| !v.is_empty())).map(|(_, w)| w).sum();
    let completeness = present * 60 / total;
    let age = verified_days_ago.unwrap_or(updated_days_ago).max(0);
    let freshness = if age >= stale_after_days { 0 } else { (25 * (stale_after_days - age) / stale_after_days) as u32 };
    let verification = match verified_days_ago {
        Some(d) if d < stale_after_days => 15,
        Some(_) => 5,
        None => 0,
    };
    completeness + freshness + verification
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_comes_from_the_commune_and_falls_back_to_its_centroid() {
        let t = Territory::embedded();
        let insee = Value::Text("16089".into());
        let fields: BTreeMap<&str, &Value> = [("commune_insee", &insee)].into();
        let l = locate(&fields, t);
        assert_eq!(l.departement.as_deref(), Some("16"));
        assert_eq!(l.region.as_deref(), Some("75"));
        assert!(l.approximate && l.geo.is_some());
        let geo = Value::Geo { lat: 45.68, lon: -0.33 };
        let fields: BTreeMap<&str, &Value> = [("commune_insee", &insee), ("geo", &geo)].into();
        let l = locate(&fields, t);
        assert_eq!((l.geo, l.approximate), (Some((45.68, -0.33)), false));
    }

    #[test]
    fn quality_rewards_complete_fresh_verified_records() {
        let name = Value::Text("Fablab".into());
        let fields: BTreeMap<&str, &Value> = [("name", &name)].into();
        let sparse_old = quality(&fields, 800, None, 365);
        let sparse_new = quality(&fields, 0, None, 365);
        let sparse_verified = quality(&fields, 0, Some(0), 365);
        assert!(sparse_old < sparse_new && sparse_new < sparse_verified);
        assert!(sparse_verified <= 100);
        let all: Vec<(&str, Value)> = EXPECTED.iter().map(|(f, _)| (*f, Value::Text("x".into()))).collect();
        let full: BTreeMap<&str, &Value> = all.iter().map(|(f, v)| (*f, v)).collect();
        assert_eq!(quality(&full, 0, Some(0), 365), 100);
    }
}
