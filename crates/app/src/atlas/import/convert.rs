//! Applying a record mapping to one row: typed, checked values or a
//! rejection naming the field and the reason.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use domain::atlas::fields::{Cardinality, FieldSpec, ValueType, field_spec};
use domain::atlas::hours::{OpeningHours, from_day_ranges, from_french_weekdays};
use domain::atlas::ids::{IdError, Pivot, normalize_email, normalize_phone, normalize_url};
use domain::atlas::{RecordKind, Value};
use domain::territory::Territory;

use super::mapping::{RecordMapping, Row, Rule, Unmapped, fill_template, toml_to_value};

/// A record as one source describes it, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRecord {
    pub kind: RecordKind,
    pub source_id: String,
    pub fields: BTreeMap<String, Value>,
    /// The source's own update date, in microseconds.
    pub observed_at: Option<i64>,
    /// Link to the row's first record, e.g. a service offered at a place.
    pub link: Option<String>,
    /// Values left out because they were malformed; the record stands without them.
    pub dropped: Vec<Rejection>,
}

/// Fields a record cannot stand without: a malformed value rejects the row.
/// Any other malformed value (a phone, hours, a SIRET) is left out and
/// reported, so one typo does not take a place off the map.
const ESSENTIAL: &[&str] = &["name", "commune_insee", "postal_code", "commune_name"];

/// Why a row was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub field: Option<String>,
    pub reason: String,
}

impl Rejection {
    fn field(field: &str, reason: impl Into<String>) -> Self {
        Self { field: Some(field.to_owned()), reason: reason.into() }
    }
}

/// Metropolitan France and the overseas territories, roughly: coordinates
/// outside every box are a mistake (swapped, zero, another country).
const FRANCE_BOXES: &[(f64, f64, f64, f64)] = &[
    (41.0, -5.5, 51.5, 10.0),       // metropole and Corsica
    (15.8, -61.9, 16.6, -60.9),     // Guadeloupe
    (17.8, -63.2, 18.2, -62.7),     // Saint-Martin, Saint-Barthélemy
    (14.3, -61.3, 15.0, -60.7),     // Martinique
    (2.0, -54.7, 6.0, -51.5),       // Guyane
    (-21.5, 55.1, -20.8, 55.9),     // La Réunion
    (-13.1, 44.9, -12.5, 45.4),     // Mayotte
    (46.7, -56.5, 47.2, -56.1),     // Saint-Pierre-et-Miquelon
    (-22.8, 163.5, -19.5, 168.2),   // Nouvelle-Calédonie
    (-28.0, -155.0, -7.0, -134.0),  // Polynésie française
    (-14.4, -178.3, -13.2, -176.1), // Wallis-et-Futuna
];

fn in_france(lat: f64, lon: f64) -> bool {
    FRANCE_BOXES.iter().any(|(a, b, c, d)| lat >= *a && lat <= *c && lon >= *b && lon <= *d)
}

/// Separators of several values typed in one form field.
const FORM_SEPARATORS: &[&str] = &["\n", ";"];

/// A value typed by a person in an edit form, checked as imports check
/// values of that field. Several values go one per line (or `;`-separated);
/// coordinates as `latitude, longitude`; empty means "no value".
pub fn parse_input(kind: RecordKind, field: &str, raw: &str) -> Result<Option<Value>, Rejection> {
    let spec = field_spec(kind, field).ok_or_else(|| Rejection::field(field, "this field does not exist"))?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if spec.ty == ValueType::Geo {
        let (lat, lon) =
            raw.split_once([',', ';', ' ']).ok_or_else(|| Rejection::field(field, "give latitude, longitude"))?;
        return geo(Some(lat.trim()), Some(lon.trim())).map_err(|r| Rejection::field(field, r));
    }
    let separators: Vec<String> = FORM_SEPARATORS.iter().map(|s| (*s).to_owned()).collect();
    let split: &[String] = if spec.cardinality == Cardinality::Many { &separators } else { &[] };
    typed(&spec, Some(raw.to_owned()), &Terms { split, ..Terms::default() })
}

