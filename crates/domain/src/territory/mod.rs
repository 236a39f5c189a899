//! The territory referential: communes with their département, région,
//! EPCI, population and centroid, shipped with Maillage (see
//! `referentials/README.md` for sources and licences).
//!
//! Every atlas record is attached to a commune through [`Territory::locate`],
//! which accepts what sources actually give: an INSEE code (possibly of a
//! Paris, Lyon or Marseille arrondissement), or a postal code and a commune
//! name spelt in any case, with or without accents, "CEDEX" or an
//! arrondissement number.

mod csv_line;

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code: String,
    pub name: String,
    pub departement: String,
    pub region: String,
    /// SIREN of the intercommunality, when the commune belongs to one.
    pub epci: Option<String>,
    pub population: u32,
    /// (latitude, longitude); a few overseas collectivities have none.
    pub centroid: Option<(f64, f64)>,
    pub postal_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub region: String,
    /// `metro`, `drom` or `com`.
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epci {
    pub siren: String,
    pub name: String,
    /// CC, CA, CU or METRO.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    #[error("unknown commune: no INSEE code, postal code or name given")]
    Nothing,
    #[error("unknown commune {0:?}")]
    Unknown(String),
    #[error("the commune {name:?} is ambiguous for postal code {postal_code:?}: {candidates:?}")]
    Ambiguous { name: String, postal_code: String, candidates: Vec<String> },
}

#[derive(Debug, Default)]
pub struct Territory {
    communes: HashMap<String, Commune>,
    by_postal_code: HashMap<String, Vec<String>>,
    by_name: HashMap<String, Vec<String>>,
    departements: HashMap<String, Departement>,
    regions: HashMap<String, Region>,
    epcis: HashMap<String, Epci>,
}

/// Outlines of metropolitan départements (GeoJSON), for the map background
/// when no tile server is reachable.
pub const DEPARTEMENTS_GEOJSON: &str =
    include_str!("../../../../referentials/territory/departements-metropole.geojson");
pub const REGIONS_GEOJSON: &str = include_str!("../../../../referentials/territory/regions-metropole.geojson");

