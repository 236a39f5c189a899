//! data·inclusion v1: `structures` (our places and organisations) and
//! `services` (one per service and place it is offered at), JSON arrays
//! valid against the v1 JSON Schemas shipped in
//! `referentials/standards/data-inclusion-v1`.
//!
//! Our thematiques, publics, fees, reception modes and service types
//! already use data·inclusion's codes; codes outside its vocabularies are
//! left out. Identifiers are `maillage--{record id}` for structures and
//! `maillage--{service id}-{structure id}` for services.

use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::LazyLock;

use domain::atlas::RecordKind;
use serde_json::{Value as Json, json};

use super::{Counts, ExportRecord, JsonArray, RecordWriter, is_email, is_web_url, truncate};

/// Our producer name in data·inclusion.
pub const SOURCE: &str = "maillage";

/// The codes of a vocabulary file (`[{"value": …}, …]`).
fn codes(text: &str) -> HashSet<String> {
    let terms: Vec<Json> = serde_json::from_str(text).unwrap_or_default();
    terms.iter().filter_map(|t| t.get("value").and_then(Json::as_str)).map(str::to_owned).collect()
}

macro_rules! vocabulary {
    ($name:ident, $file:literal) => {
        static $name: LazyLock<HashSet<String>> = LazyLock::new(|| {
            codes(include_str!(concat!("../../../../referentials/standards/data-inclusion-v1/", $file)))
        });
    };
}

vocabulary!(THEMATIQUES, "thematiques.json");
vocabulary!(PUBLICS, "publics.json");
vocabulary!(TYPES, "types-de-services.json");
vocabulary!(MODES_ACCUEIL, "modes-accueil.json");
vocabulary!(MODES_MOBILISATION, "modes-mobilisation.json");
vocabulary!(RESEAUX, "reseaux-porteurs.json");

/// Our service types that are one of data·inclusion's.
const OUR_TYPES: &[(&str, &str)] = &[
    ("mediation-numerique", "accompagnement"),
    ("acces-aux-droits", "accompagnement"),
    ("incubation", "accompagnement"),
    ("acceleration", "accompagnement"),
    ("prototypage", "aide-materielle"),
];

/// Programmes, labels and kinds of places that name a network.
const NETWORKS: &[(&str, &str)] = &[
    ("France Services", "france-service"),
    ("france-services", "france-service"),
    ("mairie", "communes"),
    ("Conseillers numériques", "conseillers-numeriques"),
    ("Aidants Connect", "aidants-connect"),
    ("La Croix Rouge", "croix-rouge"),
    ("Emmaüs Connect", "emmaus"),
    ("Relais numérique (Emmaüs Connect)", "emmaus"),
    ("Grande école du numérique", "grandes-ecoles-du-numerique"),
    ("Point d'accès numérique CAF", "caf"),
    ("Fabriques de Territoire", "fabrique-de-territoire"),
];

/// Access modes of the national digital-mediation schema → modes de mobilisation.
const MOBILISATION: &[(&str, &str)] = &[
    ("Se présenter", "se-presenter"),
    ("Téléphoner", "telephoner"),
    ("Contacter par mail", "envoyer-un-courriel"),
    ("Envoyer un mail avec une fiche de prescription", "envoyer-un-courriel"),
    ("Prendre un RDV en ligne", "utiliser-lien-mobilisation"),
];

const PRESCRIPTION: &str = "Envoyer un mail avec une fiche de prescription";

static ZONE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^(?:[A-Za-z0-9_]{2,3}|[A-Za-z0-9_]{5}|\d{9}|france)$").expect("pattern"));

pub fn structure_id(record_id: i64) -> String {
    format!("{SOURCE}--{record_id}")
}

pub fn service_id(service_id: i64, structure_id: i64) -> String {
    format!("{SOURCE}--{service_id}-{structure_id}")
}

fn opt(s: Option<impl Into<String>>) -> Json {
    s.map_or(Json::Null, |s| Json::String(s.into()))
}

/// Each value once, in order; null when none (the schemas ask for at least one).
fn codes_or_null<'a>(values: impl IntoIterator<Item = &'a str>) -> Json {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    if out.is_empty() { Json::Null } else { json!(out) }
}

/// A name of 3 to 150 characters, without a final full stop.
fn nom(name: &str) -> Option<String> {
    let n = truncate(name.trim(), 150);
    let n = n.trim_end_matches('.').trim_end().to_owned();
    (n.chars().count() >= 3).then_some(n)
}

/// A description of 5 to 10,000 characters.
fn description(text: Option<&str>) -> Option<String> {
    text.map(|t| truncate(t, 10_000)).filter(|t| t.chars().count() >= 5)
}

