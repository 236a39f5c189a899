//! The catalogue of the exports in DCAT-AP, as JSON-LD: one dataset per
//! export format with its distribution (media type, download URL), the
//! Licence Ouverte 2.0, and the attribution of every source the atlas was
//! built from (which that licence requires).

use std::io::{self, Write};

use serde_json::{Value as Json, json};

/// Licence Ouverte / Open Licence 2.0 (Etalab), the licence of the exports.
pub const LICENCE_OUVERTE_2: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";

const CONTEXT: &str = r#"{
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#"
}"#;

const FRENCH: &str = "http://publications.europa.eu/resource/authority/language/FRA";

/// What the catalogue says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub title: String,
    pub description: String,
    /// The site's address; the catalogue's id is under it.
    pub homepage: String,
    /// The catalogue's own URL.
    pub url: String,
    pub publisher: String,
    /// Last change of the data, `YYYY-MM-DD`.
    pub modified: String,
    pub datasets: Vec<Dataset>,
    pub sources: Vec<SourceAttribution>,
}

/// One export format.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub identifier: String,
    pub title: String,
    pub description: String,
    pub media_type: String,
    /// File extension, e.g. `csv`.
    pub format: String,
    pub download_url: String,
    /// The standard it follows.
    pub conforms_to: Option<String>,
}

/// A source the atlas was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceAttribution {
    /// The source's name in Maillage.
    pub name: String,
    pub title: String,
    pub publisher: Option<String>,
    /// A licence name or URL.
    pub licence: Option<String>,
    pub url: Option<String>,
}

fn date(d: &str) -> Json {
    json!({"@value": d, "@type": "xsd:date"})
}

fn licence(l: &str) -> Json {
    if l.starts_with("http://") || l.starts_with("https://") {
        json!({"@id": l})
    } else {
        json!({"@type": "dct:LicenseDocument", "rdfs:label": l})
    }
}

fn source(s: &SourceAttribution) -> Json {
    let mut o = serde_json::Map::new();
    o.insert("@type".into(), json!("dcat:Dataset"));
    o.insert("dct:identifier".into(), json!(s.name));
    o.insert("dct:title".into(), json!(s.title));
    if let Some(p) = &s.publisher {
        o.insert("dct:publisher".into(), json!({"@type": "foaf:Agent", "foaf:name": p}));
    }
    if let Some(l) = &s.licence {
        o.insert("dct:license".into(), licence(l));
    }
    if let Some(u) = &s.url {
        o.insert("dcat:landingPage".into(), json!({"@id": u}));
    }
    Json::Object(o)
}

/// "Title (publisher, licence)" for each source: the attribution in words.
fn credits(sources: &[SourceAttribution]) -> String {
    let each: Vec<String> = sources
        .iter()
        .map(|s| {
            let details: Vec<&str> = [s.publisher.as_deref(), s.licence.as_deref()].into_iter().flatten().collect();
            if details.is_empty() { s.title.clone() } else { format!("{} ({})", s.title, details.join(", ")) }
        })
        .collect();
    format!("Sources : {}.", each.join(" ; "))
}

