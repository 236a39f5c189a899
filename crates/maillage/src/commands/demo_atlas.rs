//! The demo's atlas: the real public sources of four départements of
//! Nouvelle-Aquitaine (Charente, Charente-Maritime, Deux-Sèvres, Vienne),
//! imported with the shipped mappings, plus sample innovation places and
//! organisations, marked as such, with their links and key figures.
//!
//! The public files come from `../shared/data` (or `MAILLAGE_SHARED_DATA`);
//! without them the demo holds the sample records only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use app::App;
use app::atlas::import::mapping::{Mapping, Row, SHIPPED};
use app::atlas::import::{ImportRequest, import, readers};
use app::atlas::records::set_key_figures;
use domain::policy::Actor;
use domain::territory::Territory;

/// The demo territory.
pub const DEPARTEMENTS: &[&str] = &["16", "17", "79", "86"];

/// (mapping, source name, file under the shared data directory).
const PUBLIC_SOURCES: &[(&str, &str, &str)] = &[
    ("france-services", "france-services", "places/france-services-2024-08.csv"),
    (
        "mednum",
        "mednum-charente",
        "places/mednum/20230711-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json",
    ),
    (
        "mednum",
        "mednum-bus-charente",
        "places/mednum/20231003-bus-france-services-en-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json",
    ),
    ("mednum", "mednum-cnfs", "places/mednum/lieux-de-mediation-numerique.cnfs.json"),
    ("mairies", "mairies", "organisations/mairies-fr.csv"),
];

/// Where the shared public data lives, if anywhere.
pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MAILLAGE_SHARED_DATA").map_or_else(|| PathBuf::from("../shared/data"), PathBuf::from);
    dir.is_dir().then_some(dir)
}

/// Imports what is not there yet; returns lines for the summary.
pub async fn fill(app: &App) -> anyhow::Result<Vec<String>> {
    let mut summary = Vec::new();
    let done: Vec<String> =
        app.store.import_runs(1000).await?.into_iter().filter(|r| r.status == "done").map(|r| r.source).collect();
    let within: Vec<String> = DEPARTEMENTS.iter().map(|d| (*d).to_owned()).collect();
    match shared_data_dir() {
        Some(dir) => {
            for (mapping, source, file) in PUBLIC_SOURCES {
                if done.iter().any(|d| d == source) {
                    continue;
                }
                let line = import_file(app, &dir.join(file), mapping, source, &within).await?;
                summary.push(line);
            }
        }
        None => summary
            .push("No public data found (../shared/data or MAILLAGE_SHARED_DATA): sample records only.".to_owned()),
    }
    if !done.iter().any(|d| d == SAMPLE_SOURCE) {
        summary.push(import_samples(app).await?);
    }
    Ok(summary)
}

async fn import_file(app: &App, path: &Path, mapping: &str, source: &str, within: &[String]) -> anyhow::Result<String> {
    let (_, text) = SHIPPED.iter().find(|(n, _)| *n == mapping).ok_or_else(|| anyhow!("no mapping {mapping}"))?;
    let mapping = Mapping::parse(text)?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => app::atlas::import::mapping::InputFormat::Csv,
        _ => mapping.source.format,
    };
    let file = std::fs::File::open(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let rows = readers::rows(format, std::io::BufReader::new(file), mapping.source.json_root.as_deref())?;
    let request = ImportRequest { source, mapping: &mapping, within: Some(within) };
    let report = import(app, &Actor::System, request, rows, &|_| {}).await.map_err(|e| anyhow!("{e}"))?;
    let c = report.counts;
    Ok(format!(
        "{source}: {} records from {} rows in the territory ({} rejected), {} merged as duplicates, {} to review",
        c.created,
        c.read - c.skipped,
        c.rejected,
        c.merged,
        c.queued
    ))
}

const SAMPLE_SOURCE: &str = "demo-exemples";

/// Sample places: each row is a place, a service offered there and two
/// organisations resident there.
const SAMPLE_MAPPING: &str = r#"
[source]
name = "demo-exemples"
title = "Exemples de démonstration"
publisher = "Maillage"
url = "https://maillage.example/demo"
licence = "CC0"
format = "csv"
synthetic = true

[[record]]
kind = "place"
id = "{id}"

