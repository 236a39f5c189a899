//! A GeoJSON (RFC 7946) FeatureCollection of the places and organisations
//! that have coordinates: one Point feature each, with a few properties
//! for maps (id, type, name, kinds, commune, code_insee, url).

use std::io::{self, Write};

use domain::atlas::RecordKind;
use serde_json::{Value as Json, json};

use super::{Counts, ExportRecord, JsonArray, RecordWriter};

/// A record as a feature; `None` without coordinates.
pub fn feature(r: &ExportRecord) -> Option<Json> {
    let (lat, lon) = r.geo?;
    let kinds: Vec<&str> = match r.kind {
        RecordKind::Organisation => r.text("org_kind").into_iter().collect(),
        _ => r.list("kinds").iter().map(String::as_str).collect(),
    };
    Some(json!({
        "type": "Feature",
        "id": r.id,
        // RFC 7946: longitude first.
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": r.id,
            "type": r.kind.as_str(),
            "name": r.name,
            "kinds": kinds,
            "commune": r.commune,
            "code_insee": r.commune_insee,
            "url": r.url,
        }
    }))
}

pub struct Writer<W: Write> {
    array: JsonArray<W>,
    counts: Counts,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Ok(Self {
            array: JsonArray::start(out, "{\"type\":\"FeatureCollection\",\"features\":[")?,
            counts: Counts::default(),
        })
    }
}

impl<W: Write> RecordWriter for Writer<W> {
    fn write(&mut self, r: &ExportRecord) -> io::Result<()> {
        if !matches!(r.kind, RecordKind::Place | RecordKind::Organisation) {
            return Ok(());
        }
        match feature(r) {
            Some(f) => {
                self.array.push(&f)?;
                self.counts.written += 1;
            }
            None => self.counts.skipped += 1,
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<Counts> {
        self.array.end("]}\n")?;
        Ok(self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Shared, place};
    use super::*;

    #[test]
    fn places_with_coordinates_become_point_features() {
        let out = Shared::default();
        let mut w: Box<dyn RecordWriter> = Box::new(Writer::new(out.clone()).unwrap());
        let mut nowhere = place();
        nowhere.geo = None;
        let mut organisation = place();
        organisation.kind = RecordKind::Organisation;
        organisation.fields.insert("org_kind".into(), domain::atlas::Value::Text("association".into()));
        for r in [place(), nowhere, organisation] {
            w.write(&r).unwrap();
        }
        assert_eq!(w.finish().unwrap(), Counts { written: 2, skipped: 1 });
        let doc = out.json();
        assert_eq!(doc["type"], "FeatureCollection");
        let f = &doc["features"][0];
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"], json!({"type": "Point", "coordinates": [4.03, 49.25]}));
        assert_eq!(
            f["properties"],
            json!({"id": 7, "type": "place", "name": "Anonymal", "kinds": ["tiers-lieu", "mediation-numerique"],
                   "commune": "Reims", "code_insee": "51454", "url": "https://atlas.example.fr/atlas/7"})
        );
        assert_eq!(doc["features"][1]["properties"]["kinds"], json!(["association"]));
        assert_eq!(doc["features"][1]["properties"]["type"], "organisation");
    }

    #[test]
    fn an_empty_collection_is_valid_json() {
        let out = Shared::default();
        let w: Box<dyn RecordWriter> = Box::new(Writer::new(out.clone()).unwrap());
        w.finish().unwrap();
        assert_eq!(out.json(), json!({"type": "FeatureCollection", "features": []}));
    }
}
