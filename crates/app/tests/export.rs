//! Open-data exports end to end: import real files with the shipped
//! mappings, export, and check the output against the national standards'
//! own schemas (the Table Schema of the lieux de médiation numérique, the
//! data·inclusion v1 JSON Schemas).

use std::collections::{BTreeMap, HashSet};

use app::atlas::export::{ExportFormat, export, export_in_pages};
use app::atlas::import::mapping::InputFormat;
use app::atlas::import::{ImportRequest, import, readers};
use app::{App, AppConfig};
use domain::atlas::RecordKind;
use domain::policy::Actor;
use interop::csv_input::CsvReader;
use interop::export::Counts;
use interop::export::dcat::LICENCE_OUVERTE_2;
use interop::table_schema::TableSchema;
use serde_json::Value as Json;
use testkit::TestDb;

const PUBLIC_URL: &str = "https://atlas.example.fr";

fn standard(file: &str) -> String {
    let path = format!("{}/../../referentials/standards/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn app_on(db: &TestDb) -> App {
    App::new(db.store.clone(), AppConfig::new(PUBLIC_URL)).await.expect("app")
}

async fn exported(app: &App, format: ExportFormat) -> (Vec<u8>, Counts) {
    let mut out = Vec::new();
    let counts = export(app, format, PUBLIC_URL, &mut out).await.expect("export");
    (out, counts)
}

async fn exported_json(app: &App, format: ExportFormat) -> (Json, Counts) {
    let (bytes, counts) = exported(app, format).await;
    (serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{format:?} is not JSON: {e}")), counts)
}

/// The rows of a CSV as column → value maps.
fn csv_rows(bytes: Vec<u8>) -> Vec<BTreeMap<String, String>> {
    CsvReader::new(std::io::Cursor::new(bytes))
        .expect("CSV")
        .map(|r| r.expect("CSV row").1.into_iter().collect())
        .collect()
}

/// Every row of a mednum CSV export is valid against the national Table Schema.
fn assert_valid_mednum(csv: &[u8]) {
    let schema = TableSchema::parse(&standard("lieux-mediation-numerique-schema.json")).expect("schema");
    let violations = schema.validate_csv(csv).expect("readable CSV");
    let shown: Vec<String> = violations.iter().take(20).map(ToString::to_string).collect();
    assert!(violations.is_empty(), "{} violations of the national schema:\n{}", violations.len(), shown.join("\n"));
}

/// Every item of a data·inclusion export is valid against its v1 JSON Schema
/// (formats such as `uri`, `email` and `date` checked too).
fn assert_valid_data_inclusion(items: &Json, schema_file: &str) {
    let schema: Json = serde_json::from_str(&standard(&format!("data-inclusion-v1/{schema_file}"))).unwrap();
    let validator = jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap();
    let items = items.as_array().expect("a JSON array");
    for item in items {
        let errors: Vec<String> = validator.iter_errors(item).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{schema_file}: {errors:#?}\n{item:#}");
    }
}

async fn import_national_example(app: &App) {
    let mapping = testkit::atlas::shipped_mapping("mednum");
    let file = std::fs::File::open(format!(
        "{}/../../referentials/standards/lieux-mediation-numerique-exemple.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let rows = readers::rows(InputFormat::Csv, file, None).unwrap();
    let request = ImportRequest { source: "mednum", mapping: &mapping, within: None };
    let report = import(app, &Actor::System, request, rows, &|_| {}).await.expect("import");
    assert_eq!((report.counts.read, report.counts.rejected), (1, 0), "{report:?}");
}

/// Columns of the national schema that do not come back as they went in,
/// and why. Our model keeps every column of the example: its place fields
/// (typologies, parent structure, labels, producer…) and its service
/// (services, publics, fees, access and support modes) carry them, and
/// `date_maj` is the source's own update date. Terms outside the schema's
/// vocabularies would be dropped or translated, but the example has none.
const NOT_KEPT: &[(&str, &str)] = &[];

async fn the_national_example_round_trips(db: &TestDb) {
    let app = app_on(db).await;
    import_national_example(&app).await;

    // CSV: valid, and equal to the example on every column.
    let (csv, counts) = exported(&app, ExportFormat::MednumCsv).await;
    assert_eq!(counts, Counts { written: 1, skipped: 0 });
    assert_valid_mednum(&csv);
    let text = String::from_utf8(csv.clone()).unwrap();
    let header = text.lines().next().unwrap();
    let schema = TableSchema::parse(&standard("lieux-mediation-numerique-schema.json")).unwrap();
    assert_eq!(header.split(',').collect::<Vec<_>>(), schema.field_names());
    let ours = csv_rows(csv);
    let example = csv_rows(standard("lieux-mediation-numerique-exemple.csv").into_bytes());
    assert_eq!((ours.len(), example.len()), (1, 1));
    for (column, theirs) in &example[0] {
        if NOT_KEPT.iter().any(|(c, _)| c == column) {
            continue;
        }
        assert_eq!(ours[0].get(column), Some(theirs), "column {column}");
    }

    // JSON: the same keys and values.
    let (json, _) = exported_json(&app, ExportFormat::MednumJson).await;
    let item = json.as_array().and_then(|a| a.first()).expect("one place").as_object().unwrap();
    assert_eq!(item.keys().collect::<HashSet<_>>(), ours[0].keys().collect::<HashSet<_>>());
    for (column, value) in &ours[0] {
        let as_text = match &item[column] {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Null => String::new(),
            other => panic!("{column}: {other}"),
        };
        assert_eq!(&as_text, value, "{column}");
    }

    // data·inclusion: valid structures and services, linked.
    let (structures, counts) = exported_json(&app, ExportFormat::DataInclusionStructures).await;
    assert_eq!(counts.written, 1);
    assert_valid_data_inclusion(&structures, "structure.json");
    let s = &structures[0];
    assert_eq!((s["source"].as_str(), s["nom"].as_str()), (Some("maillage"), Some("Anonymal")));
    assert_eq!(s["siret"], "43493312300029");
    assert_eq!(s["date_maj"], "2024-04-02");
    let (services, counts) = exported_json(&app, ExportFormat::DataInclusionServices).await;
    assert_eq!(counts.written, 1);
    assert_valid_data_inclusion(&services, "service.json");
    let service = &services[0];
    assert_eq!(service["structure_id"], s["id"]);
    assert_eq!(service["publics"], serde_json::json!(["jeunes", "femmes"]));
    assert_eq!(service["frais"], "payant");
    assert_eq!(service["modes_accueil"], serde_json::json!(["en-presentiel", "a-distance"]));
    assert_eq!(service["modes_mobilisation"], serde_json::json!(["se-presenter", "telephoner"]));

    // GeoJSON: one point, longitude first.
    let (geo, _) = exported_json(&app, ExportFormat::Geojson).await;
    assert_eq!(geo["type"], "FeatureCollection");
    let f = &geo["features"][0];
    assert_eq!(f["geometry"]["type"], "Point");
    assert_eq!(f["geometry"]["coordinates"], serde_json::json!([5.41423, 43.52609]));
    assert_eq!(f["properties"]["name"], "Anonymal");
    assert_eq!(f["properties"]["code_insee"], "51454");
    assert_eq!(f["properties"]["commune"], "Reims");
    let id = f["properties"]["id"].as_i64().unwrap();
    assert_eq!(f["properties"]["url"], format!("{PUBLIC_URL}/atlas/{id}"));

    // DCAT: the catalogue, a dataset per format, the licence, the sources.
    let (dcat, counts) = exported_json(&app, ExportFormat::Dcat).await;
    assert_eq!(counts.written, 5);
    assert_eq!(dcat["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    assert_eq!(dcat["@type"], "dcat:Catalog");
    let datasets = dcat["dcat:dataset"].as_array().unwrap();
    let names: Vec<&str> = datasets.iter().map(|d| d["dct:identifier"].as_str().unwrap()).collect();
    assert_eq!(names, ["mednum-csv", "mednum-json", "data-inclusion-structures", "data-inclusion-services", "geojson"]);
    for d in datasets {
        assert_eq!(d["@type"], "dcat:Dataset");
        assert_eq!(d["dct:license"]["@id"], LICENCE_OUVERTE_2);
        let dist = &d["dcat:distribution"][0];
        assert_eq!(dist["@type"], "dcat:Distribution");
        let url = dist["dcat:downloadURL"]["@id"].as_str().unwrap();
        assert_eq!(url, format!("{PUBLIC_URL}/api/v1/exports/{}", d["dct:identifier"].as_str().unwrap()));
        assert!(
            dist["dcat:mediaType"]["@id"]
                .as_str()
                .unwrap()
                .starts_with("https://www.iana.org/assignments/media-types/")
        );
        let mednum = d["dct:source"].as_array().unwrap().iter().find(|s| s["dct:identifier"] == "mednum").unwrap();
        assert_eq!(mednum["dct:title"], "Lieux de médiation numérique");
        assert_eq!(mednum["dct:license"]["rdfs:label"], "Licence Ouverte 2.0");
        assert!(mednum["dct:publisher"]["foaf:name"].as_str().unwrap().contains("ANCT"));
    }
}

async fn france_services_in_charente_export_valid_files(db: &TestDb) {
    let app = app_on(db).await;
    testkit::atlas::import_shared(
        &app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    let places = app.store.count_atlas_records(Some(RecordKind::Place), true).await.unwrap() as u64;
    assert!(places >= 30, "{places} France Services in Charente");

    let (csv, counts) = exported(&app, ExportFormat::MednumCsv).await;
    assert_eq!(counts.written + counts.skipped, places);
    assert!(counts.written >= 30, "{counts:?}");
    assert_valid_mednum(&csv);
    let rows = csv_rows(csv.clone());
    assert_eq!(rows.len() as u64, counts.written);
    for row in &rows {
        // Ours, not a national id; no SIRET in the file; the offer of a France Services.
        assert!(row["id"].starts_with("maillage-"), "{row:?}");
        assert_eq!(row["pivot"], "00000000000000");
        assert_eq!(row["source"], "Maillage");
        assert!(row["typologie"].contains("RFS"), "{row:?}");
        assert!(row["dispositif_programmes_nationaux"].contains("France Services"), "{row:?}");
        assert!(row["services"].contains("Aide aux démarches administratives"), "{row:?}");
        assert!(row["code_insee"].starts_with("16"), "{row:?}");
    }
    // Small pages give the same file: page boundaries lose and repeat nothing.
    let mut paged = Vec::new();
    export_in_pages(&app, ExportFormat::MednumCsv, PUBLIC_URL, &mut paged, 7).await.unwrap();
    assert_eq!(paged, csv);

    let (structures, counts) = exported_json(&app, ExportFormat::DataInclusionStructures).await;
    assert_eq!(counts.written, places);
    assert_valid_data_inclusion(&structures, "structure.json");
    let (services, counts) = exported_json(&app, ExportFormat::DataInclusionServices).await;
    assert_eq!(counts.written, places, "one service at each France Services");
    assert_valid_data_inclusion(&services, "service.json");
    let structure_ids: HashSet<&str> =
        structures.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    for s in services.as_array().unwrap() {
        assert!(structure_ids.contains(s["structure_id"].as_str().unwrap()), "{s}");
    }
    let mut paged = Vec::new();
    export_in_pages(&app, ExportFormat::DataInclusionServices, PUBLIC_URL, &mut paged, 3).await.unwrap();
    assert_eq!(serde_json::from_slice::<Json>(&paged).unwrap(), services);

    let (geo, counts) = exported_json(&app, ExportFormat::Geojson).await;
    assert_eq!(counts.written + counts.skipped, places);
    assert_eq!(geo["features"].as_array().unwrap().len() as u64, counts.written);
    let (dcat, _) = exported_json(&app, ExportFormat::Dcat).await;
    let sources = dcat["dcat:dataset"][0]["dct:source"].as_array().unwrap();
    let fs = sources.iter().find(|s| s["dct:identifier"] == "france-services").expect("France Services credited");
    assert_eq!(fs["dct:publisher"]["foaf:name"], "Agence nationale de la cohésion des territoires (ANCT)");
}

/// France Services and the older mednum producers' file of Charente, with
/// cross-source duplicates merged: older vocabularies, places from two
/// sources, services at merged places.
async fn merged_sources_export_valid_files(db: &TestDb) {
    let app = app_on(db).await;
    testkit::atlas::charente(&app).await;
    let places = app.store.count_atlas_records(Some(RecordKind::Place), true).await.unwrap() as u64;

    let (csv, counts) = exported(&app, ExportFormat::MednumCsv).await;
    assert_eq!(counts.written + counts.skipped, places);
    assert!(counts.written > 150, "{counts:?}");
    assert_valid_mednum(&csv);
    let rows = csv_rows(csv);
    // Places read from the mednum file keep its ids, the others get ours.
    let national = rows.iter().filter(|r| !r["id"].starts_with("maillage-")).count();
    assert!(national > 100 && national < rows.len(), "{national} of {}", rows.len());
    assert!(rows.iter().filter(|r| !r["services"].is_empty()).count() > 150);

    let (structures, _) = exported_json(&app, ExportFormat::DataInclusionStructures).await;
    assert_valid_data_inclusion(&structures, "structure.json");
    let (services, counts) = exported_json(&app, ExportFormat::DataInclusionServices).await;
    assert!(counts.written > places, "{counts:?}: merged places offer the services of each source");
    assert_valid_data_inclusion(&services, "service.json");
    let ids: HashSet<&str> = services.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len() as u64, counts.written, "service ids are unique");
}

testkit::on_both_backends!(
    the_national_example_round_trips,
    france_services_in_charente_export_valid_files,
    merged_sources_export_valid_files
);