impl Territory {
    /// The referential shipped in the binary, parsed once.
    pub fn embedded() -> &'static Territory {
        static T: OnceLock<Territory> = OnceLock::new();
        T.get_or_init(|| {
            Territory::parse(
                include_str!("../../../../referentials/territory/communes.csv"),
                include_str!("../../../../referentials/territory/epci.csv"),
                include_str!("../../../../referentials/territory/departements.csv"),
                include_str!("../../../../referentials/territory/regions.csv"),
            )
            .expect("the shipped territory referential is well-formed (a test checks it)")
        })
    }

    pub fn parse(communes: &str, epcis: &str, departements: &str, regions: &str) -> Result<Self, String> {
        let mut t = Territory::default();
        for (i, f) in rows(communes) {
            let f: Vec<&str> = f.iter().map(String::as_str).collect();
            let [code, name, dep, reg, epci, pop, lat, lon, postal] = f[..] else {
                return Err(format!("communes line {i}: expected 9 columns"));
            };
            let centroid = match (lat.parse::<f64>(), lon.parse::<f64>()) {
                (Ok(a), Ok(b)) => Some((a, b)),
                _ => None,
            };
            let postal_codes: Vec<String> =
                postal.split([';', ' ']).filter(|p| !p.is_empty()).map(str::to_owned).collect();
            for p in &postal_codes {
                t.by_postal_code.entry(p.clone()).or_default().push(code.to_owned());
            }
            t.by_name.entry(fold(name)).or_default().push(code.to_owned());
            t.communes.insert(
                code.to_owned(),
                Commune {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    departement: dep.to_owned(),
                    region: reg.to_owned(),
                    epci: (!epci.is_empty()).then(|| epci.to_owned()),
                    population: pop.parse().unwrap_or(0),
                    centroid,
                    postal_codes,
                },
            );
        }
        for (i, f) in rows(epcis) {
            let f: Vec<&str> = f.iter().map(String::as_str).collect();
            let [siren, name, kind, _pop] = f[..] else { return Err(format!("epci line {i}: expected 4 columns")) };
            t.epcis.insert(
                siren.to_owned(),
                Epci { siren: siren.to_owned(), name: name.to_owned(), kind: kind.to_owned() },
            );
        }
        for (i, f) in rows(departements) {
            let f: Vec<&str> = f.iter().map(String::as_str).collect();
            let [code, name, region, zone] = f[..] else {
                return Err(format!("departements line {i}: expected 4 columns"));
            };
            t.departements.insert(
                code.to_owned(),
                Departement {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    region: region.to_owned(),
                    zone: zone.to_owned(),
                },
            );
        }
        for (i, f) in rows(regions) {
            let f: Vec<&str> = f.iter().map(String::as_str).collect();
            let [code, name, _zone] = f[..] else { return Err(format!("regions line {i}: expected 3 columns")) };
            t.regions.insert(code.to_owned(), Region { code: code.to_owned(), name: name.to_owned() });
        }
        Ok(t)
    }

    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.communes.get(parent_of_arrondissement(code).unwrap_or(code))
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departements.get(code)
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code)
    }

    pub fn epci(&self, siren: &str) -> Option<&Epci> {
        self.epcis.get(siren)
    }

    pub fn communes(&self) -> impl Iterator<Item = &Commune> {
        self.communes.values()
    }

    pub fn departements(&self) -> impl Iterator<Item = &Departement> {
        self.departements.values()
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Finds the commune of a record from what its source gives.
    pub fn locate(
        &self,
        insee: Option<&str>,
        postal_code: Option<&str>,
        name: Option<&str>,
    ) -> Result<&Commune, LocateError> {
        self.locate_near(insee, postal_code, name, None)
    }

    /// As [`Territory::locate`], with the record's coordinates to settle
    /// names the referential no longer knows (communes merged since, or an
    /// associated commune): among the communes of the postal code, the one
    /// whose name contains every word given, else the nearest within 15 km.
    pub fn locate_near(
        &self,
        insee: Option<&str>,
        postal_code: Option<&str>,
        name: Option<&str>,
        geo: Option<(f64, f64)>,
    ) -> Result<&Commune, LocateError> {
        let insee = insee.map(str::trim).filter(|s| !s.is_empty());
        let postal_code = postal_code.map(str::trim).filter(|s| !s.is_empty());
        let name = name.map(str::trim).filter(|s| !s.is_empty());
        if let Some(c) = insee.and_then(|code| self.commune(code)) {
            return Ok(c);
        }
        let wanted = name.map(commune_name_key);
        if let Some(postal) = postal_code {
            let candidates: Vec<&Commune> = self
                .by_postal_code
                .get(postal)
                .map(|codes| codes.iter().filter_map(|c| self.communes.get(c)).collect())
                .unwrap_or_default();
            match (&candidates[..], &wanted) {
                ([one], _) => return Ok(one),
                ([], _) => {}
                (many, Some(w)) => {
                    if let Some(c) = many.iter().find(|c| fold(&c.name) == *w) {
                        return Ok(c);
                    }
                    let close: Vec<&&Commune> =
                        many.iter().filter(|c| strsim::jaro_winkler(&fold(&c.name), w) >= 0.92).collect();
                    if let [one] = close[..] {
                        return Ok(one);
                    }
                    let words: Vec<&str> = w.split(' ').filter(|x| x.len() > 2).collect();
                    let containing: Vec<&&Commune> = many
                        .iter()
                        .filter(|c| {
                            let theirs = commune_name_key(&c.name);
                            !words.is_empty() && words.iter().all(|x| theirs.split(' ').any(|t| t == *x))
                        })
                        .collect();
                    if let [one] = containing[..] {
                        return Ok(one);
                    }
                    if let Some(nearest) = nearest(many, geo) {
                        return Ok(nearest);
                    }
                    return Err(LocateError::Ambiguous {
                        name: name.unwrap_or_default().to_owned(),
                        postal_code: postal.to_owned(),
                        candidates: many.iter().map(|c| c.name.clone()).collect(),
                    });
                }
                (_, None) => {}
            }
        }
        if let Some(w) = &wanted
            && let Some([code]) = self.by_name.get(w).map(Vec::as_slice)
        {
            return self.communes.get(code).ok_or(LocateError::Nothing);
        }
        match (insee, postal_code, name) {
            (None, None, None) => Err(LocateError::Nothing),
            _ => Err(LocateError::Unknown(
                [insee, postal_code, name].into_iter().flatten().collect::<Vec<_>>().join(" "),
            )),
        }
    }
}

/// The commune whose centroid is closest to `geo`, if within 15 km and
/// clearly closer than the next one: centroids are not outlines, so a point
/// between two communes is left unresolved rather than guessed.
fn nearest<'a>(communes: &[&'a Commune], geo: Option<(f64, f64)>) -> Option<&'a Commune> {
    let (lat, lon) = geo?;
    let km = |c: &Commune| {
        c.centroid.map(|(a, b)| {
            let dy = (a - lat) * 111.2;
            let dx = (b - lon) * 111.2 * lat.to_radians().cos();
            (dx * dx + dy * dy).sqrt()
        })
    };
    let mut by_distance: Vec<(f64, &Commune)> = communes.iter().filter_map(|c| km(c).map(|d| (d, *c))).collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
    match by_distance[..] {
        [(d, c)] if d <= 15.0 => Some(c),
        [(d1, c), (d2, _), ..] if d1 <= 15.0 && d1 < 0.5 * d2 => Some(c),
        _ => None,
    }
}

