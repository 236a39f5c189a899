//! Open-data exports of the atlas, one module per format. Writers take
//! plain [`ExportRecord`]s one at a time and write them at once to any
//! [`std::io::Write`] (give them a buffered one), so an export of any size
//! runs in constant memory. Nothing here reads the database.
//!
//! - [`mednum`]: the national schema of lieux de médiation numérique, CSV
//!   and JSON.
//! - [`data_inclusion`]: data·inclusion v1 structures and services.
//! - [`geojson`]: a FeatureCollection of points.
//! - [`dcat`]: the DCAT-AP catalogue describing the exports.

pub mod data_inclusion;
pub mod dcat;
pub mod geojson;
pub mod mednum;

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use domain::atlas::{RecordKind, Value};

/// A record as exports see it: its fields and what the database knows
/// around them, resolved by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRecord {
    pub id: i64,
    pub kind: RecordKind,
    pub name: String,
    pub fields: BTreeMap<String, Value>,
    /// The commune's name, INSEE code and a postal code (the record's own,
    /// else the commune's).
    pub commune: Option<String>,
    pub commune_insee: Option<String>,
    pub postal_code: Option<String>,
    /// (latitude, longitude) in WGS 84.
    pub geo: Option<(f64, f64)>,
    /// When what the record says last changed.
    pub updated_at: DateTime<Utc>,
    /// Where its values come from: each source and the record's id there.
    pub sources: Vec<SourceRef>,
    /// Its page on Maillage.
    pub url: Option<String>,
    /// For places and organisations: the services offered there.
    pub services: Vec<ExportRecord>,
}

/// A source of a record and the record's identifier in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub source: String,
    pub source_id: String,
    /// The shipped mapping the source was read with, when known
    /// (`mednum`, `france-services`…).
    pub mapping: Option<String>,
}

impl ExportRecord {
    /// A minimal record, for tests and callers that fill fields afterwards.
    pub fn new(id: i64, kind: RecordKind, name: &str, updated_at: DateTime<Utc>) -> Self {
        Self {
            id,
            kind,
            name: name.to_owned(),
            fields: BTreeMap::new(),
            commune: None,
            commune_insee: None,
            postal_code: None,
            geo: None,
            updated_at,
            sources: Vec::new(),
            url: None,
            services: Vec::new(),
        }
    }

    /// A text field, trimmed; `None` when absent or blank.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_text).map(str::trim).filter(|s| !s.is_empty())
    }

    pub fn list(&self, field: &str) -> &[String] {
        self.fields.get(field).map_or(&[], Value::as_list)
    }

    /// The record's last update as `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        self.updated_at.format("%Y-%m-%d").to_string()
    }

    /// The values of a list field over every service, in order, without repeats.
    fn service_values(&self, field: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in self.services.iter().flat_map(|s| s.list(field)) {
            if !out.contains(&v.as_str()) {
                out.push(v);
            }
        }
        out
    }
}

/// How many records a writer wrote, and how many it left out because
/// they lack what the format requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub written: u64,
    pub skipped: u64,
}

/// A writer of one export format: the opening when created, then records
/// one at a time, then the closing.
pub trait RecordWriter {
    /// Writes a record, or skips it when the format cannot carry it (wrong
    /// kind, required values missing).
    fn write(&mut self, record: &ExportRecord) -> io::Result<()>;
    /// Writes the closing and flushes.
    fn finish(self: Box<Self>) -> io::Result<Counts>;
}

/// A JSON array written item by item, inside an optional prefix/suffix.
struct JsonArray<W: Write> {
    out: W,
    items: u64,
}

impl<W: Write> JsonArray<W> {
    fn start(mut out: W, opening: &str) -> io::Result<Self> {
        out.write_all(opening.as_bytes())?;
        Ok(Self { out, items: 0 })
    }

    fn push(&mut self, item: &serde_json::Value) -> io::Result<()> {
        self.out.write_all(if self.items == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, item)?;
        self.items += 1;
        Ok(())
    }

