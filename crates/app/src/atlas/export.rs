//! Open-data exports of the atlas: the live places (and organisations) in
//! the national formats, streamed page by page into the writers of
//! `interop::export`, so that memory stays the same whatever the size of
//! the atlas.
//!
//! Records are read in pages in id order (a page, then the services offered
//! at its places and the update dates, a query each), turned into
//! `ExportRecord`s and written one at a time. (`Store::for_each_atlas_record`
//! streams rows to a synchronous closure, which cannot wait for the service
//! lookups; keyset pages of `atlas_records_page` can, in the same constant
//! memory.) Synthetic records, made up for demonstrations, are left out.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::LazyLock;

use domain::atlas::RecordKind;
use domain::atlas::survivorship::MANUAL_SOURCE;
use domain::territory::Territory;
use interop::export::dcat::{Catalog, Dataset, SourceAttribution};
use interop::export::{Counts, ExportRecord, RecordWriter, SourceRef, data_inclusion, dcat, geojson, mednum};
use store::atlas::{AtlasRecord, RecordCursor};
use store::{from_micros, now_micros};

use super::import::mapping::{Mapping, SHIPPED};
use crate::{App, AppError};

/// Records per page: one page and its services are in memory at a time.
const PAGE: i64 = 500;

/// The standard of the lieux de médiation numérique, version 1.0.2.
pub const MEDNUM_SCHEMA: &str = "https://raw.githubusercontent.com/LaMednum/standard-mediation-num/v1.0.2/schema.json";
/// data·inclusion's schema (v1).
pub const DATA_INCLUSION_SCHEMA: &str = "https://github.com/gip-inclusion/data-inclusion-schema";
pub const GEOJSON_RFC: &str = "https://www.rfc-editor.org/rfc/rfc7946";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    MednumCsv,
    MednumJson,
    DataInclusionStructures,
    DataInclusionServices,
    Geojson,
    Dcat,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::MednumCsv,
        ExportFormat::MednumJson,
        ExportFormat::DataInclusionStructures,
        ExportFormat::DataInclusionServices,
        ExportFormat::Geojson,
        ExportFormat::Dcat,
    ];

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name.trim().to_ascii_lowercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::MednumCsv => "mednum-csv",
            ExportFormat::MednumJson => "mednum-json",
            ExportFormat::DataInclusionStructures => "data-inclusion-structures",
            ExportFormat::DataInclusionServices => "data-inclusion-services",
            ExportFormat::Geojson => "geojson",
            ExportFormat::Dcat => "dcat",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::MednumCsv => "csv",
            ExportFormat::MednumJson | ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices => {
                "json"
            }
            ExportFormat::Geojson => "geojson",
            ExportFormat::Dcat => "jsonld",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::MednumCsv => "text/csv",
            ExportFormat::MednumJson | ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices => {
                "application/json"
            }
            ExportFormat::Geojson => "application/geo+json",
            ExportFormat::Dcat => "application/ld+json",
        }
    }

    /// Where the API serves it.
    pub fn download_url(self, public_url: &str) -> String {
        format!("{}/api/v1/exports/{}", public_url.trim_end_matches('/'), self.as_str())
    }

    fn title(self) -> &'static str {
        match self {
            ExportFormat::MednumCsv => "Lieux de médiation numérique (schéma national, CSV)",
            ExportFormat::MednumJson => "Lieux de médiation numérique (schéma national, JSON)",
            ExportFormat::DataInclusionStructures => "Structures (data·inclusion v1)",
            ExportFormat::DataInclusionServices => "Services (data·inclusion v1)",
            ExportFormat::Geojson => "Lieux et organisations (GeoJSON)",
            ExportFormat::Dcat => "Catalogue des données (DCAT-AP)",
        }
    }

    fn description(self) -> &'static str {
        match self {
            ExportFormat::MednumCsv | ExportFormat::MednumJson => {
                "Les lieux de l'atlas au standard national des lieux de médiation numérique v1.0.2 (LaMednum), \
                 avec l'offre de services de chacun."
            }
            ExportFormat::DataInclusionStructures => {
                "Les lieux et organisations de l'atlas comme structures du référentiel data·inclusion (schéma v1)."
            }
            ExportFormat::DataInclusionServices => {
                "Les services proposés dans les lieux de l'atlas, au schéma des services de data·inclusion (v1)."
            }
            ExportFormat::Geojson => "Les lieux et organisations localisés de l'atlas, pour les cartes.",
            ExportFormat::Dcat => "Le catalogue des exports de l'atlas.",
        }
    }

    fn conforms_to(self) -> Option<&'static str> {
        match self {
            ExportFormat::MednumCsv | ExportFormat::MednumJson => Some(MEDNUM_SCHEMA),
            ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices => Some(DATA_INCLUSION_SCHEMA),
            ExportFormat::Geojson => Some(GEOJSON_RFC),
            ExportFormat::Dcat => None,
        }
    }

    /// The kinds of records the format lists.
    fn kinds(self) -> &'static [RecordKind] {
        match self {
            ExportFormat::MednumCsv | ExportFormat::MednumJson => &[RecordKind::Place],
            ExportFormat::DataInclusionStructures | ExportFormat::DataInclusionServices | ExportFormat::Geojson => {
                &[RecordKind::Place, RecordKind::Organisation]
            }
            ExportFormat::Dcat => &[],
        }
    }

    /// Whether its rows need the services offered at each place.
    fn needs_services(self) -> bool {
        matches!(self, ExportFormat::MednumCsv | ExportFormat::MednumJson | ExportFormat::DataInclusionServices)
    }
}

