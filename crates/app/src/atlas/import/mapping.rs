//! Mapping files: how the columns of a source become the fields of our
//! records. One file per source format, in `mappings/` at the repository
//! root; the format is documented in `mappings/README.md`.
//!
//! A mapping turns one input row into one or more records (a place and the
//! service offered there), or rejects the row with a reason. Conversions
//! are chosen by the target field: hours are checked as OSM opening_hours,
//! pivots as SIRET/RNA, phones normalised to E.164, and so on. A row either
//! maps completely or is rejected: nothing is stored half.

use std::collections::BTreeMap;

use domain::atlas::fields::{Cardinality, ValueType, field_spec};
use domain::atlas::{RecordKind, Value};
use serde::Deserialize;

/// A mapping file, as parsed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub source: SourceInfo,
    #[serde(rename = "record")]
    pub records: Vec<RecordMapping>,
}

/// Who publishes the source and under which licence: shown on record pages
/// and credited in every export.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    /// Default source name (`--source` overrides it for files of the same format).
    pub name: String,
    pub title: String,
    pub publisher: String,
    pub url: String,
    pub licence: String,
    pub format: InputFormat,
    /// For JSON wrapped in an object: the key holding the array.
    #[serde(default)]
    pub json_root: Option<String>,
    /// Sample records made up for a demonstration: their pages say so.
    #[serde(default)]
    pub synthetic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    Csv,
    Json,
    Geojson,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMapping {
    pub kind: RecordKind,
    /// A template over columns, e.g. `"{id}"` or `"{id_fs}:service"`.
    pub id: String,
    /// A column with the source's own update date.
    #[serde(default)]
    pub observed_at: Option<String>,
    /// Link this record to the row's first record with this link type.
    #[serde(default)]
    pub link: Option<String>,
    pub fields: BTreeMap<String, Rule>,
}

/// How to compute one field.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    /// The value of a column.
    Column(String),
    /// A fixed value.
    Value { value: toml::Value },
    /// Coordinates from two columns.
    Geo { lat: String, lon: String },
    /// French hours per weekday, Monday first (`09:00 - 12:00 / 13:30 - 17:00`).
    Weekdays { weekdays: Vec<String> },
    /// Hours as the town-hall directory's JSON (`[["lundi","vendredi",[["09:00:00","12:00:00"]]]]`).
    DayRanges { day_ranges: String },
    /// Several columns joined by a separator.
    Join {
        join: Vec<String>,
        #[serde(default = "space")]
        separator: String,
    },
    /// Text with `{column}` placeholders.
    Template { template: String },
    /// The first non-empty of several columns, optionally split and mapped.
    Columns {
        #[serde(alias = "column", deserialize_with = "one_or_many")]
        columns: Vec<String>,
        #[serde(default)]
        split: Vec<String>,
        #[serde(default)]
        map: BTreeMap<String, toml::Value>,
        #[serde(default)]
        unmapped: Unmapped,
        /// Values always added (list fields), e.g. a kind every row has.
        #[serde(default)]
        add: Vec<String>,
        /// A regular expression whose first group is the value, to pick a
        /// part of a column (a postal code inside an address).
        #[serde(default, with = "optional_regex")]
        capture: Option<regex::Regex>,
    },
}

/// Regular expressions in mapping files are compiled once, when parsed.
mod optional_regex {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<regex::Regex>, D::Error> {
        let Some(pattern) = Option::<String>::deserialize(d)? else { return Ok(None) };
        regex::Regex::new(&pattern).map(Some).map_err(serde::de::Error::custom)
    }
}

fn space() -> String {
    " ".into()
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// What to do with a term missing from a `map`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmapped {
    #[default]
    Keep,
    Drop,
    Reject,
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("the mapping file is not valid TOML or lacks something: {0}")]
    Syntax(String),
    #[error("record {index}: unknown field {field:?} for a {kind}")]
    UnknownField { index: usize, field: String, kind: &'static str },
    #[error("record {index}, field {field:?}: {message}")]
    BadRule { index: usize, field: String, message: String },
}

impl Mapping {
    pub fn parse(text: &str) -> Result<Self, MappingError> {
        // TOML by default; JSON when the text is an object (mappings
        // generated by other tools).
        let mapping: Mapping = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| MappingError::Syntax(e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| MappingError::Syntax(e.to_string()))?
        };
        for (index, r) in mapping.records.iter().enumerate() {
            for (field, rule) in &r.fields {
                let spec = field_spec(r.kind, field).ok_or_else(|| MappingError::UnknownField {
                    index: index + 1,
                    field: field.clone(),
                    kind: r.kind.as_str(),
                })?;
                let bad = |message: &str| MappingError::BadRule {
                    index: index + 1,
                    field: field.clone(),
                    message: message.into(),
                };
                match (rule, spec.ty) {
                    (Rule::Geo { .. }, ValueType::Geo) => {}
                    (Rule::Geo { .. }, _) => return Err(bad("lat/lon rules only fit the geo field")),
                    (_, ValueType::Geo) => return Err(bad("the geo field needs { lat = …, lon = … }")),
                    (Rule::Weekdays { weekdays }, _) if weekdays.len() < 5 || weekdays.len() > 7 => {
                        return Err(bad("weekdays lists 5 to 7 columns, Monday first"));
                    }
                    (Rule::Weekdays { .. } | Rule::DayRanges { .. }, _) if *field != "opening_hours" => {
                        return Err(bad("weekdays and day_ranges only fit opening_hours"));
                    }
                    _ => {}
                }
                if spec.cardinality == Cardinality::One
                    && let Rule::Columns { add, .. } = rule
                    && !add.is_empty()
                {
                    return Err(bad("add only fits fields holding several values"));
                }
            }
            if !r.fields.contains_key("name") {
                return Err(MappingError::BadRule {
                    index: index + 1,
                    field: "name".into(),
                    message: "every record needs a name".into(),
                });
            }
        }
        Ok(mapping)
    }
}