/// Applies one record mapping to a row.
pub fn apply(m: &RecordMapping, row: &Row, territory: &Territory) -> Result<MappedRecord, Rejection> {
    let source_id = fill_template(&m.id, row)
        .ok_or_else(|| Rejection { field: None, reason: format!("no identifier (template {})", m.id) })?;
    let mut fields = BTreeMap::new();
    let mut dropped = Vec::new();
    for (name, rule) in &m.fields {
        let spec = field_spec(m.kind, name).ok_or_else(|| Rejection::field(name, "unknown field"))?;
        match compute(&spec, rule, row) {
            Ok(Some(v)) if !v.is_empty() => {
                fields.insert(name.clone(), v);
            }
            Ok(_) => {}
            Err(r) if ESSENTIAL.contains(&name.as_str()) => return Err(r),
            Err(r) => dropped.push(r),
        }
    }
    if fields.get("name").is_none_or(|v| v.is_empty()) {
        return Err(Rejection::field("name", "the name is missing"));
    }
    if m.kind != RecordKind::Service {
        attach_commune(&mut fields, territory)?;
    }
    let observed_at = m.observed_at.as_deref().and_then(|c| row.get(c)).and_then(parse_date);
    Ok(MappedRecord { kind: m.kind, source_id, fields, observed_at, link: m.link.clone(), dropped })
}

/// Every place and organisation belongs to a commune of the referential;
/// one given by postal code and name gets its INSEE code.
fn attach_commune(fields: &mut BTreeMap<String, Value>, territory: &Territory) -> Result<(), Rejection> {
    let text = |f: &str| fields.get(f).and_then(Value::as_text).map(str::to_owned);
    let (insee, postal, name) = (text("commune_insee"), text("postal_code"), text("commune_name"));
    let geo = fields.get("geo").and_then(Value::as_geo);
    match territory.locate_near(insee.as_deref(), postal.as_deref(), name.as_deref(), geo) {
        Ok(c) => {
            fields.insert("commune_insee".into(), Value::Text(c.code.clone()));
            if name.is_none() {
                fields.insert("commune_name".into(), Value::Text(c.name.clone()));
            }
            Ok(())
        }
        Err(e) => Err(Rejection::field("commune_insee", format!("unknown commune: {e}"))),
    }
}

fn compute(spec: &FieldSpec, rule: &Rule, row: &Row) -> Result<Option<Value>, Rejection> {
    let name = spec.name;
    match rule {
        Rule::Value { value } => {
            toml_to_value(value).map(Some).ok_or_else(|| Rejection::field(name, "unsupported constant in the mapping"))
        }
        Rule::Geo { lat, lon } => geo(row.get(lat), row.get(lon)).map_err(|r| Rejection::field(name, r)),
        Rule::Weekdays { weekdays } => {
            let mut days: [Option<&str>; 7] = [None; 7];
            for (i, col) in weekdays.iter().enumerate() {
                days[i] = row.get(col);
            }
            from_french_weekdays(days)
                .map(|h| h.map(|h| Value::Text(h.as_str().to_owned())))
                .map_err(|e| Rejection::field(name, format!("malformed hours: {e}")))
        }
        Rule::DayRanges { day_ranges } => match row.get(day_ranges) {
            None => Ok(None),
            Some(json) => day_ranges_hours(json).map_err(|e| Rejection::field(name, format!("malformed hours: {e}"))),
        },
        Rule::Join { join, separator } => {
            let parts: Vec<&str> = join.iter().filter_map(|c| row.get(c)).collect();
            let joined = parts.join(separator);
            typed(spec, if joined.is_empty() { None } else { Some(joined) }, &Terms::default())
        }
        Rule::Template { template } => typed(spec, fill_template(template, row), &Terms::default()),
        Rule::Column(col) => typed(spec, row.get(col).map(str::to_owned), &Terms::default()),
        Rule::Columns { columns, split, map, unmapped, add, capture } => {
            let raw = columns.iter().find_map(|c| row.get(c));
            let raw = match capture {
                None => raw.map(str::to_owned),
                Some(re) => {
                    raw.and_then(|r| re.captures(r)).and_then(|c| c.get(1)).map(|m| m.as_str().trim().to_owned())
                }
            };
            let terms = Terms { split, map, unmapped: *unmapped, add };
            typed(spec, raw, &terms)
        }
    }
}

