//! The national schema of lieux de médiation numérique (LaMednum,
//! standard-mediation-num v1.0.2), as CSV (its Table Schema's columns, in
//! order, lists joined with `|`) and as JSON (an array of objects with the
//! same keys). The inverse of `mappings/mednum.toml`.
//!
//! One row per place; the services offered there give the columns about
//! the offer (services, publics, fees, access and support modes). Values
//! outside the schema's vocabularies are left out (older spellings are
//! translated), so that every row validates; a place lacking a required
//! value (name, commune, postal code, street) is skipped.

use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::LazyLock;

use domain::atlas::RecordKind;
use serde_json::{Map, Value as Json};

use super::{Counts, ExportRecord, JsonArray, RecordWriter, truncate};

/// The columns of the schema, in its order.
pub const COLUMNS: [&str; 32] = [
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// The pivot of a place whose SIRET or RNA is unknown, as the national
/// cartography writes it.
pub const UNKNOWN_PIVOT: &str = "00000000000000";

/// `source` when the place's producer is not known.
pub const DEFAULT_PRODUCER: &str = "Maillage";

const SERVICES: &[&str] = &[
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
];

/// Terms of the schema's earlier versions and of the producers' files that
/// predate it, and what they became.
const SERVICE_ALIASES: &[(&str, &str)] = &[
    ("Prendre en main un smartphone ou une tablette", "Maîtrise des outils numériques du quotidien"),
    ("Prendre en main un ordinateur", "Maîtrise des outils numériques du quotidien"),
    ("Utiliser le numérique au quotidien", "Maîtrise des outils numériques du quotidien"),
    ("Approfondir ma culture numérique", "Compréhension du monde numérique"),
    ("Comprehension du monde numérique", "Compréhension du monde numérique"),
    ("Accéder à du matériel", "Accès internet et matériel informatique"),
    ("Accéder à une connexion internet", "Accès internet et matériel informatique"),
    ("Réaliser des démarches administratives avec un accompagnement", "Aide aux démarches administratives"),
    ("Devenir autonome dans les démarches administratives", "Aide aux démarches administratives"),
    ("Favoriser mon insertion professionnelle", "Insertion professionnelle via le numérique"),
    ("Créer avec le numérique", "Loisirs et créations numériques"),
    ("Soutenir la parentalité et l'éducation avec le numérique", "Parentalité et éducation avec le numérique"),
];

/// When a service does not use the digital-mediation vocabulary, the
/// data·inclusion thematiques that say the same thing.
const SERVICES_BY_THEMATIQUE: &[(&str, &str)] = &[
    ("numerique--maitriser-les-fondamentaux-du-numerique", "Maîtrise des outils numériques du quotidien"),
    ("numerique--acceder-a-une-connexion-internet", "Accès internet et matériel informatique"),
    ("numerique--acquerir-un-equipement", "Acquisition de matériel informatique à prix solidaire"),
    ("numerique--acceder-a-des-services-en-ligne", "Aide aux démarches administratives"),
    (
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        "Aide aux démarches administratives",
    ),
];

/// data·inclusion publics → the schema's "publics spécifiquement adressés"
/// (the others, `tous-publics` first, are the default: no value).
const PUBLICS: &[(&str, &str)] = &[
    ("jeunes", "Jeunes"),
    ("etudiants", "Étudiants"),
    ("familles", "Familles et/ou enfants"),
    ("seniors", "Seniors"),
    ("femmes", "Femmes"),
];

const SPECIFIC_SUPPORT: &[&str] = &[
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
];

const FEES: &[(&str, &str)] =
    &[("gratuit", "Gratuit"), ("gratuit-sous-condition", "Gratuit sous condition"), ("payant", "Payant")];

const PROGRAMMES: &[&str] = &[
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
];

/// As the schema's pattern spells them (without a space before "(La Poste)").
const TRAINING_LABELS: &[&str] = &[
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
];

const TRAINING_ALIASES: &[(&str, &str)] = &[("Étapes numériques (La Poste)", "Étapes numériques(La Poste)")];

const ACCESS_MODES: &[&str] = &[
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
];

const SUPPORT_MODES: &[&str] =
    &["En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance"];

/// The long forms of earlier versions of the schema.
const SUPPORT_ALIASES: &[(&str, &str)] = &[
    ("Seul : j'ai accès à du matériel et une connexion", "En autonomie"),
    ("Avec de l'aide : je suis accompagné seul dans l'usage du numérique", "Accompagnement individuel"),
    ("Dans un atelier : j'apprends collectivement à utiliser le numérique", "Dans un atelier collectif"),
    ("Dans un atelier collectif : j'apprends collectivement à utiliser le numérique", "Dans un atelier collectif"),
    ("À distance (par téléphone ou en visioconférence)", "À distance"),
    ("A distance", "À distance"),
];

/// Our kinds of places that are typologies of the schema (the inverse of
/// the import's mapping, where it is one to one).
const TYPOLOGIES_BY_KIND: &[(&str, &str)] =
    &[("tiers-lieu", "TIERS_LIEUX"), ("france-services", "RFS"), ("mairie", "MUNI")];

static PIVOT: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"^[a-zA-Z0-9]{9,14}$").expect("pattern"));
static POSTAL_CODE: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"^\d{5}$").expect("pattern"));
static INSEE: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"^([013-9]\d|2[AB1-9])\d{3}$").expect("pattern"));
static PHONE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$").expect("pattern")
});