fn siret(r: &ExportRecord) -> Option<&str> {
    [r.text("siret"), r.text("pivot")]
        .into_iter()
        .flatten()
        .find(|s| s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit()) && s.bytes().any(|b| b != b'0'))
}

fn first_email(r: &ExportRecord) -> Option<&str> {
    r.list("emails").iter().map(String::as_str).find(|e| is_email(e))
}

fn first_phone(r: &ExportRecord) -> Option<&str> {
    r.list("phones").first().map(String::as_str)
}

fn url(s: Option<&str>) -> Option<&str> {
    s.filter(|u| is_web_url(u))
}

/// The address, contact and location keys shared by structures and services.
fn located(r: &ExportRecord, o: &mut serde_json::Map<String, Json>) {
    let postal = r
        .text("postal_code")
        .or(r.postal_code.as_deref())
        .filter(|p| p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let insee = r.commune_insee.as_deref().filter(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_alphanumeric()));
    o.insert("commune".into(), opt(r.commune.as_deref().or(r.text("commune_name"))));
    o.insert("code_postal".into(), opt(postal));
    o.insert("code_insee".into(), opt(insee));
    o.insert("adresse".into(), opt(r.text("street")));
    o.insert("complement_adresse".into(), opt(r.text("address_complement")));
    o.insert("longitude".into(), r.geo.map_or(Json::Null, |(_, lon)| json!(lon)));
    o.insert("latitude".into(), r.geo.map_or(Json::Null, |(lat, _)| json!(lat)));
    o.insert("telephone".into(), opt(first_phone(r)));
    o.insert("courriel".into(), opt(first_email(r)));
}

/// A place or an organisation as a data·inclusion structure; `None` when
/// it is not one or its name is too short.
pub fn structure(r: &ExportRecord) -> Option<Json> {
    if !matches!(r.kind, RecordKind::Place | RecordKind::Organisation) {
        return None;
    }
    let nom = nom(&r.name)?;
    let networks = [r.list("programmes"), r.list("kinds"), r.list("training_labels")]
        .into_iter()
        .flatten()
        .filter_map(|v| NETWORKS.iter().find(|(ours, _)| ours == v).map(|(_, code)| *code))
        .filter(|code| RESEAUX.contains(*code));
    let mut o = serde_json::Map::new();
    o.insert("source".into(), json!(SOURCE));
    o.insert("id".into(), json!(structure_id(r.id)));
    o.insert("nom".into(), json!(nom));
    o.insert("date_maj".into(), json!(r.date()));
    o.insert("siret".into(), opt(siret(r)));
    located(r, &mut o);
    o.insert("site_web".into(), opt(r.list("websites").iter().map(String::as_str).find(|u| is_web_url(u))));
    o.insert("description".into(), opt(description(r.text("description").or(r.text("summary")))));
    o.insert("lien_source".into(), opt(url(r.url.as_deref())));
    o.insert("horaires_accueil".into(), opt(r.text("opening_hours")));
    o.insert("accessibilite_lieu".into(), opt(url(r.text("acceslibre_url"))));
    o.insert("reseaux_porteurs".into(), codes_or_null(networks));
    Some(Json::Object(o))
}

/// The services offered at a place or organisation, each as a
/// data·inclusion service located there.
pub fn services(at: &ExportRecord) -> Vec<Json> {
    if !matches!(at.kind, RecordKind::Place | RecordKind::Organisation) || nom(&at.name).is_none() {
        return Vec::new();
    }
    at.services.iter().filter_map(|s| service(s, at)).collect()
}