/// Writes the export in `format` to `out` (buffer it) and says how many
/// records were written and skipped. `public_url` starts the links to
/// record pages and downloads.
pub async fn export<W: Write + Send>(
    app: &App,
    format: ExportFormat,
    public_url: &str,
    out: W,
) -> Result<Counts, AppError> {
    export_in_pages(app, format, public_url, out, PAGE).await
}

/// [`export`], reading `page_size` records at a time (tests make pages
/// small to cross their boundaries).
pub async fn export_in_pages<W: Write + Send>(
    app: &App,
    format: ExportFormat,
    public_url: &str,
    out: W,
    page_size: i64,
) -> Result<Counts, AppError> {
    let page_size = page_size.max(1);
    let public_url = public_url.trim_end_matches('/');
    let io = |e: std::io::Error| AppError::Internal(format!("cannot write the export: {e}"));
    let mut writer: Box<dyn RecordWriter + Send + '_> = match format {
        ExportFormat::MednumCsv => Box::new(mednum::CsvWriter::new(out).map_err(io)?),
        ExportFormat::MednumJson => Box::new(mednum::JsonWriter::new(out).map_err(io)?),
        ExportFormat::DataInclusionStructures => Box::new(data_inclusion::StructuresWriter::new(out).map_err(io)?),
        ExportFormat::DataInclusionServices => Box::new(data_inclusion::ServicesWriter::new(out).map_err(io)?),
        ExportFormat::Geojson => Box::new(geojson::Writer::new(out).map_err(io)?),
        ExportFormat::Dcat => {
            let c = catalog(app, public_url).await?;
            dcat::write(out, &c).map_err(io)?;
            return Ok(Counts { written: c.datasets.len() as u64, skipped: 0 });
        }
    };
    for kind in format.kinds() {
        let mut cursor = RecordCursor { kind: Some(*kind), after_id: 0, live_only: true };
        loop {
            let page = app.store.atlas_records_page(cursor, page_size).await?;
            let Some(last) = page.last() else { break };
            cursor.after_id = last.id;
            let full = page.len() as i64 == page_size;
            // Records made up for a demonstration are not open data.
            let page: Vec<AtlasRecord> = page.into_iter().filter(|r| !r.synthetic).collect();
            for record in export_records(app, page, public_url, format.needs_services()).await? {
                writer.write(&record).map_err(io)?;
            }
            if !full {
                break;
            }
        }
    }
    writer.finish().map_err(io)
}