/// Paris, Lyon and Marseille arrondissements belong to their commune.
fn parent_of_arrondissement(code: &str) -> Option<&'static str> {
    match code.get(..3)? {
        "751" if code.len() == 5 => Some("75056"),
        "132" if code.len() == 5 => Some("13055"),
        "693" if code.len() == 5 && code.as_bytes()[3] == b'8' => Some("69123"),
        _ => None,
    }
}

/// Lowercase, accents stripped, punctuation to spaces, single spaces.
fn fold(s: &str) -> String {
    let lowered = deunicode::deunicode(s).to_lowercase();
    let spaced: String = lowered.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A commune name as sources write it, reduced to compare with ours:
/// "MARSEILLE 11", "Lyon 3e Arrondissement", "Rennes Cedex 9", "St-Denis".
fn commune_name_key(s: &str) -> String {
    let folded = fold(s);
    let words: Vec<&str> = folded
        .split(' ')
        .take_while(|w| *w != "cedex" && *w != "arrondissement")
        .filter(|w| !is_arrondissement_number(w))
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect();
    words.join(" ")
}

/// "11", "3e", "1er": arrondissement numbers that follow a city's name.
fn is_arrondissement_number(word: &str) -> bool {
    let digits = word.trim_end_matches("er").trim_end_matches('e');
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Data lines of a CSV text, with their line numbers, header skipped.
fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<String>)> {
    text.lines().enumerate().skip(1).filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, csv_line::split(l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_referential_is_complete() {
        let t = Territory::embedded();
        assert!(t.communes.len() > 34_900);
        assert_eq!(t.departements.len(), 109);
        assert_eq!(t.regions.len(), 26);
        assert!(t.epcis.len() > 1_200);
        let paris = t.commune("75056").unwrap();
        assert_eq!((paris.departement.as_str(), paris.region.as_str()), ("75", "11"));
        assert_eq!(t.epci(paris.epci.as_deref().unwrap()).unwrap().kind, "METRO");
        assert!(t.epci("200006682").unwrap().name.contains("Beaune, Côte"), "quoted names keep their commas");
        assert!(t.communes().all(|c| t.departement(&c.departement).is_some()));
    }

    #[test]
    fn locates_communes_as_sources_write_them() {
        let t = Territory::embedded();
        let code = |insee: Option<&str>, cp: Option<&str>, name: Option<&str>| {
            t.locate(insee, cp, name).map(|c| c.code.clone())
        };
        assert_eq!(code(Some("01033"), None, None).unwrap(), "01033");
        assert_eq!(code(Some("75110"), None, None).unwrap(), "75056", "an arrondissement belongs to Paris");
        assert_eq!(code(None, Some("13011"), Some("MARSEILLE 11")).unwrap(), "13055");
        assert_eq!(code(None, Some("16100"), Some("CHÂTEAUBERNARD")).unwrap(), "16089");
        assert_eq!(code(None, Some("74360"), Some("ABONDANCE")).unwrap(), "74001");
        assert_eq!(code(None, None, Some("Valserhône")).unwrap(), "01033");
        assert_eq!(code(None, Some("35000"), Some("Rennes Cedex")).unwrap(), "35238");
        assert!(matches!(t.locate(None, Some("99999"), Some("Atlantide")), Err(LocateError::Unknown(_))));
        // Names of communes merged since, as older sources still write them.
        assert_eq!(
            code(None, Some("16230"), Some("Mansle")).unwrap(),
            t.locate(None, Some("16230"), Some("Mansle-les-Fontaines")).unwrap().code
        );
        assert_eq!(code(None, Some("38800"), Some("Pont de Claix")).unwrap(), "38317");
        // A former commune, found by its coordinates among those of its postal code.
        let near = t.locate_near(None, Some("16120"), Some("MALAVILLE"), Some((45.548729, -0.102208))).unwrap();
        assert_eq!(near.name, "Bellevigne", "Malaville merged into Bellevigne in 2017");
        assert_eq!(t.locate(None, None, None), Err(LocateError::Nothing));
    }

    #[test]
    fn commune_names_are_reduced_the_way_sources_vary() {
        assert_eq!(commune_name_key("Lyon 3e Arrondissement"), "lyon");
        assert_eq!(commune_name_key("PARIS 10"), "paris");
        assert_eq!(commune_name_key("St-Denis"), "saint denis");
        assert_eq!(commune_name_key("Rennes Cedex 9"), "rennes");
        assert_eq!(commune_name_key("Lyon 1er"), "lyon");
    }
}