fn service(s: &ExportRecord, at: &ExportRecord) -> Option<Json> {
    let nom = nom(&s.name)?;
    let list = |f: &str| s.list(f).iter().map(String::as_str);
    // Without a description of its own, a service is described by what
    // it offers, or where.
    let description = description(s.text("description").or(s.text("summary"))).unwrap_or_else(|| {
        let offer: Vec<&str> = list("mediation_services").collect();
        let place = [Some(at.name.trim()), at.commune.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
        if offer.is_empty() { format!("{nom} : {place}.") } else { format!("{nom} : {}.", offer.join(", ")) }
    });
    let ty = list("service_types").find(|t| TYPES.contains(*t)).or_else(|| {
        list("service_types").find_map(|t| OUR_TYPES.iter().find(|(ours, _)| *ours == t).map(|(_, di)| *di))
    });
    let mut publics: Vec<&str> = list("publics").filter(|p| PUBLICS.contains(*p)).collect();
    // `tous-publics` stands alone.
    if publics.len() > 1 {
        publics.retain(|p| *p != "tous-publics");
    }
    let fees: Vec<&str> = list("fees").collect();
    let frais = if fees.contains(&"payant") {
        Some("payant")
    } else if fees.contains(&"gratuit") || fees.contains(&"gratuit-sous-condition") {
        Some("gratuit")
    } else {
        None
    };
    let frais_precisions = s
        .text("fee_details")
        .map(str::to_owned)
        .or_else(|| fees.contains(&"gratuit-sous-condition").then(|| "Gratuit sous condition".to_owned()));
    let access: Vec<&str> = list("access_modes").collect();
    let mobilisation = access
        .iter()
        .filter_map(|a| {
            MOBILISATION
                .iter()
                .find(|(term, _)| term == a)
                .map(|(_, code)| *code)
                .or_else(|| MODES_MOBILISATION.get(*a).map(String::as_str))
        })
        .collect::<Vec<_>>();
    let mut by: Vec<&str> = Vec::new();
    if access.iter().any(|a| *a != PRESCRIPTION) {
        by.push("usagers");
    }
    if access.contains(&PRESCRIPTION) {
        by.push("professionnels");
    }

    let mut o = serde_json::Map::new();
    o.insert("source".into(), json!(SOURCE));
    o.insert("structure_id".into(), json!(structure_id(at.id)));
    o.insert("id".into(), json!(service_id(s.id, at.id)));
    o.insert("nom".into(), json!(nom));
    o.insert("description".into(), json!(description));
    o.insert("date_maj".into(), json!(s.date()));
    o.insert("type".into(), opt(ty));
    o.insert("thematiques".into(), codes_or_null(list("thematiques").filter(|t| THEMATIQUES.contains(*t))));
    o.insert("publics".into(), codes_or_null(publics));
    o.insert("publics_precisions".into(), Json::Null);
    o.insert("frais".into(), opt(frais));
    o.insert("frais_precisions".into(), opt(frais_precisions));
    o.insert("modes_accueil".into(), codes_or_null(list("reception_modes").filter(|m| MODES_ACCUEIL.contains(*m))));
    o.insert("modes_mobilisation".into(), codes_or_null(mobilisation));
    o.insert("mobilisable_par".into(), codes_or_null(by));
    o.insert("lien_mobilisation".into(), opt(url(at.text("booking_url"))));
    o.insert("mobilisation_precisions".into(), Json::Null);
    o.insert("conditions_acces".into(), Json::Null);
    o.insert("contact_nom_prenom".into(), Json::Null);
    located(at, &mut o);
    o.insert("horaires_accueil".into(), Json::Null);
    o.insert("zone_eligibilite".into(), codes_or_null(list("eligibility_zone").filter(|z| ZONE.is_match(z))));
    o.insert("nombre_semaines".into(), Json::Null);
    o.insert("volume_horaire_hebdomadaire".into(), Json::Null);
    o.insert("lien_source".into(), opt(url(s.url.as_deref())));
    Some(Json::Object(o))
}

/// The `structures` array.
pub struct StructuresWriter<W: Write> {
    array: JsonArray<W>,
    counts: Counts,
}

impl<W: Write> StructuresWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Ok(Self { array: JsonArray::start(out, "[")?, counts: Counts::default() })
    }
}

impl<W: Write> RecordWriter for StructuresWriter<W> {
    fn write(&mut self, r: &ExportRecord) -> io::Result<()> {
        if !matches!(r.kind, RecordKind::Place | RecordKind::Organisation) {
            return Ok(());
        }
        match structure(r) {
            Some(s) => {
                self.array.push(&s)?;
                self.counts.written += 1;
            }
            None => self.counts.skipped += 1,
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<Counts> {
        self.array.end("]\n")?;
        Ok(self.counts)
    }
}

/// The `services` array: records are places and organisations, each with
/// the services offered there.
pub struct ServicesWriter<W: Write> {
    array: JsonArray<W>,
    counts: Counts,
}

impl<W: Write> ServicesWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Ok(Self { array: JsonArray::start(out, "[")?, counts: Counts::default() })
    }
}