/// `term` if it is in `allowed`, or what its alias became; compared
/// without regard to case.
fn canonical<'a>(term: &str, allowed: &[&'a str], aliases: &[(&str, &'a str)]) -> Option<&'a str> {
    let term = term.trim();
    allowed
        .iter()
        .find(|a| a.to_lowercase() == term.to_lowercase())
        .copied()
        .or_else(|| aliases.iter().find(|(from, _)| from.to_lowercase() == term.to_lowercase()).map(|(_, to)| *to))
}

/// Terms joined with `|`, each once, in order.
fn join<'a>(terms: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for t in terms {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen.join("|")
}

fn translate<'a>(terms: &[&str], table: &[(&str, &'a str)]) -> Vec<&'a str> {
    terms.iter().filter_map(|t| table.iter().find(|(code, _)| code == t).map(|(_, label)| *label)).collect()
}

/// Why a place cannot be a row of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingRequired(pub &'static str);

/// The row of a place, in [`COLUMNS`] order, with `id` left to the writer
/// (it must be unique in the file).
pub fn row(r: &ExportRecord) -> Result<[String; 32], MissingRequired> {
    let text = |f: &str| r.text(f).unwrap_or_default().to_owned();
    let nom = r.name.trim().to_owned();
    let commune = r.commune.clone().or_else(|| r.text("commune_name").map(str::to_owned)).unwrap_or_default();
    let postal_code = r
        .text("postal_code")
        .filter(|p| POSTAL_CODE.is_match(p))
        .or(r.postal_code.as_deref().filter(|p| POSTAL_CODE.is_match(p)))
        .unwrap_or_default()
        .to_owned();
    let street = text("street");
    for (column, value) in [("nom", &nom), ("commune", &commune), ("code_postal", &postal_code), ("adresse", &street)] {
        if value.is_empty() {
            return Err(MissingRequired(column));
        }
    }
    let insee = r.commune_insee.as_deref().filter(|c| INSEE.is_match(c)).unwrap_or_default().to_owned();
    let pivot = r.text("pivot").filter(|p| PIVOT.is_match(p)).unwrap_or(UNKNOWN_PIVOT).to_owned();
    let (latitude, longitude) =
        r.geo.map_or((String::new(), String::new()), |(lat, lon)| (lat.to_string(), lon.to_string()));
    let typologies: Vec<&str> = if r.list("typologies").is_empty() {
        r.list("kinds")
            .iter()
            .filter_map(|k| TYPOLOGIES_BY_KIND.iter().find(|(kind, _)| kind == k).map(|(_, t)| *t))
            .collect()
    } else {
        r.list("typologies").iter().map(String::as_str).collect()
    };
    let phone = r.list("phones").iter().find(|p| PHONE.is_match(p)).cloned().unwrap_or_default();
    // `|` separates values: one inside a value would split it.
    let emails = join(r.list("emails").iter().map(String::as_str).filter(|e| !e.contains('|')));
    let websites = join(r.list("websites").iter().map(String::as_str).filter(|w| !w.contains('|')));
    // The résumé has at most 280 characters; a longer one goes whole to the
    // detail when there is none.
    let summary = text("summary");
    let detail = r
        .text("description")
        .map(str::to_owned)
        .unwrap_or_else(|| if summary.chars().count() > 280 { summary.clone() } else { String::new() });
    let resume = truncate(&summary, 280);
    let producer = r.text("producer").unwrap_or(DEFAULT_PRODUCER).to_owned();
    let itinerance = join(r.list("itinerance").iter().filter_map(|i| match i.as_str() {
        "itinerant" => Some("Itinérant"),
        "fixe" => Some("Fixe"),
        _ => None,
    }));

    let mediation = r.service_values("mediation_services");
    let mut services: Vec<&str> = mediation.iter().filter_map(|s| canonical(s, SERVICES, SERVICE_ALIASES)).collect();
    if mediation.is_empty() {
        services = translate(&r.service_values("thematiques"), SERVICES_BY_THEMATIQUE);
    }
    let publics = translate(&r.service_values("publics"), PUBLICS);
    let specific: Vec<&str> =
        r.list("accessibility").iter().filter_map(|a| canonical(a, SPECIFIC_SUPPORT, &[])).collect();
    let fees = translate(&r.service_values("fees"), FEES);
    let programmes: Vec<&str> = r.list("programmes").iter().filter_map(|p| canonical(p, PROGRAMMES, &[])).collect();
    let mut training: Vec<&str> = Vec::new();
    let mut other_training: Vec<&str> = Vec::new();
    for label in r.list("training_labels") {
        match canonical(label, TRAINING_LABELS, TRAINING_ALIASES) {
            Some(l) => training.push(l),
            // Kept, where the schema takes any label.
            None => other_training.push(label),
        }
    }
    other_training.extend(r.list("other_training_labels").iter().map(String::as_str));
    let access: Vec<&str> =
        r.service_values("access_modes").iter().filter_map(|a| canonical(a, ACCESS_MODES, &[])).collect();
    let support: Vec<&str> =
        r.service_values("support_modes").iter().filter_map(|s| canonical(s, SUPPORT_MODES, SUPPORT_ALIASES)).collect();

    Ok([
        String::new(),
        pivot,
        nom,
        commune,
        postal_code,
        insee,
        street,
        text("address_complement"),
        latitude,
        longitude,
        join(typologies),
        phone,
        emails,
        websites,
        text("opening_hours"),
        resume,
        detail,
        producer,
        itinerance,
        text("parent_structure"),
        r.date(),
        join(services),
        join(publics),
        join(specific),
        join(fees),
        join(programmes),
        join(training),
        join(other_training),
        join(access),
        join(support),
        text("acceslibre_url"),
        text("booking_url"),
    ])
}

