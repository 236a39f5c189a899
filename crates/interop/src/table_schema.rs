//! A small validator for Frictionless Table Schemas: the fields of a CSV
//! file, their types and constraints, checked row by row.
//!
//! Supported: types `string`, `number`, `integer`, `boolean`, `date`,
//! `datetime` (and `any`); constraints `required`, `unique`, `pattern`,
//! `enum`, `minLength`, `maxLength`, `minimum`, `maximum`. Values listed in
//! `missingValues` (by default the empty string) are missing. Patterns are
//! matched against the whole value, as the specification says. Other types
//! (`year`, `geopoint`, …) are accepted as strings.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::Value as Json;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the schema is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("field {field}: {message}")]
    Field { field: String, message: String },
    #[error("the schema has no fields")]
    NoFields,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Number,
    Integer,
    Boolean,
    Date,
    Datetime,
    Any,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// `format` of dates and datetimes: `default`, `any` or a strftime pattern.
    pub format: Option<String>,
    pub required: bool,
    pub unique: bool,
    pattern: Option<(String, regex::Regex)>,
    pub enumeration: Option<Vec<String>>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<Json>,
    pub maximum: Option<Json>,
}

impl Field {
    pub fn pattern(&self) -> Option<&str> {
        self.pattern.as_ref().map(|(p, _)| p.as_str())
    }
}

/// A parsed Table Schema.
#[derive(Debug, Clone)]
pub struct TableSchema {
    pub fields: Vec<Field>,
    pub missing_values: Vec<String>,
}

/// What is wrong where. `row` counts data rows from 1 (the header is row 0);
/// `column` is the field's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub row: usize,
    pub column: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The header lacks a field of the schema.
    MissingColumn,
    /// The header has a column the schema does not know.
    ExtraColumn,
    /// The header's columns are not in the schema's order.
    WrongPosition {
        expected: usize,
        found: usize,
    },
    /// A data row has a different number of cells than the header.
    WrongCellCount {
        expected: usize,
        found: usize,
    },
    Required,
    Type {
        value: String,
        expected: FieldType,
    },
    Pattern {
        value: String,
    },
    Enum {
        value: String,
    },
    MinLength {
        value: String,
        min: usize,
    },
    MaxLength {
        value: String,
        max: usize,
    },
    Minimum {
        value: String,
    },
    Maximum {
        value: String,
    },
    Unique {
        value: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}, column {}: ", self.row, self.column)?;
        match &self.problem {
            Problem::MissingColumn => write!(f, "missing column"),
            Problem::ExtraColumn => write!(f, "column not in the schema"),
            Problem::WrongPosition { expected, found } => {
                write!(f, "column at position {found}, expected at {expected}")
            }
            Problem::WrongCellCount { expected, found } => write!(f, "{found} cells, expected {expected}"),
            Problem::Required => write!(f, "a value is required"),
            Problem::Type { value, expected } => write!(f, "{value:?} is not a valid {expected:?}"),
            Problem::Pattern { value } => write!(f, "{value:?} does not match the pattern"),
            Problem::Enum { value } => write!(f, "{value:?} is not one of the allowed values"),
            Problem::MinLength { value, min } => write!(f, "{value:?} is shorter than {min} characters"),
            Problem::MaxLength { value, max } => write!(f, "{value:?} is longer than {max} characters"),
            Problem::Minimum { value } => write!(f, "{value:?} is below the minimum"),
            Problem::Maximum { value } => write!(f, "{value:?} is above the maximum"),
            Problem::Unique { value } => write!(f, "{value:?} appears more than once"),
        }
    }
}

/// A typed cell value, for comparisons with `minimum`, `maximum` and `enum`.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Typed {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    Datetime(NaiveDateTime),
}

const TRUE_VALUES: &[&str] = &["true", "True", "TRUE", "1"];
const FALSE_VALUES: &[&str] = &["false", "False", "FALSE", "0"];