/// The catalogue as a JSON-LD document.
pub fn catalog(c: &Catalog) -> Json {
    let context: Json = serde_json::from_str(CONTEXT).expect("the context is valid JSON");
    let publisher = json!({"@type": "foaf:Agent", "foaf:name": c.publisher});
    let sources: Vec<Json> = c.sources.iter().map(source).collect();
    let rights = json!({"@type": "dct:RightsStatement", "rdfs:label": credits(&c.sources)});
    let datasets: Vec<Json> = c
        .datasets
        .iter()
        .map(|d| {
            let mut o = serde_json::Map::new();
            o.insert("@id".into(), json!(format!("{}#dataset", d.download_url)));
            o.insert("@type".into(), json!("dcat:Dataset"));
            o.insert("dct:identifier".into(), json!(d.identifier));
            o.insert("dct:title".into(), json!(d.title));
            o.insert("dct:description".into(), json!(d.description));
            o.insert("dct:publisher".into(), publisher.clone());
            o.insert("dct:language".into(), json!({"@id": FRENCH}));
            o.insert("dct:modified".into(), date(&c.modified));
            o.insert("dct:license".into(), json!({"@id": LICENCE_OUVERTE_2}));
            o.insert("dct:rights".into(), rights.clone());
            o.insert("dct:source".into(), json!(sources));
            if let Some(standard) = &d.conforms_to {
                o.insert("dct:conformsTo".into(), json!({"@id": standard}));
            }
            o.insert(
                "dcat:distribution".into(),
                json!([{
                    "@id": d.download_url,
                    "@type": "dcat:Distribution",
                    "dct:title": format!("{} ({})", d.title, d.format),
                    "dcat:accessURL": {"@id": d.download_url},
                    "dcat:downloadURL": {"@id": d.download_url},
                    "dcat:mediaType": {"@id": format!("https://www.iana.org/assignments/media-types/{}", d.media_type)},
                    "dct:format": d.format,
                    "dct:license": {"@id": LICENCE_OUVERTE_2},
                }]),
            );
            Json::Object(o)
        })
        .collect();
    json!({
        "@context": context,
        "@id": c.url,
        "@type": "dcat:Catalog",
        "dct:title": c.title,
        "dct:description": c.description,
        "dct:publisher": publisher,
        "dct:language": {"@id": FRENCH},
        "dct:modified": date(&c.modified),
        "dct:license": {"@id": LICENCE_OUVERTE_2},
        "dct:rights": rights,
        "foaf:homepage": {"@id": c.homepage},
        "dcat:dataset": datasets,
    })
}

/// Writes the catalogue (it is small: it describes the exports, not their records).
pub fn write(mut out: impl Write, c: &Catalog) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &catalog(c))?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Catalog {
        Catalog {
            title: "Maillage".into(),
            description: "Les lieux d'innovation du territoire.".into(),
            homepage: "https://atlas.example.fr".into(),
            url: "https://atlas.example.fr/api/v1/exports/dcat".into(),
            publisher: "Maillage".into(),
            modified: "2024-04-02".into(),
            datasets: vec![Dataset {
                identifier: "geojson".into(),
                title: "Lieux (GeoJSON)".into(),
                description: "Les lieux sur une carte.".into(),
                media_type: "application/geo+json".into(),
                format: "geojson".into(),
                download_url: "https://atlas.example.fr/api/v1/exports/geojson".into(),
                conforms_to: Some("https://www.rfc-editor.org/rfc/rfc7946".into()),
            }],
            sources: vec![
                SourceAttribution {
                    name: "france-services".into(),
                    title: "France Services".into(),
                    publisher: Some("ANCT".into()),
                    licence: Some("Licence Ouverte 2.0".into()),
                    url: Some("https://github.com/anct-carto/france_services".into()),
                },
                SourceAttribution {
                    name: "tableur".into(),
                    title: "tableur".into(),
                    publisher: None,
                    licence: None,
                    url: None,
                },
            ],
        }
    }

    #[test]
    fn the_catalogue_describes_each_dataset_its_licence_and_sources() {
        let mut out = Vec::new();
        write(&mut out, &example()).unwrap();
        let doc: Json = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
        assert_eq!(doc["@type"], "dcat:Catalog");
        assert_eq!(doc["dct:license"]["@id"], LICENCE_OUVERTE_2);
        let d = &doc["dcat:dataset"][0];
        assert_eq!(d["@type"], "dcat:Dataset");
        assert_eq!(d["dct:license"]["@id"], LICENCE_OUVERTE_2);
        assert_eq!(d["dct:conformsTo"]["@id"], "https://www.rfc-editor.org/rfc/rfc7946");
        let dist = &d["dcat:distribution"][0];
        assert_eq!(dist["dcat:downloadURL"]["@id"], "https://atlas.example.fr/api/v1/exports/geojson");
        assert_eq!(dist["dcat:mediaType"]["@id"], "https://www.iana.org/assignments/media-types/application/geo+json");
        let sources = d["dct:source"].as_array().unwrap();
        assert_eq!(sources[0]["dct:publisher"]["foaf:name"], "ANCT");
        assert_eq!(sources[0]["dct:license"]["rdfs:label"], "Licence Ouverte 2.0");
        assert_eq!(sources[1]["dct:title"], "tableur");
        assert_eq!(d["dct:rights"]["rdfs:label"], "Sources : France Services (ANCT, Licence Ouverte 2.0) ; tableur.");
    }
}
