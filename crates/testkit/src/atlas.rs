//! Atlas fixtures: the real public files of `../shared/data`, imported with
//! the mappings Maillage ships.

use app::App;
use app::atlas::import::mapping::{Mapping, SHIPPED};
use app::atlas::import::{ImportReport, ImportRequest, import, readers};
use domain::policy::Actor;

pub use crate::db::shared_data;

/// A mapping shipped in `mappings/`, by name.
pub fn shipped_mapping(name: &str) -> Mapping {
    let (_, text) = SHIPPED.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no shipped mapping {name}"));
    Mapping::parse(text).expect("shipped mappings parse")
}

/// Imports a shared file as the system would, restricted to `within` départements.
pub async fn import_shared(app: &App, mapping: &str, source: &str, file: &str, within: &[&str]) -> ImportReport {
    let mapping = shipped_mapping(mapping);
    let path = shared_data(file);
    let input = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows =
        readers::rows(mapping.source.format, std::io::BufReader::new(input), mapping.source.json_root.as_deref())
            .expect("readable input");
    let within: Vec<String> = within.iter().map(|d| (*d).to_owned()).collect();
    let request =
        ImportRequest { source, mapping: &mapping, within: if within.is_empty() { None } else { Some(&within) } };
    import(app, &Actor::System, request, rows, &|_| {}).await.expect("import")
}

/// France Services and the Charente lieux de médiation numérique, in Charente (16):
/// about 250 places and their services, with cross-source duplicates.
pub async fn charente(app: &App) {
    import_shared(app, "france-services", "france-services", "places/france-services-2024-08.csv", &["16"]).await;
    import_shared(
        app,
        "mednum",
        "mednum-charente",
        "places/mednum/20230711-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json",
        &["16"],
    )
    .await;
}