[record.fields]
name = "nom"
kinds = { column = "types", split = ["|"] }
street = "adresse"
postal_code = "code_postal"
commune_insee = "insee"
geo = { lat = "lat", lon = "lon" }
opening_hours = "horaires"
summary = "resume"
surface_m2 = "surface"
capacity = "capacite"
labels = { column = "labels", split = ["|"] }
websites = "site"

[[record]]
kind = "service"
id = "{id}:service"
link = "offered-at"

[record.fields]
name = "service"
service_types = { column = "types_service", split = ["|"] }
publics = { value = ["tous-publics"] }
fees = { column = "frais", split = ["|"] }

[[record]]
kind = "organisation"
id = "reseau-tiers-lieux"

[record.fields]
name = { value = "Réseau des tiers-lieux du territoire (exemple)" }
org_kind = { value = "association" }
commune_insee = { value = "86194" }

[[record]]
kind = "organisation"
id = "{id}:resident-1"
link = "resident-at"

[record.fields]
name = "resident_1"
org_kind = "resident_1_type"
naf = "resident_1_naf"
commune_insee = "insee"

[[record]]
kind = "organisation"
id = "{id}:resident-2"
link = "resident-at"

[record.fields]
name = "resident_2"
org_kind = "resident_2_type"
naf = "resident_2_naf"
commune_insee = "insee"
"#;

/// (kinds, name stem, summary, service name, service types, fees)
const PLACE_KINDS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "tiers-lieu|coworking",
        "Tiers-lieu",
        "Un lieu partagé pour travailler, se former et monter des projets ensemble.",
        "Postes de coworking",
        "poste-coworking|location-espace",
        "payant",
    ),
    (
        "fablab|atelier-partage",
        "Fablab",
        "Machines à commande numérique, électronique et bois, ouvertes aux habitants et aux entreprises.",
        "Prototypage accompagné",
        "prototypage",
        "payant|gratuit-sous-condition",
    ),
    (
        "incubateur|pepiniere",
        "Incubateur",
        "Accompagnement des jeunes entreprises innovantes, de l'idée aux premiers clients.",
        "Programme d'incubation",
        "incubation",
        "gratuit-sous-condition",
    ),
    (
        "living-lab",
        "Living lab",
        "Des usagers, des chercheurs et des entreprises co-conçoivent et testent des services.",
        "Tests d'usage",
        "prototypage|acceleration",
        "payant",
    ),
    (
        "tiers-lieu|mediation-numerique",
        "La Fabrique numérique",
        "Un tiers-lieu rural : café associatif, ateliers numériques et espace de travail.",
        "Privatisation de la grande salle",
        "privatisation|location-espace",
        "payant",
    ),
];

const PREFIXES: &[&str] = &["Le Hangar", "La Ruche", "Le Quai", "La Station", "Le Moulin", "La Coursive", "L'Escale"];

/// Sample residents: (name stem, kind, NAF code).
const RESIDENTS: &[(&str, &str, &str)] = &[
    ("Atelier Boréal", "startup", "62.01Z"),
    ("Coop des Usages", "cooperative", "70.22Z"),
    ("Terra Data", "startup", "63.11Z"),
    ("Menuiserie Nouvelle", "pme", "16.23Z"),
    ("Association Ricochet", "association", "94.99Z"),
    ("Lumen Robotique", "startup", "28.99B"),
    ("Les Indépendants du Port", "collectif-independants", "74.10Z"),
];

const COMMUNES: &[&str] =
    &["16015", "16102", "16292", "17300", "17299", "17415", "79191", "79049", "79329", "86194", "86066", "86041"];