/// A page of records as exports see them, with their services if asked.
async fn export_records(
    app: &App,
    page: Vec<AtlasRecord>,
    public_url: &str,
    with_services: bool,
) -> Result<Vec<ExportRecord>, AppError> {
    let mut services_at: HashMap<i64, Vec<AtlasRecord>> = HashMap::new();
    if with_services {
        let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
        let links = app.store.service_links_to(&ids).await?;
        let mut service_ids: Vec<i64> = links.iter().map(|(s, _)| *s).collect();
        service_ids.sort_unstable();
        service_ids.dedup();
        let services: HashMap<i64, AtlasRecord> = app
            .store
            .atlas_records_by_ids(&service_ids)
            .await?
            .into_iter()
            .filter(|s| s.is_live() && !s.synthetic && s.kind == RecordKind::Service)
            .map(|s| (s.id, s))
            .collect();
        for (service, place) in links {
            if let Some(s) = services.get(&service) {
                services_at.entry(place).or_default().push(s.clone());
            }
        }
        for list in services_at.values_mut() {
            list.sort_by_key(|s| s.id);
        }
    }
    let mut dated: Vec<i64> = page.iter().map(|r| r.id).collect();
    dated.extend(services_at.values().flatten().map(|s| s.id));
    let changed: HashMap<i64, i64> = app.store.sources_last_changed(&dated).await?.into_iter().collect();
    let mappings = shipped_mappings();
    Ok(page
        .into_iter()
        .map(|r| {
            let services = services_at
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| export_record(s, &changed, mappings, public_url, Vec::new()))
                .collect();
            export_record(r, &changed, mappings, public_url, services)
        })
        .collect())
}

fn export_record(
    r: AtlasRecord,
    changed: &HashMap<i64, i64>,
    mappings: &[Mapping],
    public_url: &str,
    services: Vec<ExportRecord>,
) -> ExportRecord {
    let territory = Territory::embedded();
    let commune = r.commune_insee.as_deref().and_then(|c| territory.commune(c));
    // What the sources last said, a hand edit, or a manager's confirmation,
    // whichever is latest.
    let edited = r.provenance.values().flatten().filter(|p| p.source == MANUAL_SOURCE).map(|p| p.fetched_at).max();
    let updated_at =
        [changed.get(&r.id).copied(), edited, r.verified_at].into_iter().flatten().max().unwrap_or(r.updated_at);
    // The record's id in each source; the name's sources first.
    let mut sources: Vec<SourceRef> = Vec::new();
    let by_name = r.provenance.get("name").into_iter().flatten();
    for p in by_name.chain(r.provenance.values().flatten()) {
        if p.source != MANUAL_SOURCE && !sources.iter().any(|s| s.source == p.source && s.source_id == p.source_id) {
            sources.push(SourceRef {
                source: p.source.clone(),
                source_id: p.source_id.clone(),
                mapping: mapping_of(&p.source, mappings).map(|m| m.source.name.clone()),
            });
        }
    }
    let text = |f: &str| r.fields.get(f).and_then(|v| v.as_text()).map(str::to_owned);
    ExportRecord {
        id: r.id,
        kind: r.kind,
        name: r.name.clone(),
        commune: text("commune_name").or_else(|| commune.map(|c| c.name.clone())),
        postal_code: text("postal_code").or_else(|| commune.and_then(|c| c.postal_codes.first().cloned())),
        commune_insee: r.commune_insee.clone(),
        geo: r.geo,
        updated_at: from_micros(updated_at),
        sources,
        url: Some(format!("{public_url}/atlas/{}", r.id)),
        services,
        fields: r.fields,
    }
}

/// The mappings shipped with Maillage, parsed once.
static SHIPPED_MAPPINGS: LazyLock<Vec<Mapping>> =
    LazyLock::new(|| SHIPPED.iter().filter_map(|(_, text)| Mapping::parse(text).ok()).collect());

fn shipped_mappings() -> &'static [Mapping] {
    &SHIPPED_MAPPINGS
}

