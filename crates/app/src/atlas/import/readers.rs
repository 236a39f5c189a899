//! Turning input files into rows of named columns.
//!
//! CSV streams (any delimiter, UTF-8 or Windows-1252: see
//! `interop::csv_input`). JSON is an array of objects, possibly under a key;
//! nested objects flatten to dotted columns (`adresse.commune`). GeoJSON
//! features give their properties plus `_lat` and `_lon` from a Point.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::Value as Json;

use super::mapping::{InputFormat, Row};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the input: {0}")]
    Io(String),
    #[error("the input is not valid {format}: {message}")]
    Format { format: &'static str, message: String },
}

/// The rows of an input, in order. CSV is read as it goes; JSON and GeoJSON
/// are parsed whole (the shared sources are a few megabytes).
pub fn rows(
    format: InputFormat,
    input: impl Read + Send + 'static,
    json_root: Option<&str>,
) -> Result<Box<dyn Iterator<Item = Result<Row, ReadError>> + Send>, ReadError> {
    match format {
        InputFormat::Csv => {
            let records = interop::csv_input::CsvReader::new(input)
                .map_err(|e| ReadError::Format { format: "CSV", message: e.to_string() })?;
            Ok(Box::new(records.map(|r| {
                r.map(|(line, columns)| Row { line, values: columns.into_iter().collect() })
                    .map_err(|e| ReadError::Format { format: "CSV", message: e.to_string() })
            })))
        }
        InputFormat::Json | InputFormat::Geojson => {
            let doc: Json = serde_json::from_reader(input)
                .map_err(|e| ReadError::Format { format: "JSON", message: e.to_string() })?;
            let items = if format == InputFormat::Geojson { geojson_rows(doc)? } else { json_rows(doc, json_root)? };
            Ok(Box::new(items.into_iter().map(Ok)))
        }
    }
}

fn json_rows(doc: Json, root: Option<&str>) -> Result<Vec<Row>, ReadError> {
    let array = match (root, doc) {
        (Some(key), Json::Object(mut o)) => o.remove(key).unwrap_or(Json::Null),
        (_, other) => other,
    };
    let Json::Array(items) = array else {
        return Err(ReadError::Format { format: "JSON", message: "expected an array of objects".into() });
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let mut values = BTreeMap::new();
            flatten("", &item, &mut values);
            // "Lines" of a JSON array are its items, numbered from 1.
            Row { line: i + 1, values }
        })
        .collect())
}

fn geojson_rows(doc: Json) -> Result<Vec<Row>, ReadError> {
    let Some(Json::Array(features)) = doc.get("features").cloned() else {
        return Err(ReadError::Format { format: "GeoJSON", message: "expected a FeatureCollection".into() });
    };
    Ok(features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut values = BTreeMap::new();
            if let Some(props) = f.get("properties") {
                flatten("", props, &mut values);
            }
            if let Some(id) = f.get("id") {
                values.insert("_id".into(), scalar(id));
            }
            if f.pointer("/geometry/type").and_then(Json::as_str) == Some("Point")
                && let Some(Json::Array(c)) = f.pointer("/geometry/coordinates")
                && c.len() >= 2
            {
                // RFC 7946: longitude first.
                values.insert("_lon".into(), scalar(&c[0]));
                values.insert("_lat".into(), scalar(&c[1]));
            }
            Row { line: i + 1, values }
        })
        .collect())
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, v: &Json, out: &mut BTreeMap<String, String>) {
    match v {
        Json::Object(o) => {
            for (k, v) in o {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        // Arrays of scalars become `|`-separated text, as in the national schema.
        Json::Array(items) => {
            let joined: Vec<String> = items.iter().map(scalar).filter(|s| !s.is_empty()).collect();
            out.insert(prefix.to_owned(), joined.join("|"));
        }
        other => {
            out.insert(prefix.to_owned(), scalar(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(format: InputFormat, text: &'static str, root: Option<&str>) -> Vec<Row> {
        rows(format, text.as_bytes(), root).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn json_objects_flatten_to_columns() {
        let r = collect(
            InputFormat::Json,
            r#"{"data": [{"nom": "A", "adresse": {"commune": "Ruffec"}, "services": ["x", "y"], "lat": 46.1}]}"#,
            Some("data"),
        );
        assert_eq!(r[0].get("nom"), Some("A"));
        assert_eq!(r[0].get("adresse.commune"), Some("Ruffec"));
        assert_eq!(r[0].get("services"), Some("x|y"));
        assert_eq!(r[0].get("lat"), Some("46.1"));
        assert!(rows(InputFormat::Json, &b"{\"oops\": 1}"[..], None).is_err());
    }

    #[test]
    fn geojson_points_give_lat_and_lon() {
        let r = collect(
            InputFormat::Geojson,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"f1","geometry":{"type":"Point","coordinates":[0.19,46.03]},"properties":{"nom":"B"}}]}"#,
            None,
        );
        assert_eq!((r[0].get("_lat"), r[0].get("_lon"), r[0].get("_id")), (Some("46.03"), Some("0.19"), Some("f1")));
    }
}