    fn end(mut self, closing: &str) -> io::Result<W> {
        if self.items > 0 {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(closing.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// An absolute http(s) URL without spaces, as schemas asking for a `uri` expect.
pub(crate) fn is_web_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && s.len() <= 2083
        && !s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        })
}

/// A plain `local@domain.tld` address.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
    !local.is_empty()
        && local.chars().all(ok_char)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// At most `max` characters; a cut text ends with an ellipsis.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A `Write` whose bytes stay readable after the writer is consumed.
    #[derive(Clone, Default)]
    pub struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Shared {
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.0.borrow()).expect("valid JSON")
        }
    }

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A place with a service, as the import of the national schema's
    /// example gives it.
    pub fn place() -> ExportRecord {
        let at = Utc.with_ymd_and_hms(2024, 4, 2, 12, 0, 0).unwrap();
        let mut p = ExportRecord::new(7, RecordKind::Place, "Anonymal", at);
        let text = |s: &str| Value::Text(s.to_owned());
        let list = |l: &[&str]| Value::List(l.iter().map(|s| (*s).to_owned()).collect());
        p.fields = [
            ("name", text("Anonymal")),
            ("pivot", text("43493312300029")),
            ("street", text("12 BIS RUE DE LECLERCQ")),
            ("address_complement", text("Le patio du bois de l'Aulne")),
            ("postal_code", text("51100")),
            ("commune_insee", text("51454")),
            ("commune_name", text("Reims")),
            ("kinds", list(&["tiers-lieu", "mediation-numerique"])),
            ("typologies", list(&["TIERS_LIEUX", "ASSO"])),
            ("phones", list(&["+33180059880", "+33545000000"])),
            ("emails", list(&["contact@laquincaillerie.tl", "responsable@laquincaillerie.tl"])),
            ("websites", list(&["https://www.laquincaillerie.tl/"])),
            ("opening_hours", text("Mo-Fr 09:00-12:00")),
            ("summary", text("Formations aux outils numériques.")),
            ("producer", text("Hubik")),
            ("itinerance", list(&["itinerant", "fixe"])),
            ("accessibility", list(&["Surdité", "Rampe d'accès"])),
            ("programmes", list(&["Conseillers numériques", "Pass numérique"])),
            ("training_labels", list(&["Formé à « Mon Espace Santé »", "Étapes numériques (La Poste)"])),
            ("acceslibre_url", text("https://acceslibre.beta.gouv.fr/app/erp/1/")),
            ("booking_url", text("https://www.rdv-solidarites.fr/")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        p.commune = Some("Reims".into());
        p.commune_insee = Some("51454".into());
        p.postal_code = Some("51100".into());
        p.geo = Some((49.25, 4.03));
        p.url = Some("https://atlas.example.fr/atlas/7".into());
        p.sources = vec![SourceRef {
            source: "mednum".into(),
            source_id: "structure-1".into(),
            mapping: Some("mednum".into()),
        }];
        let mut s = ExportRecord::new(8, RecordKind::Service, "Médiation numérique", at);
        s.fields = [
            ("name", text("Médiation numérique")),
            ("service_types", list(&["mediation-numerique"])),
            (
                "mediation_services",
                list(&["Maîtrise des outils numériques du quotidien", "Prendre en main un ordinateur"]),
            ),
            ("thematiques", list(&["numerique--maitriser-les-fondamentaux-du-numerique", "pas-un-code"])),
            ("publics", list(&["jeunes", "tous-publics"])),
            ("fees", list(&["gratuit-sous-condition", "payant"])),
            ("reception_modes", list(&["en-presentiel", "a-distance"])),
            ("access_modes", list(&["Se présenter", "Prendre un RDV en ligne"])),
            ("support_modes", list(&["Seul : j'ai accès à du matériel et une connexion", "À distance"])),
            ("eligibility_zone", list(&["16", "16015", "pas une zone"])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        s.url = Some("https://atlas.example.fr/atlas/8".into());
        p.services = vec![s];
        p
    }

    #[test]
    fn urls_and_emails_are_checked_loosely_but_safely() {
        assert!(is_web_url("https://www.laquincaillerie.tl/a?b=c"));
        assert!(!is_web_url("www.example.fr") && !is_web_url("https://a b.fr") && !is_web_url("https://"));
        assert!(is_email("contact@laquincaillerie.tl") && is_email("a.b+c@mairie-ruffec.fr"));
        assert!(!is_email("contact@") && !is_email("a b@c.fr") && !is_email("a@b") && !is_email("a..b@c.fr"));
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn json_arrays_are_well_formed_empty_or_not() {
        let a = JsonArray::start(Vec::new(), "[").unwrap();
        assert_eq!(a.end("]").unwrap(), b"[]");
        let mut a = JsonArray::start(Vec::new(), "{\"x\":[").unwrap();
        a.push(&serde_json::json!(1)).unwrap();
        a.push(&serde_json::json!({"a": 2})).unwrap();
        let text = String::from_utf8(a.end("]}").unwrap()).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), serde_json::json!({"x": [1, {"a": 2}]}));
    }
}