/// How a rule turns raw text into terms.
#[derive(Clone, Copy)]
struct Terms<'a> {
    split: &'a [String],
    map: &'a BTreeMap<String, toml::Value>,
    unmapped: Unmapped,
    add: &'a [String],
}

static NO_MAP: std::sync::LazyLock<BTreeMap<String, toml::Value>> = std::sync::LazyLock::new(BTreeMap::new);

impl Default for Terms<'_> {
    fn default() -> Self {
        Terms { split: &[], map: &NO_MAP, unmapped: Unmapped::Keep, add: &[] }
    }
}

/// Converts a raw text to the field's type, mapping terms and checking values.
fn typed(spec: &FieldSpec, raw: Option<String>, terms: &Terms<'_>) -> Result<Option<Value>, Rejection> {
    let Terms { split, map, unmapped, add } = *terms;
    let name = spec.name;
    let Some(raw) = raw.or_else(|| (!add.is_empty()).then(String::new)) else { return Ok(None) };
    let map_term = |term: &str| -> Result<Option<Value>, Rejection> {
        if map.is_empty() {
            return Ok(Some(Value::Text(term.to_owned())));
        }
        match map.get(term).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(term)).map(|(_, v)| v)) {
            Some(v) => Ok(toml_to_value(v)),
            None => match unmapped {
                Unmapped::Keep => Ok(Some(Value::Text(term.to_owned()))),
                Unmapped::Drop => Ok(None),
                Unmapped::Reject => Err(Rejection::field(name, format!("unknown term {term:?}"))),
            },
        }
    };
    if spec.cardinality == Cardinality::Many {
        let mut items: Vec<String> = Vec::new();
        for term in split_terms(&raw, split).into_iter().filter(|t| !t.is_empty()) {
            let mapped = map_term(term)?;
            let items_of_term = match mapped {
                None => vec![],
                Some(Value::List(l)) => l,
                Some(Value::Text(t)) => vec![t],
                Some(_) => return Err(Rejection::field(name, "the mapping maps a term to a non-text value")),
            };
            for item in items_of_term {
                let item = check_item(name, &item)?;
                if !item.is_empty() && !items.contains(&item) {
                    items.push(item);
                }
            }
        }
        for extra in add {
            if !items.contains(extra) {
                items.push(extra.clone());
            }
        }
        return Ok((!items.is_empty()).then_some(Value::List(items)));
    }
    // A single-valued field given several values keeps the first.
    let first = split_terms(&raw, split).into_iter().next().unwrap_or_default();
    let Some(value) = map_term(first)? else { return Ok(None) };
    match (spec.ty, value) {
        (ValueType::Bool, Value::Text(t)) => parse_bool(&t)
            .map(|b| Some(Value::Bool(b)))
            .ok_or_else(|| Rejection::field(name, format!("not a yes/no value: {t:?}"))),
        (ValueType::Int, Value::Text(t)) => t
            .replace([' ', '\u{a0}'], "")
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| Some(Value::Int(n)))
            .ok_or_else(|| Rejection::field(name, format!("not a whole number: {t:?}"))),
        (ValueType::Text | ValueType::Date, Value::Text(t)) => check_text(name, &t).map(|t| t.map(Value::Text)),
        (_, other) => Ok(Some(other)),
    }
}

fn split_terms<'a>(raw: &'a str, separators: &[String]) -> Vec<&'a str> {
    if separators.is_empty() {
        return vec![raw.trim()];
    }
    let mut parts = vec![raw];
    for sep in separators {
        parts = parts.into_iter().flat_map(|p| p.split(sep.as_str())).collect();
    }
    parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Field-specific checks of single values.