impl<W: Write> RecordWriter for ServicesWriter<W> {
    fn write(&mut self, r: &ExportRecord) -> io::Result<()> {
        let written = services(r);
        self.counts.skipped += r.services.len().saturating_sub(written.len()) as u64;
        for s in &written {
            self.array.push(s)?;
            self.counts.written += 1;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<Counts> {
        self.array.end("]\n")?;
        Ok(self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{Shared, place};
    use super::*;

    fn validator(file: &str) -> jsonschema::Validator {
        let path = format!("{}/../../referentials/standards/data-inclusion-v1/{file}", env!("CARGO_MANIFEST_DIR"));
        let schema: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap()
    }

    fn assert_valid(v: &jsonschema::Validator, item: &Json) {
        let errors: Vec<String> = v.iter_errors(item).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{item:#}");
    }

    fn written(w: impl RecordWriter + 'static, records: &[ExportRecord], out: &Shared) -> (Json, Counts) {
        let mut w: Box<dyn RecordWriter> = Box::new(w);
        for r in records {
            w.write(r).unwrap();
        }
        let counts = w.finish().unwrap();
        (out.json(), counts)
    }

    #[test]
    fn places_become_valid_structures() {
        let out = Shared::default();
        let mut short = place();
        short.name = "A.".into();
        let mut service = place();
        service.kind = RecordKind::Service;
        let (doc, counts) = written(StructuresWriter::new(out.clone()).unwrap(), &[place(), short, service], &out);
        assert_eq!(counts, Counts { written: 1, skipped: 1 });
        let s = &doc[0];
        assert_valid(&validator("structure.json"), s);
        assert_eq!(s["id"], "maillage--7");
        assert_eq!(s["source"], "maillage");
        assert_eq!(s["siret"], "43493312300029");
        assert_eq!(s["date_maj"], "2024-04-02");
        assert_eq!(s["telephone"], "+33180059880");
        assert_eq!(s["reseaux_porteurs"], json!(["conseillers-numeriques"]));
        assert_eq!(s["lien_source"], "https://atlas.example.fr/atlas/7");
        assert_eq!(s["description"], "Formations aux outils numériques.");
    }

    #[test]
    fn services_become_valid_services_at_their_structure() {
        let out = Shared::default();
        let (doc, counts) = written(ServicesWriter::new(out.clone()).unwrap(), &[place()], &out);
        assert_eq!(counts, Counts { written: 1, skipped: 0 });
        let s = &doc[0];
        assert_valid(&validator("service.json"), s);
        assert_eq!((s["id"].as_str(), s["structure_id"].as_str()), (Some("maillage--8-7"), Some("maillage--7")));
        assert_eq!(s["type"], "accompagnement");
        assert_eq!(s["thematiques"], json!(["numerique--maitriser-les-fondamentaux-du-numerique"]));
        assert_eq!(s["publics"], json!(["jeunes"]));
        assert_eq!(
            (s["frais"].as_str(), s["frais_precisions"].as_str()),
            (Some("payant"), Some("Gratuit sous condition"))
        );
        assert_eq!(s["modes_accueil"], json!(["en-presentiel", "a-distance"]));
        assert_eq!(s["modes_mobilisation"], json!(["se-presenter", "utiliser-lien-mobilisation"]));
        assert_eq!(s["mobilisable_par"], json!(["usagers"]));
        assert_eq!(s["lien_mobilisation"], "https://www.rdv-solidarites.fr/");
        assert_eq!(s["zone_eligibilite"], json!(["16", "16015"]));
        assert_eq!(s["commune"], "Reims");
        assert!(s["description"].as_str().unwrap().contains("Maîtrise des outils numériques du quotidien"));
    }

    #[test]
    fn sparse_services_are_still_valid() {
        let mut p = place();
        let s = &mut p.services[0];
        s.fields.retain(|k, _| k == "name");
        s.fields.insert("publics".into(), domain::atlas::Value::List(vec!["tous-publics".into()]));
        s.fields.insert("fees".into(), domain::atlas::Value::List(vec!["gratuit-sous-condition".into()]));
        let items = services(&p);
        assert_valid(&validator("service.json"), &items[0]);
        assert_eq!(items[0]["publics"], json!(["tous-publics"]));
        assert_eq!(items[0]["frais"], "gratuit");
        assert_eq!(items[0]["type"], Json::Null);
        assert_eq!(items[0]["description"], "Médiation numérique : Anonymal, Reims.");
        // An invalid value breaks the schema: the check above can fail.
        let mut broken = items[0].clone();
        broken["publics"] = json!(["tous-publics", "tous-publics"]);
        assert!(!validator("service.json").is_valid(&broken));
    }

    #[test]
    fn the_vocabularies_are_loaded() {
        assert_eq!((THEMATIQUES.len(), PUBLICS.len(), TYPES.len(), RESEAUX.len()), (69, 14, 6, 108));
        assert!(NETWORKS.iter().all(|(_, code)| RESEAUX.contains(*code)));
        assert!(OUR_TYPES.iter().all(|(_, code)| TYPES.contains(*code)));
        assert!(MOBILISATION.iter().all(|(_, code)| MODES_MOBILISATION.contains(*code)));
    }
}