/// Unique ids over a file: the place's id in a source read with the
/// `mednum` mapping, else `maillage-{id}`.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
}

impl Ids {
    fn assign(&mut self, r: &ExportRecord) -> String {
        let from_source =
            r.sources.iter().find(|s| s.mapping.as_deref() == Some("mednum")).map(|s| s.source_id.clone());
        let ours = format!("maillage-{}", r.id);
        let mut candidates = from_source.into_iter().chain([ours.clone()]).chain((2..).map(|n| format!("{ours}-{n}")));
        loop {
            let id = candidates.next().unwrap_or_else(|| ours.clone());
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// The CSV file, written row by row.
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    ids: Ids,
    counts: Counts,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header.
    pub fn new(out: W) -> io::Result<Self> {
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        csv.write_record(COLUMNS)?;
        Ok(Self { csv, ids: Ids::default(), counts: Counts::default() })
    }
}

impl<W: Write> RecordWriter for CsvWriter<W> {
    fn write(&mut self, r: &ExportRecord) -> io::Result<()> {
        if r.kind != RecordKind::Place {
            return Ok(());
        }
        match row(r) {
            Ok(mut cells) => {
                cells[0] = self.ids.assign(r);
                self.csv.write_record(&cells)?;
                self.counts.written += 1;
            }
            Err(_) => self.counts.skipped += 1,
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<Counts> {
        self.csv.flush()?;
        Ok(self.counts)
    }
}

/// The JSON file: an array of objects with the CSV's keys and values
/// (coordinates as numbers, empty values as null).
pub struct JsonWriter<W: Write> {
    array: JsonArray<W>,
    ids: Ids,
    counts: Counts,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Ok(Self { array: JsonArray::start(out, "[")?, ids: Ids::default(), counts: Counts::default() })
    }
}

/// A row as a JSON object.
pub fn json_object(cells: &[String; 32]) -> Json {
    let mut o = Map::new();
    for (column, value) in COLUMNS.iter().zip(cells) {
        let v = match *column {
            _ if value.is_empty() => Json::Null,
            "latitude" | "longitude" => value.parse::<f64>().ok().map_or(Json::Null, Json::from),
            _ => Json::String(value.clone()),
        };
        o.insert((*column).to_owned(), v);
    }
    Json::Object(o)
}

impl<W: Write> RecordWriter for JsonWriter<W> {
    fn write(&mut self, r: &ExportRecord) -> io::Result<()> {
        if r.kind != RecordKind::Place {
            return Ok(());
        }
        match row(r) {
            Ok(mut cells) => {
                cells[0] = self.ids.assign(r);
                self.array.push(&json_object(&cells))?;
                self.counts.written += 1;
            }
            Err(_) => self.counts.skipped += 1,
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
    use super::super::tests::place;
    use super::*;
    use crate::table_schema::TableSchema;

    const SCHEMA: &str = include_str!("../../../../referentials/standards/lieux-mediation-numerique-schema.json");

    fn csv_of(records: &[ExportRecord]) -> (String, Counts) {
        let mut out = Vec::new();
        let mut w: Box<dyn RecordWriter + '_> = Box::new(CsvWriter::new(&mut out).unwrap());
        for r in records {
            w.write(r).unwrap();
        }
        let counts = w.finish().unwrap();
        (String::from_utf8(out).unwrap(), counts)
    }

    fn cell(csv: &str, line: usize, column: &str) -> String {
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let i = COLUMNS.iter().position(|c| *c == column).unwrap();
        reader.records().nth(line).unwrap().unwrap()[i].to_owned()
    }

    #[test]
    fn the_columns_are_the_schemas_in_its_order() {
        let schema = TableSchema::parse(SCHEMA).unwrap();
        assert_eq!(schema.field_names(), COLUMNS);
    }

    #[test]
    fn a_place_becomes_a_valid_row_in_the_schemas_vocabulary() {
        let (csv, counts) = csv_of(&[place()]);
        assert_eq!(counts, Counts { written: 1, skipped: 0 });
        assert!(csv.ends_with("\r\n"));
        let violations = TableSchema::parse(SCHEMA).unwrap().validate_csv(csv.as_bytes()).unwrap();
        assert_eq!(violations, vec![], "{csv}");
        assert_eq!(cell(&csv, 0, "id"), "structure-1");
        assert_eq!(cell(&csv, 0, "pivot"), "43493312300029");
        assert_eq!(cell(&csv, 0, "latitude"), "49.25");
        assert_eq!(cell(&csv, 0, "typologie"), "TIERS_LIEUX|ASSO");
        assert_eq!(cell(&csv, 0, "telephone"), "+33180059880");
        assert_eq!(cell(&csv, 0, "courriels"), "contact@laquincaillerie.tl|responsable@laquincaillerie.tl");
        assert_eq!(cell(&csv, 0, "source"), "Hubik");
        assert_eq!(cell(&csv, 0, "itinerance"), "Itinérant|Fixe");
        assert_eq!(cell(&csv, 0, "date_maj"), "2024-04-02");
        // An older term is translated, the rest of the vocabulary kept.
        assert_eq!(cell(&csv, 0, "services"), "Maîtrise des outils numériques du quotidien");
        assert_eq!(cell(&csv, 0, "publics_specifiquement_adresses"), "Jeunes");
        assert_eq!(cell(&csv, 0, "prise_en_charge_specifique"), "Surdité");
        assert_eq!(cell(&csv, 0, "frais_a_charge"), "Gratuit sous condition|Payant");
        assert_eq!(cell(&csv, 0, "dispositif_programmes_nationaux"), "Conseillers numériques");
        assert_eq!(cell(&csv, 0, "formations_labels"), "Formé à « Mon Espace Santé »|Étapes numériques(La Poste)");
        assert_eq!(cell(&csv, 0, "modalites_acces"), "Se présenter|Prendre un RDV en ligne");
        assert_eq!(cell(&csv, 0, "modalites_accompagnement"), "En autonomie|À distance");
        assert_eq!(cell(&csv, 0, "prise_rdv"), "https://www.rdv-solidarites.fr/");
    }

    #[test]
    fn ids_are_unique_and_places_without_the_required_values_are_skipped() {
        let a = place();
        let mut b = place();
        b.id = 9;
        let mut ours = place();
        ours.id = 10;
        ours.sources.clear();
        ours.fields.remove("pivot");
        ours.fields.remove("producer");
        ours.fields.remove("typologies");
        ours.services.clear();
        let mut no_street = place();
        no_street.fields.remove("street");
        let mut organisation = place();
        organisation.kind = RecordKind::Organisation;
        let (csv, counts) = csv_of(&[a, b, ours, no_street, organisation]);
        assert_eq!(counts, Counts { written: 3, skipped: 1 });
        assert_eq!(
            [cell(&csv, 0, "id"), cell(&csv, 1, "id"), cell(&csv, 2, "id")],
            ["structure-1", "maillage-9", "maillage-10"]
        );
        assert_eq!(cell(&csv, 2, "pivot"), UNKNOWN_PIVOT);
        assert_eq!(cell(&csv, 2, "source"), DEFAULT_PRODUCER);
        assert_eq!(cell(&csv, 2, "typologie"), "TIERS_LIEUX");
        assert_eq!(cell(&csv, 2, "services"), "");
        let violations = TableSchema::parse(SCHEMA).unwrap().validate_csv(csv.as_bytes()).unwrap();
        assert_eq!(violations, vec![]);
    }

    #[test]
    fn long_summaries_are_cut_and_kept_whole_in_the_detail() {
        let mut p = place();
        let long = "Un lieu ouvert à toutes et à tous. ".repeat(12);
        p.fields.insert("summary".into(), domain::atlas::Value::Text(long.clone()));
        let cells = row(&p).unwrap();
        assert_eq!(cells[15].chars().count(), 280);
        assert!(cells[15].ends_with('…'));
        assert_eq!(cells[16], long.trim());
    }

    #[test]
    fn services_fall_back_on_thematiques() {
        let mut p = place();
        let s = &mut p.services[0];
        s.fields.remove("mediation_services");
        s.fields.insert(
            "thematiques".into(),
            domain::atlas::Value::List(vec![
                "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives".into(),
                "numerique--acceder-a-des-services-en-ligne".into(),
            ]),
        );
        assert_eq!(row(&p).unwrap()[21], "Aide aux démarches administratives");
    }

    #[test]
    fn the_json_has_the_same_keys_and_values() {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(&mut out).unwrap();
        j.write(&place()).unwrap();
        assert_eq!(Box::new(j).finish().unwrap().written, 1);
        let doc: Json = serde_json::from_slice(&out).unwrap();
        let item = &doc[0];
        assert_eq!(item.as_object().unwrap().keys().count(), 32);
        assert_eq!(item["id"], "structure-1");
        assert_eq!(item["latitude"], 49.25);
        assert_eq!(item["complement_adresse"], "Le patio du bois de l'Aulne");
        assert_eq!(item["structure_parente"], Json::Null);
        let cells = row(&place()).unwrap();
        for (column, value) in COLUMNS.iter().zip(&cells).skip(1) {
            match &item[*column] {
                Json::String(s) => assert_eq!(s, value, "{column}"),
                Json::Number(n) => assert_eq!(n.as_f64().unwrap().to_string(), *value, "{column}"),
                _ => assert!(value.is_empty(), "{column}"),
            }
        }
    }
}