impl TableSchema {
    pub fn parse(text: &str) -> Result<Self, SchemaError> {
        let doc: Json = serde_json::from_str(text)?;
        let Some(Json::Array(raw_fields)) = doc.get("fields") else { return Err(SchemaError::NoFields) };
        let missing_values = match doc.get("missingValues") {
            Some(Json::Array(vs)) => vs.iter().filter_map(Json::as_str).map(str::to_owned).collect(),
            _ => vec![String::new()],
        };
        let fields = raw_fields.iter().map(parse_field).collect::<Result<Vec<_>, _>>()?;
        if fields.is_empty() {
            return Err(SchemaError::NoFields);
        }
        Ok(Self { fields, missing_values })
    }

    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// Compares a header with the schema's fields: missing, extra or
    /// misplaced columns (row 0).
    pub fn check_header(&self, header: &[&str]) -> Vec<Violation> {
        let mut out = Vec::new();
        for (expected, field) in self.fields.iter().enumerate() {
            match header.iter().position(|h| *h == field.name) {
                None => out.push(Violation { row: 0, column: field.name.clone(), problem: Problem::MissingColumn }),
                Some(found) if found != expected => out.push(Violation {
                    row: 0,
                    column: field.name.clone(),
                    problem: Problem::WrongPosition { expected, found },
                }),
                Some(_) => {}
            }
        }
        for h in header {
            if !self.fields.iter().any(|f| f.name == *h) {
                out.push(Violation { row: 0, column: (*h).to_owned(), problem: Problem::ExtraColumn });
            }
        }
        out
    }

    /// A validator that remembers values of `unique` fields across rows.
    pub fn validator(&self) -> RowValidator<'_> {
        RowValidator { schema: self, seen: HashMap::new() }
    }

    /// Validates a whole CSV file (comma-separated, UTF-8, header first):
    /// the header, then every row, streamed.
    pub fn validate_csv(&self, input: impl Read) -> Result<Vec<Violation>, csv::Error> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header: Vec<String> =
            reader.headers()?.iter().map(|h| h.trim_start_matches('\u{feff}').to_owned()).collect();
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut out = self.check_header(&header_refs);
        let mut validator = self.validator();
        for (i, record) in reader.records().enumerate() {
            let record = record?;
            let row = i + 1;
            if record.len() != header.len() {
                out.push(Violation {
                    row,
                    column: String::new(),
                    problem: Problem::WrongCellCount { expected: header.len(), found: record.len() },
                });
            }
            let cells: Vec<(&str, &str)> = header_refs.iter().copied().zip(record.iter()).collect();
            out.extend(validator.check(row, &cells));
        }
        Ok(out)
    }
}

/// Checks rows one at a time.
pub struct RowValidator<'s> {
    schema: &'s TableSchema,
    /// Field index → values seen, for `unique` fields only.
    seen: HashMap<usize, HashSet<String>>,
}

impl RowValidator<'_> {
    /// Checks one row given as (column, value) pairs; columns the schema
    /// does not know are ignored (see [`TableSchema::check_header`]), absent
    /// ones are missing values.
    pub fn check(&mut self, row: usize, cells: &[(&str, &str)]) -> Vec<Violation> {
        let mut out = Vec::new();
        for (index, field) in self.schema.fields.iter().enumerate() {
            let value = cells.iter().find(|(c, _)| *c == field.name).map_or("", |(_, v)| *v);
            let mut fail = |problem| out.push(Violation { row, column: field.name.clone(), problem });
            if self.schema.missing_values.iter().any(|m| m == value) {
                if field.required {
                    fail(Problem::Required);
                }
                continue;
            }
            let Some(typed) = cast(field, value) else {
                fail(Problem::Type { value: value.to_owned(), expected: field.ty });
                continue;
            };
            let v = || value.to_owned();
            if let Some((_, re)) = &field.pattern
                && !re.is_match(value)
            {
                fail(Problem::Pattern { value: v() });
            }
            if let Some(allowed) = &field.enumeration
                && !allowed.iter().any(|a| cast(field, a).as_ref() == Some(&typed))
            {
                fail(Problem::Enum { value: v() });
            }
            if let Typed::Text(s) = &typed {
                let len = s.chars().count();
                if let Some(min) = field.min_length.filter(|m| len < *m) {
                    fail(Problem::MinLength { value: v(), min });
                }
                if let Some(max) = field.max_length.filter(|m| len > *m) {
                    fail(Problem::MaxLength { value: v(), max });
                }
            }
            if let Some(min) = field.minimum.as_ref().and_then(|m| bound(field, m))
                && typed < min
            {
                fail(Problem::Minimum { value: v() });
            }
            if let Some(max) = field.maximum.as_ref().and_then(|m| bound(field, m))
                && typed > max
            {
                fail(Problem::Maximum { value: v() });
            }
            if field.unique && !self.seen.entry(index).or_default().insert(value.to_owned()) {
                fail(Problem::Unique { value: v() });
            }
        }
        out
    }
}