fn check_text(field: &str, value: &str) -> Result<Option<String>, Rejection> {
    let value = value.trim();
    match field {
        "opening_hours" => OpeningHours::parse(value)
            .map(|h| Some(h.as_str().to_owned()))
            .map_err(|e| Rejection::field(field, format!("malformed hours: {e}"))),
        "pivot" | "siret" => match Pivot::parse(value) {
            Ok(p) => Ok(Some(p.as_str().to_owned())),
            Err(IdError::Placeholder | IdError::Empty) => Ok(None),
            Err(e) => Err(Rejection::field(field, format!("invalid SIRET or RNA: {e}"))),
        },
        "acceslibre_url" | "booking_url" => normalize_url(value)
            .map(Some)
            .ok_or_else(|| Rejection::field(field, format!("not a web address: {value:?}"))),
        "summary" if value.chars().count() > 280 => Ok(Some(value.chars().take(279).collect::<String>() + "…")),
        _ => Ok(Some(value.to_owned())),
    }
}

/// Field-specific checks of list items.
fn check_item(field: &str, item: &str) -> Result<String, Rejection> {
    match field {
        "phones" => {
            normalize_phone(item).ok_or_else(|| Rejection::field(field, format!("not a phone number: {item:?}")))
        }
        "emails" => {
            normalize_email(item).ok_or_else(|| Rejection::field(field, format!("not an email address: {item:?}")))
        }
        "websites" => {
            normalize_url(item).ok_or_else(|| Rejection::field(field, format!("not a web address: {item:?}")))
        }
        _ => Ok(item.trim().to_owned()),
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.trim().to_lowercase().as_str() {
        "oui" | "yes" | "true" | "vrai" | "1" | "o" | "y" => Some(true),
        "non" | "no" | "false" | "faux" | "0" | "n" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().replace(',', ".").parse::<f64>().ok().filter(|n| n.is_finite())
}

fn geo(lat: Option<&str>, lon: Option<&str>) -> Result<Option<Value>, String> {
    let (Some(lat_s), Some(lon_s)) = (lat, lon) else {
        return match (lat, lon) {
            (None, None) => Ok(None),
            _ => Err("only one of latitude and longitude is given".into()),
        };
    };
    let (Some(lat), Some(lon)) = (parse_number(lat_s), parse_number(lon_s)) else {
        return Err(format!("coordinates are not numbers: {lat_s:?}, {lon_s:?}"));
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("coordinates out of range: {lat}, {lon}"));
    }
    if !in_france(lat, lon) {
        let hint = if in_france(lon, lat) { " (latitude and longitude look swapped)" } else { "" };
        return Err(format!("coordinates outside France: {lat}, {lon}{hint}"));
    }
    Ok(Some(Value::Geo { lat, lon }))
}

/// Dates sources write: `2024-04-02`, `02/04/2024`; absurd ones (before
/// 1990, like the epoch some sources emit for "unknown") are ignored.
fn parse_date(s: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()?;
    let t = d.and_hms_opt(12, 0, 0)?.and_utc();
    (d.year_ce().1 >= 1990).then(|| t.timestamp_micros())
}

/// One row of the town-hall hours: (first day, last day, [(opens, closes)]).
type TownHallDays = (String, String, Vec<(String, String)>);

/// The town-hall directory's hours: `[["lundi","vendredi",[["09:00:00","12:00:00"],…]],…]`.
fn day_ranges_hours(json: &str) -> Result<Option<Value>, String> {
    let parsed: Vec<TownHallDays> = serde_json::from_str(json).map_err(|e| format!("{e} in {json:?}"))?;
    let mut ranges = Vec::new();
    for (from, to, times) in parsed {
        let day = |d: &str| french_weekday(d).ok_or_else(|| format!("unknown day {d:?}"));
        let times = times
            .iter()
            .map(|(a, b)| {
                let t = |s: &str| {
                    NaiveTime::parse_from_str(s, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
                };
                Ok((t(a).map_err(|_| format!("bad time {a:?}"))?, t(b).map_err(|_| format!("bad time {b:?}"))?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        ranges.push((day(&from)?, day(&to)?, times));
    }
    from_day_ranges(&ranges).map(|h| h.map(|h| Value::Text(h.as_str().to_owned()))).map_err(|e| e.to_string())
}

fn french_weekday(d: &str) -> Option<Weekday> {
    Some(match d.trim().to_lowercase().as_str() {
        "lundi" => Weekday::Mon,
        "mardi" => Weekday::Tue,
        "mercredi" => Weekday::Wed,
        "jeudi" => Weekday::Thu,
        "vendredi" => Weekday::Fri,
        "samedi" => Weekday::Sat,
        "dimanche" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::import::mapping::Mapping;

    fn mapping() -> RecordMapping {
        Mapping::parse(
            r#"
            [source]
            name = "t"
            title = "t"
            publisher = "t"
            url = "https://t.fr"
            licence = "LO2"
            format = "csv"
            [[record]]
            kind = "place"
            id = "{id}"
            observed_at = "maj"
            [record.fields]
            name = "nom"
            postal_code = "cp"
            commune_name = "ville"
            geo = { lat = "lat", lon = "lon" }
            phones = { column = "tel", split = [";"] }
            pivot = "siret"
            accessibility = { column = "handicaps", split = ["|"], map = { "Surdité" = "surdite" }, unmapped = "reject" }
            opening_hours = "horaires"
            "#,
        )
        .unwrap()
        .records
        .remove(0)
    }

    fn row(pairs: &[(&str, &str)]) -> Row {
        Row { line: 2, values: pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() }
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("id", "7"),
            ("nom", "Fablab de Ruffec"),
            ("cp", "16700"),
            ("ville", "Ruffec"),
            ("lat", "46,03"),
            ("lon", "0.19"),
            ("maj", "2024-04-02"),
        ]
    }

    #[test]
    fn maps_a_good_row_and_attaches_its_commune() {
        let r = apply(&mapping(), &row(&base()), Territory::embedded()).unwrap();
        assert_eq!(r.source_id, "7");
        assert_eq!(r.fields["commune_insee"], Value::Text("16292".into()));
        assert_eq!(r.fields["geo"], Value::Geo { lat: 46.03, lon: 0.19 });
        assert!(r.observed_at.is_some());
    }

    #[test]
    fn rejects_rows_without_essentials_and_leaves_out_other_bad_values() {
        let t = Territory::embedded();
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base();
            for (k, v) in extra {
                pairs.retain(|(key, _)| key != k);
                pairs.push((k, v));
            }
            apply(&mapping(), &row(&pairs), t)
        };
        let reason = |r: Result<MappedRecord, Rejection>| r.unwrap_err().reason;
        assert!(reason(with(&[("cp", "99999"), ("ville", "Atlantide")])).contains("unknown commune"));
        assert!(reason(with(&[("nom", "  ")])).contains("name"));
        let left_out = |r: Result<MappedRecord, Rejection>, field: &str| {
            let r = r.unwrap();
            assert!(!r.fields.contains_key(field), "{field} left out");
            r.dropped.iter().map(|d| d.reason.clone()).collect::<Vec<_>>().join("; ")
        };
        assert!(left_out(with(&[("lat", "0.19"), ("lon", "46.03")]), "geo").contains("swapped"));
        assert!(left_out(with(&[("lat", "abc")]), "geo").contains("not numbers"));
        assert!(left_out(with(&[("siret", "12345678901234")]), "pivot").contains("invalid SIRET"));
        assert!(left_out(with(&[("horaires", "lundi matin")]), "opening_hours").contains("malformed hours"));
        assert!(left_out(with(&[("handicaps", "Surdité|Autre")]), "accessibility").contains("unknown term"));
        let kept = with(&[("horaires", "lundi matin")]).unwrap();
        assert_eq!(kept.fields["commune_insee"], Value::Text("16292".into()), "the rest of the row stands");
        // The placeholder SIRET of some sources means "unknown", not an error.
        let placeholder = with(&[("siret", "00000000000000")]).unwrap();
        assert!(!placeholder.fields.contains_key("pivot") && placeholder.dropped.is_empty());
    }
}