/// Deterministic rows, so that running the demo twice changes nothing.
fn sample_rows() -> Vec<Row> {
    let territory = Territory::embedded();
    let mut rows = Vec::new();
    for (i, insee) in COMMUNES.iter().enumerate() {
        let Some(commune) = territory.commune(insee) else { continue };
        let Some((lat, lon)) = commune.centroid else { continue };
        for k in 0..3 {
            let n = i * 3 + k;
            let (kinds, stem, summary, service, service_types, fees) = PLACE_KINDS[n % PLACE_KINDS.len()];
            let prefix = PREFIXES[n % PREFIXES.len()];
            // A few hundred metres around the centre, spread by index.
            let (dlat, dlon) = ((((n * 37) % 19) as f64 - 9.0) * 0.0015, (((n * 53) % 17) as f64 - 8.0) * 0.002);
            let r1 = RESIDENTS[n % RESIDENTS.len()];
            let r2 = RESIDENTS[(n + 3) % RESIDENTS.len()];
            let values: BTreeMap<String, String> = [
                ("id", format!("exemple-{n}")),
                ("nom", format!("{prefix} — {stem} ({})", commune.name)),
                ("types", kinds.to_owned()),
                ("adresse", format!("{} rue des Ateliers", 2 + n * 3)),
                ("code_postal", commune.postal_codes.first().cloned().unwrap_or_default()),
                ("insee", (*insee).to_owned()),
                ("lat", format!("{:.5}", lat + dlat)),
                ("lon", format!("{:.5}", lon + dlon)),
                (
                    "horaires",
                    if n % 4 == 0 { "Mo-Fr 09:00-19:00; Sa 10:00-17:00" } else { "Tu-Sa 09:30-18:30" }.to_owned(),
                ),
                ("resume", summary.to_owned()),
                ("surface", (250 + (n * 97) % 1200).to_string()),
                ("capacite", (20 + (n * 13) % 120).to_string()),
                ("labels", if n % 3 == 0 { "Fabrique de territoire" } else { "" }.to_owned()),
                ("site", format!("https://exemple-{n}.maillage.example")),
                ("service", service.to_owned()),
                ("types_service", service_types.to_owned()),
                ("frais", fees.to_owned()),
                ("resident_1", format!("{} {}", r1.0, commune.name)),
                ("resident_1_type", r1.1.to_owned()),
                ("resident_1_naf", r1.2.to_owned()),
                ("resident_2", format!("{} {}", r2.0, commune.name)),
                ("resident_2_type", r2.1.to_owned()),
                ("resident_2_naf", r2.2.to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            rows.push(Row { line: n + 2, values });
        }
    }
    rows
}

async fn import_samples(app: &App) -> anyhow::Result<String> {
    let mapping = Mapping::parse(SAMPLE_MAPPING)?;
    let rows = sample_rows();
    let n = rows.len();
    let request = ImportRequest { source: SAMPLE_SOURCE, mapping: &mapping, within: None };
    let report =
        import(app, &Actor::System, request, rows.into_iter().map(Ok), &|_| {}).await.map_err(|e| anyhow!("{e}"))?;
    // The sample places are members of the sample network.
    if let Some(network) = app.store.record_of_source(SAMPLE_SOURCE, "reseau-tiers-lieux").await? {
        let mut members = Vec::new();
        for n in 0..n {
            if let Some(place) = app.store.record_of_source(SAMPLE_SOURCE, &format!("exemple-{n}")).await? {
                members.push(place);
            }
        }
        let mut tx = app.store.write().await?;
        for place in &members {
            tx.upsert_link(*place, network, "member-of", Some("2024"), None, SAMPLE_SOURCE).await?;
        }
        tx.audit(
            domain::audit::AuditEvent::new(domain::audit::AuditActor::System, "atlas.links", "atlas_record", network)
                .with_summary(format!("{} members of the sample network", members.len())),
        )
        .await?;
        tx.commit().await?;
    }
    // Key figures of the sample places over three years.
    let mut cursor =
        store::atlas::RecordCursor { after_id: 0, kind: Some(domain::atlas::RecordKind::Place), live_only: true };
    let mut figured = 0;
    loop {
        let page = app.store.atlas_records_page(cursor, 500).await?;
        let Some(last) = page.last() else { break };
        cursor.after_id = last.id;
        for (i, r) in page.iter().filter(|r| r.synthetic).enumerate() {
            for (y, year) in [2023, 2024, 2025].into_iter().enumerate() {
                let grow = |base: usize| (base + i * 7 + y * base / 4) as i64;
                let figures = [
                    ("surface_m2".to_owned(), r.fields.get("surface_m2").and_then(|v| v.as_int()).unwrap_or(400)),
                    ("residents".to_owned(), grow(8)),
                    ("partners".to_owned(), grow(5)),
                    ("projects".to_owned(), grow(12)),
                    ("events".to_owned(), grow(30)),
                    ("visitors".to_owned(), grow(1500)),
                ];
                set_key_figures(app, &Actor::System, r.id, year, &figures).await.map_err(|e| anyhow!("{e}"))?;
            }
            figured += 1;
        }
    }
    Ok(format!(
        "{SAMPLE_SOURCE}: {n} sample innovation places with a service and two residents each ({} records), key figures for {figured} places",
        report.counts.created
    ))
}