/// The shipped mapping a source was most likely read with: the source is
/// named after it (`mednum`) or after it and a suffix (`mednum-charente`).
fn mapping_of<'a>(source: &str, mappings: &'a [Mapping]) -> Option<&'a Mapping> {
    mappings.iter().find(|m| {
        let name = m.source.name.as_str();
        source == name || source.strip_prefix(name).is_some_and(|rest| rest.starts_with(['-', '_', '.']))
    })
}

/// The catalogue of the exports, crediting every imported source.
pub async fn catalog(app: &App, public_url: &str) -> Result<Catalog, AppError> {
    let public_url = public_url.trim_end_matches('/');
    let mappings = shipped_mappings();
    let mut sources: BTreeMap<String, SourceAttribution> = BTreeMap::new();
    for (name, _) in app.store.source_names().await? {
        let attribution = match mapping_of(&name, mappings) {
            Some(m) => SourceAttribution {
                name: name.clone(),
                title: m.source.title.clone(),
                publisher: Some(m.source.publisher.clone()).filter(|p| !p.is_empty()),
                licence: Some(m.source.licence.clone()).filter(|l| !l.is_empty()),
                url: Some(m.source.url.clone()).filter(|u| !u.is_empty()),
            },
            None => {
                SourceAttribution { name: name.clone(), title: name.clone(), publisher: None, licence: None, url: None }
            }
        };
        sources.insert(name, attribution);
    }
    let mut sources: Vec<SourceAttribution> = sources.into_values().collect();
    // Commune names and postal codes come from the territory referential.
    sources.push(SourceAttribution {
        name: "territoire".into(),
        title: "Découpage administratif (communes, codes postaux)".into(),
        publisher: Some("INSEE et La Poste, via Etalab (@etalab/decoupage-administratif)".into()),
        licence: Some("Licence Ouverte 2.0".into()),
        url: Some("https://github.com/etalab/decoupage-administratif".into()),
    });
    let modified = from_micros(app.store.atlas_last_updated().await?.unwrap_or_else(now_micros));
    let datasets = ExportFormat::ALL
        .into_iter()
        .filter(|f| *f != ExportFormat::Dcat)
        .map(|f| Dataset {
            identifier: f.as_str().to_owned(),
            title: f.title().to_owned(),
            description: f.description().to_owned(),
            media_type: f.media_type().to_owned(),
            format: f.extension().to_owned(),
            download_url: f.download_url(public_url),
            conforms_to: f.conforms_to().map(str::to_owned),
        })
        .collect();
    Ok(Catalog {
        title: "Maillage : l'atlas des lieux d'innovation du territoire".into(),
        description: "Les lieux, acteurs et services de l'innovation du territoire, en données ouvertes.".into(),
        homepage: public_url.to_owned(),
        url: ExportFormat::Dcat.download_url(public_url),
        publisher: "Maillage".into(),
        modified: modified.format("%Y-%m-%d").to_string(),
        datasets,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name_and_say_what_they_are() {
        for f in ExportFormat::ALL {
            assert_eq!(ExportFormat::parse(f.as_str()), Some(f));
            assert!(f.media_type().contains('/'));
        }
        assert_eq!(ExportFormat::parse(" GeoJSON "), Some(ExportFormat::Geojson));
        assert_eq!(ExportFormat::parse("csv"), None);
        assert_eq!(ExportFormat::MednumCsv.extension(), "csv");
        assert_eq!(
            ExportFormat::DataInclusionServices.download_url("https://a.fr/"),
            "https://a.fr/api/v1/exports/data-inclusion-services"
        );
    }

    #[test]
    fn sources_are_matched_with_the_mapping_they_are_named_after() {
        let mappings = shipped_mappings();
        let name = |s: &str| mapping_of(s, mappings).map(|m| m.source.name.as_str());
        assert_eq!(name("mednum"), Some("mednum"));
        assert_eq!(name("mednum-charente"), Some("mednum"));
        assert_eq!(name("france-services"), Some("france-services"));
        assert_eq!(name("mednumerique"), None);
        assert_eq!(name("hinaura"), None);
    }
}