/// One input row: column → raw text, and where it was in the file.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub line: usize,
    pub values: BTreeMap<String, String>,
}

impl Row {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

/// Fills `{column}` placeholders; `None` when a referenced column is empty.
pub fn fill_template(template: &str, row: &Row) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        out.push_str(row.get(&rest[start + 1..end])?);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A TOML value as one of ours.
pub fn toml_to_value(v: &toml::Value) -> Option<Value> {
    Some(match v {
        toml::Value::String(s) => Value::Text(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Num(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Array(items) => Value::List(items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
        [source]
        name = "exemple"
        title = "Exemple"
        publisher = "Nous"
        url = "https://exemple.fr"
        licence = "Licence Ouverte 2.0"
        format = "csv"

        [[record]]
        kind = "place"
        id = "{id}"
        [record.fields]
        name = "nom"
        kinds = { value = ["fablab"] }
        geo = { lat = "lat", lon = "lon" }
        emails = { column = "mail", split = [";"] }
        opening_hours = { weekdays = ["lu", "ma", "me", "je", "ve"] }

        [[record]]
        kind = "service"
        id = "{id}:service"
        link = "offered-at"
        [record.fields]
        name = { value = "Prototypage" }
        fees = { columns = ["frais", "tarif"], split = ["|"], map = { "Gratuit" = "gratuit" }, unmapped = "drop" }
    "#;

    #[test]
    fn parses_a_mapping_with_every_kind_of_rule() {
        let m = Mapping::parse(SAMPLE).unwrap();
        assert_eq!(m.source.format, InputFormat::Csv);
        assert_eq!(m.records.len(), 2);
        assert!(matches!(m.records[0].fields["name"], Rule::Column(ref c) if c == "nom"));
        assert!(matches!(m.records[0].fields["geo"], Rule::Geo { .. }));
        assert!(matches!(m.records[0].fields["opening_hours"], Rule::Weekdays { .. }));
        assert!(
            matches!(m.records[1].fields["fees"], Rule::Columns { ref columns, unmapped: Unmapped::Drop, .. } if columns.len() == 2)
        );
        assert_eq!(m.records[1].link.as_deref(), Some("offered-at"));
    }

    #[test]
    fn refuses_mappings_that_cannot_work() {
        let unknown = SAMPLE.replace("kinds = {", "sorts = {");
        assert!(matches!(Mapping::parse(&unknown), Err(MappingError::UnknownField { .. })));
        let geo_on_text = SAMPLE.replace("geo = { lat", "street = { lat");
        assert!(matches!(Mapping::parse(&geo_on_text), Err(MappingError::BadRule { .. })));
        assert!(matches!(Mapping::parse("[source]\nname = 1"), Err(MappingError::Syntax(_))));
    }

    #[test]
    fn templates_fill_from_columns() {
        let row = Row { line: 2, values: [("id".to_owned(), " 42 ".to_owned())].into() };
        assert_eq!(fill_template("{id}:service", &row).as_deref(), Some("42:service"));
        assert_eq!(fill_template("{missing}", &row), None);
    }
}

/// The mappings shipped with Maillage, by name (the files in `mappings/`).
pub const SHIPPED: &[(&str, &str)] = &[
    ("france-services", include_str!("../../../../../mappings/france-services.toml")),
    ("mednum", include_str!("../../../../../mappings/mednum.toml")),
    ("mairies", include_str!("../../../../../mappings/mairies.toml")),
];

#[cfg(test)]
mod shipped_tests {
    #[test]
    fn every_shipped_mapping_parses() {
        for (name, text) in super::SHIPPED {
            let m = super::Mapping::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.source.name, *name);
        }
    }

    #[test]
    fn a_mapping_may_be_written_in_json() {
        let (_, toml_text) = super::SHIPPED[0];
        let as_json = serde_json::to_string(&toml::from_str::<toml::Value>(toml_text).unwrap()).unwrap();
        let (from_toml, from_json) =
            (super::Mapping::parse(toml_text).unwrap(), super::Mapping::parse(&as_json).unwrap());
        assert_eq!(from_json.source.name, from_toml.source.name);
        assert_eq!(from_json.records.len(), from_toml.records.len());
        assert_eq!(from_json.records[0].fields.len(), from_toml.records[0].fields.len());
        assert!(super::Mapping::parse("{\"source\": 3}").is_err());
    }
}