fn parse_field(raw: &Json) -> Result<Field, SchemaError> {
    let name = raw.get("name").and_then(Json::as_str).unwrap_or_default().to_owned();
    let err = |message: String| SchemaError::Field { field: name.clone(), message };
    if name.is_empty() {
        return Err(err("a field has no name".into()));
    }
    let ty = match raw.get("type").and_then(Json::as_str).unwrap_or("string") {
        "string" => FieldType::String,
        "number" => FieldType::Number,
        "integer" => FieldType::Integer,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "any" => FieldType::Any,
        // Types we do not check in depth are read as text.
        _ => FieldType::String,
    };
    let c = raw.get("constraints").cloned().unwrap_or(Json::Null);
    let length = |key: &str| c.get(key).and_then(Json::as_u64).map(|n| n as usize);
    let pattern = match c.get("pattern").and_then(Json::as_str) {
        None => None,
        Some(p) => {
            let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| err(format!("bad pattern: {e}")))?;
            Some((p.to_owned(), re))
        }
    };
    let enumeration = c.get("enum").and_then(Json::as_array).map(|vs| {
        vs.iter()
            .map(|v| match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    });
    Ok(Field {
        ty,
        format: raw.get("format").and_then(Json::as_str).map(str::to_owned),
        required: c.get("required").and_then(Json::as_bool).unwrap_or(false),
        unique: c.get("unique").and_then(Json::as_bool).unwrap_or(false),
        pattern,
        enumeration,
        min_length: length("minLength"),
        max_length: length("maxLength"),
        minimum: c.get("minimum").cloned(),
        maximum: c.get("maximum").cloned(),
        name,
    })
}

/// A bound of `minimum`/`maximum`, typed like the field's values.
fn bound(field: &Field, raw: &Json) -> Option<Typed> {
    match raw {
        Json::Number(n) => n.as_f64().map(Typed::Number),
        Json::String(s) => cast(field, s),
        _ => None,
    }
}

fn cast(field: &Field, value: &str) -> Option<Typed> {
    let format = field.format.as_deref().filter(|f| *f != "default");
    match field.ty {
        FieldType::String | FieldType::Any => Some(Typed::Text(value.to_owned())),
        FieldType::Number => {
            let v = value.trim();
            match v {
                "NaN" => Some(Typed::Number(f64::NAN)),
                "INF" => Some(Typed::Number(f64::INFINITY)),
                "-INF" => Some(Typed::Number(f64::NEG_INFINITY)),
                // Rust also reads "inf" and "nan"; the specification does not.
                _ if !v.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')) => None,
                _ => v.parse::<f64>().ok().map(Typed::Number),
            }
        }
        FieldType::Integer => value.trim().parse::<i64>().ok().map(|n| Typed::Number(n as f64)),
        FieldType::Boolean => {
            if TRUE_VALUES.contains(&value) {
                Some(Typed::Bool(true))
            } else if FALSE_VALUES.contains(&value) {
                Some(Typed::Bool(false))
            } else {
                None
            }
        }
        FieldType::Date => match format {
            None => (value.len() == 10).then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()).flatten(),
            Some("any") => ["%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(value, f).ok()),
            Some(pattern) => NaiveDate::parse_from_str(value, pattern).ok(),
        }
        .map(Typed::Date),
        FieldType::Datetime => match format {
            // ISO 8601 with a time zone (`Z` or an offset).
            None => DateTime::parse_from_rfc3339(value).ok().map(|d| d.naive_utc()),
            Some("any") => DateTime::parse_from_rfc3339(value)
                .ok()
                .map(|d| d.naive_utc())
                .or_else(|| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").ok())
                .or_else(|| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").ok()),
            Some(pattern) => NaiveDateTime::parse_from_str(value, pattern).ok(),
        }
        .map(Typed::Datetime),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{
        "fields": [
            {"name": "id", "type": "string", "constraints": {"required": true, "unique": true}},
            {"name": "code", "type": "string", "constraints": {"pattern": "\\d{5}", "minLength": 5, "maxLength": 5}},
            {"name": "n", "type": "integer", "constraints": {"minimum": 1, "maximum": 10}},
            {"name": "x", "type": "number"},
            {"name": "ok", "type": "boolean"},
            {"name": "when", "type": "date", "constraints": {"minimum": "2020-01-01"}},
            {"name": "at", "type": "datetime"},
            {"name": "colour", "type": "string", "constraints": {"enum": ["red", "blue"]}}
        ]
    }"#;

    fn problems(csv: &str) -> Vec<(usize, String, Problem)> {
        let schema = TableSchema::parse(SCHEMA).unwrap();
        schema.validate_csv(csv.as_bytes()).unwrap().into_iter().map(|v| (v.row, v.column, v.problem)).collect()
    }

    const HEADER: &str = "id,code,n,x,ok,when,at,colour\n";

    #[test]
    fn valid_rows_have_no_violations() {
        let csv = format!(
            "{HEADER}a,16000,3,-0.5,true,2024-04-02,2024-04-02T10:00:00Z,red\nb,,,,,,,\nc,75001,10,1e3,0,2020-01-01,2024-04-02T10:00:00+02:00,blue\n"
        );
        assert_eq!(problems(&csv), vec![]);
    }

    #[test]
    fn each_constraint_is_reported_on_its_row_and_column() {
        let csv = format!(
            "{HEADER}a,1600,0,abc,yes,02/04/2024,2024-04-02 10:00,green\n,16000,11,1,1,2019-12-31,2024-04-02T10:00:00Z,red\na,16000,5,1,1,2024-01-01,,\n"
        );
        let p = problems(&csv);
        let has = |row: usize, col: &str, f: &dyn Fn(&Problem) -> bool| {
            assert!(p.iter().any(|(r, c, pr)| *r == row && c == col && f(pr)), "row {row} {col}: {p:?}")
        };
        has(1, "code", &|p| matches!(p, Problem::Pattern { .. }));
        has(1, "code", &|p| matches!(p, Problem::MinLength { min: 5, .. }));
        has(1, "n", &|p| matches!(p, Problem::Minimum { .. }));
        has(1, "x", &|p| matches!(p, Problem::Type { expected: FieldType::Number, .. }));
        has(1, "ok", &|p| matches!(p, Problem::Type { expected: FieldType::Boolean, .. }));
        has(1, "when", &|p| matches!(p, Problem::Type { expected: FieldType::Date, .. }));
        has(1, "at", &|p| matches!(p, Problem::Type { expected: FieldType::Datetime, .. }));
        has(1, "colour", &|p| matches!(p, Problem::Enum { .. }));
        has(2, "id", &|p| *p == Problem::Required);
        has(2, "n", &|p| matches!(p, Problem::Maximum { .. }));
        has(2, "when", &|p| matches!(p, Problem::Minimum { .. }));
        has(3, "id", &|p| matches!(p, Problem::Unique { value } if value == "a"));
        assert_eq!(p.len(), 12, "{p:?}");
    }

    #[test]
    fn headers_must_list_the_fields_in_order() {
        let p = problems("code,id,n,x,ok,when,at,extra\n");
        assert!(p.contains(&(0, "colour".into(), Problem::MissingColumn)));
        assert!(p.contains(&(0, "extra".into(), Problem::ExtraColumn)));
        assert!(p.contains(&(0, "id".into(), Problem::WrongPosition { expected: 0, found: 1 })));
        let short = problems(&format!("{HEADER}a,16000\n"));
        assert!(
            short.iter().any(|(r, _, p)| *r == 1 && matches!(p, Problem::WrongCellCount { expected: 8, found: 2 }))
        );
    }

    #[test]
    fn patterns_match_the_whole_value() {
        let schema = TableSchema::parse(SCHEMA).unwrap();
        let mut v = schema.validator();
        assert!(v.check(1, &[("id", "x"), ("code", "160001")]).iter().any(|p| p.column == "code"));
        assert_eq!(v.check(2, &[("id", "y"), ("code", "16000")]), vec![]);
        assert!(TableSchema::parse(r#"{"fields": []}"#).is_err());
        assert!(TableSchema::parse(r#"{"fields": [{"name": "a", "constraints": {"pattern": "("}}]}"#).is_err());
    }
}
