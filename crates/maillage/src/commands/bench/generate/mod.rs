//! Synthetic places and organisations for the search benchmark.
//!
//! Why synthetic: no public file holds a million innovation places, and a
//! benchmark must be repeatable. Why realistic: search cost depends on the
//! data's shape, so records are spread over the communes of the referential
//! in proportion to their population (dense cities, empty countryside),
//! organisations carry NAF codes, legal forms and staff-size bands from the
//! shared referentials (`../shared/data/referentials/naf`), place kinds come
//! from our vocabulary, most places and some organisations have opening
//! hours, and names mix a few hundred words so that words repeat as they do
//! in real directories.
//!
//! Rows are produced lazily and fed to the real import (`app::atlas::import`)
//! through two in-code mappings, so the benchmark measures the pipeline users
//! run. Every row is derived from (seed, source, index) alone: the same
//! arguments always give the same records.

mod words;

use std::collections::BTreeMap;
use std::path::Path;

use app::atlas::import::mapping::Row;
use app::atlas::import::readers::ReadError;
use domain::atlas::kinds::{PLACE_KINDS, Term};
use domain::territory::{Commune, Territory};

use self::words::*;

/// A small, fast, seedable generator (SplitMix64): reproducible data
/// without a dependency.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A generator for item `index` of stream `stream`, independent of the
    /// order in which items are drawn.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> Self {
        let mut r = Self(seed ^ stream.wrapping_mul(0xA24B_AED4_963E_E407) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An item of `(item, weight)` pairs, in proportion to the weights.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut x = self.below(total as usize) as u32;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

/// Code → label lists from the shared referentials (or a small built-in
/// excerpt when they are not there, so the benchmark runs anywhere).
pub struct Referentials {
    pub naf: Vec<(String, String)>,
    pub legal_forms: Vec<(String, String)>,
    pub size_bands: Vec<(String, String)>,
    /// Where they came from, for the report.
    pub origin: String,
}

const BUILTIN_NAF: &[(&str, &str)] = &[
    ("62.01Z", "Programmation informatique"),
    ("62.02A", "Conseil en systèmes et logiciels informatiques"),
    ("63.11Z", "Traitement de données, hébergement et activités connexes"),
    ("70.22Z", "Conseil pour les affaires et autres conseils de gestion"),
    ("71.12B", "Ingénierie, études techniques"),
    ("72.19Z", "Recherche-développement en autres sciences physiques et naturelles"),
    ("16.23Z", "Fabrication de charpentes et d'autres menuiseries"),
    ("43.32A", "Travaux de menuiserie bois et PVC"),
    ("56.10A", "Restauration traditionnelle"),
    ("84.11Z", "Administration publique générale"),
    ("85.59A", "Formation continue d'adultes"),
    ("94.99Z", "Autres organisations fonctionnant par adhésion volontaire"),
];
const BUILTIN_LEGAL_FORMS: &[(&str, &str)] = &[
    ("1000", "Entrepreneur individuel"),
    ("5499", "Société à responsabilité limitée (sans autre indication)"),
    ("5710", "SAS, société par actions simplifiée"),
    ("5720", "Société par actions simplifiée à associé unique"),
    ("7210", "Commune et commune nouvelle"),
    ("9220", "Association déclarée"),
];
const BUILTIN_SIZE_BANDS: &[(&str, &str)] = &[
    ("NN", "Unité non employeuse"),
    ("00", "0 salarié"),
    ("01", "1 ou 2 salariés"),
    ("02", "3 à 5 salariés"),
    ("03", "6 à 9 salariés"),
    ("11", "10 à 19 salariés"),
    ("12", "20 à 49 salariés"),
    ("21", "50 à 99 salariés"),
    ("41", "500 à 999 salariés"),
];

impl Referentials {
    /// Reads `referentials/naf/*.json` under the shared data directory.
    pub fn load(shared: Option<&Path>) -> Self {
        let read = |dir: &Path, file: &str| -> Option<Vec<(String, String)>> {
            let text = std::fs::read_to_string(dir.join("referentials/naf").join(file)).ok()?;
            let map: BTreeMap<String, String> = serde_json::from_str(&text).ok()?;
            let list: Vec<(String, String)> = map.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
            (!list.is_empty()).then_some(list)
        };
        let builtin = |l: &[(&str, &str)]| l.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect();
        if let Some(dir) = shared
            && let (Some(naf), Some(legal_forms), Some(size_bands)) = (
                read(dir, "ae-codes-NAF.json"),
                read(dir, "ae-natures-juridiques.json"),
                read(dir, "ae-tranches-effectifs.json"),
            )
        {
            let origin = format!(
                "{}/referentials/naf ({} NAF codes, {} legal forms, {} size bands)",
                dir.display(),
                naf.len(),
                legal_forms.len(),
                size_bands.len()
            );
            return Self { naf, legal_forms, size_bands, origin };
        }
        Self {
            naf: builtin(BUILTIN_NAF),
            legal_forms: builtin(BUILTIN_LEGAL_FORMS),
            size_bands: builtin(BUILTIN_SIZE_BANDS),
            origin: "built-in excerpt (shared referentials not found)".into(),
        }
    }
}

/// Communes with a position, drawn in proportion to their population.
pub struct CommuneSampler {
    communes: Vec<&'static Commune>,
    cumulative: Vec<u64>,
}

impl CommuneSampler {
    pub fn new(territory: &'static Territory) -> Self {
        let mut communes: Vec<&'static Commune> =
            territory.communes().filter(|c| c.centroid.is_some() && c.population > 0).collect();
        communes.sort_by(|a, b| a.code.cmp(&b.code));
        let mut total = 0u64;
        let cumulative = communes
            .iter()
            .map(|c| {
                total += u64::from(c.population);
                total
            })
            .collect();
        Self { communes, cumulative }
    }

    pub fn draw(&self, rng: &mut Rng) -> &'static Commune {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.next_u64() % total;
        let i = self.cumulative.partition_point(|c| *c <= x);
        self.communes[i.min(self.communes.len() - 1)]
    }
}

/// A point around the commune's centre, uniform in a disc whose radius
/// grows with the population (a village: under a kilometre; Paris: ~6 km).
pub fn jitter(rng: &mut Rng, commune: &Commune) -> (f64, f64) {
    let (lat, lon) = commune.centroid.unwrap_or((46.6, 2.4));
    let radius_km = 0.6 + 0.004 * f64::from(commune.population).sqrt();
    let d = radius_km * rng.unit().sqrt();
    let angle = rng.unit() * std::f64::consts::TAU;
    let dlat = d * angle.cos() / 111.2;
    let dlon = d * angle.sin() / (111.2 * lat.to_radians().cos().max(0.2));
    (lat + dlat, lon + dlon)
}

/// The places source: one row, one place.
pub const PLACES_MAPPING: &str = r#"
[source]
name = "bench-lieux"
title = "Lieux synthétiques (banc d'essai)"
publisher = "Maillage"
url = "https://maillage.example/bench"
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
"#;

/// The organisations source: one row, one organisation.
pub const ORGANISATIONS_MAPPING: &str = r#"
[source]
name = "bench-organisations"
title = "Organisations synthétiques (banc d'essai)"
publisher = "Maillage"
url = "https://maillage.example/bench"
licence = "CC0"
format = "csv"
synthetic = true

[[record]]
kind = "organisation"
id = "{id}"

[record.fields]
name = "nom"
org_kind = "type"
naf = "naf"
legal_form = "forme"
size_band = "tranche"
pivot = "siret"
street = "adresse"
postal_code = "code_postal"
commune_insee = "insee"
geo = { lat = "lat", lon = "lon" }
opening_hours = "horaires"
summary = "resume"
websites = "site"
"#;

const PLACES_STREAM: u64 = 1;
const ORGANISATIONS_STREAM: u64 = 2;

/// Everything a row is drawn from; shared by both sources.
pub struct Generator {
    pub seed: u64,
    pub referentials: Referentials,
    pub communes: CommuneSampler,
    /// Per profile: NAF codes of its divisions, legal forms and size bands
    /// that the referential knows.
    org_codes: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)>,
}

impl Generator {
    pub fn new(seed: u64, referentials: Referentials) -> Self {
        let communes = CommuneSampler::new(Territory::embedded());
        let org_codes = ORG_PROFILES.iter().map(|p| profile_codes(p, &referentials)).collect();
        Self { seed, referentials, communes, org_codes }
    }

    /// Rows `0..count` of the places source.
    pub fn places(&self, count: usize) -> impl Iterator<Item = Result<Row, ReadError>> + '_ {
        (0..count).map(move |i| Ok(self.place_row(i)))
    }

    /// Rows `0..count` of the organisations source.
    pub fn organisations(&self, count: usize) -> impl Iterator<Item = Result<Row, ReadError>> + '_ {
        (0..count).map(move |i| Ok(self.organisation_row(i)))
    }

    fn located(&self, rng: &mut Rng, values: &mut BTreeMap<String, String>) -> &'static Commune {
        let commune = self.communes.draw(rng);
        let (lat, lon) = jitter(rng, commune);
        values.insert("insee".into(), commune.code.clone());
        values.insert("code_postal".into(), commune.postal_codes.first().cloned().unwrap_or_default());
        values.insert("lat".into(), format!("{lat:.5}"));
        values.insert("lon".into(), format!("{lon:.5}"));
        let street = format!("{} {} {}", 1 + rng.below(120), rng.pick(STREET_KINDS), rng.pick(STREET_NAMES));
        values.insert("adresse".into(), street);
        commune
    }

    pub fn place_row(&self, i: usize) -> Row {
        let mut rng = Rng::for_item(self.seed, PLACES_STREAM, i as u64);
        let mut v = BTreeMap::new();
        let commune = self.located(&mut rng, &mut v);
        let kind = *rng.weighted(PLACE_KIND_WEIGHTS);
        let mut kinds = vec![kind];
        if rng.chance(0.35) {
            let other = *rng.weighted(PLACE_KIND_WEIGHTS);
            if other != kind {
                kinds.push(other);
            }
        }
        v.insert("id".into(), format!("lieu-{i}"));
        v.insert("nom".into(), place_name(&mut rng, commune));
        v.insert("types".into(), kinds.join("|"));
        if rng.chance(0.8) {
            v.insert("horaires".into(), (*rng.pick(HOURS)).to_owned());
        }
        v.insert("resume".into(), place_summary(&mut rng, kind, commune));
        v.insert("surface".into(), (80 + rng.below(2400)).to_string());
        v.insert("capacite".into(), (10 + rng.below(200)).to_string());
        if rng.chance(0.1) {
            v.insert("labels".into(), (*rng.pick(PLACE_LABELS)).to_owned());
        }
        if rng.chance(0.4) {
            v.insert("site".into(), format!("https://lieu-{i}.exemple.fr"));
        }
        Row { line: i + 2, values: v }
    }

    pub fn organisation_row(&self, i: usize) -> Row {
        let mut rng = Rng::for_item(self.seed, ORGANISATIONS_STREAM, i as u64);
        let mut v = BTreeMap::new();
        let commune = self.located(&mut rng, &mut v);
        let weights: Vec<(usize, u32)> = ORG_PROFILES.iter().enumerate().map(|(i, p)| (i, p.weight)).collect();
        let p = *rng.weighted(&weights);
        let (naf_codes, legal_codes, band_codes) = &self.org_codes[p];
        let refs = &self.referentials;
        let (naf, naf_label) = &refs.naf[*rng.pick(naf_codes)];
        let (legal, legal_label) = &refs.legal_forms[*rng.pick(legal_codes)];
        let (band, band_label) = &refs.size_bands[*rng.pick(band_codes)];
        v.insert("id".into(), format!("org-{i}"));
        v.insert("nom".into(), organisation_name(&mut rng, ORG_PROFILES[p].kind, commune));
        v.insert("type".into(), ORG_PROFILES[p].kind.to_owned());
        v.insert("naf".into(), naf.clone());
        v.insert("forme".into(), legal.clone());
        v.insert("tranche".into(), band.clone());
        v.insert("siret".into(), siret(i as u64));
        v.insert("resume".into(), format!("{naf_label}. {legal_label}, {}.", band_label.to_lowercase()));
        if rng.chance(0.3) {
            v.insert("horaires".into(), (*rng.pick(HOURS)).to_owned());
        }
        if rng.chance(0.5) {
            v.insert("site".into(), format!("https://org-{i}.exemple.fr"));
        }
        Row { line: i + 2, values: v }
    }

    /// The names of the first rows of each source (what the query set's
    /// words are drawn from).
    pub fn sample_names(&self, places: usize, organisations: usize) -> Vec<String> {
        let name = |r: Row| r.values.get("nom").cloned().unwrap_or_default();
        (0..places)
            .map(|i| name(self.place_row(i)))
            .chain((0..organisations).map(|i| name(self.organisation_row(i))))
            .collect()
    }
}

/// Indexes into the referential lists fitting a profile (any code when
/// the referential has none of the profile's).
fn profile_codes(p: &OrgProfile, r: &Referentials) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let fitting = |list: &[(String, String)], fits: &dyn Fn(&str) -> bool| -> Vec<usize> {
        let some: Vec<usize> = list.iter().enumerate().filter(|(_, (c, _))| fits(c)).map(|(i, _)| i).collect();
        if some.is_empty() { (0..list.len()).collect() } else { some }
    };
    (
        fitting(&r.naf, &|c| p.naf_divisions.iter().any(|d| c.starts_with(d))),
        fitting(&r.legal_forms, &|c| p.legal_forms.contains(&c)),
        fitting(&r.size_bands, &|c| p.size_bands.contains(&c)),
    )
}

fn place_name(rng: &mut Rng, commune: &Commune) -> String {
    let mut name = (*rng.pick(PLACE_PREFIXES)).to_owned();
    let qualifier = rng.pick(PLACE_QUALIFIERS);
    if !qualifier.is_empty() {
        name.push(' ');
        name.push_str(qualifier);
    }
    if rng.chance(0.5) {
        name.push_str(" — ");
        name.push_str(&commune.name);
    }
    name
}

fn place_summary(rng: &mut Rng, kind: &str, commune: &Commune) -> String {
    let label = PLACE_KINDS.iter().find(|t| t.code == kind).map_or(kind, |t: &Term| t.fr);
    let what = [
        "un lieu partagé pour travailler, se former et monter des projets ensemble",
        "des machines à commande numérique, de l'électronique et du bois, ouvertes à tous",
        "l'accompagnement des jeunes entreprises, de l'idée aux premiers clients",
        "un café associatif, des ateliers numériques et un espace de travail",
        "des bureaux, une salle de réunion et une cuisine partagée",
        "des permanences d'aide aux démarches en ligne et des formations",
    ];
    format!("{label} à {} : {}.", commune.name, rng.pick(&what))
}

fn organisation_name(rng: &mut Rng, kind: &str, commune: &Commune) -> String {
    match (kind, rng.below(4)) {
        ("association", _) => format!("Association {} {}", rng.pick(ORG_NAMES), commune.name),
        ("organisme-public", _) => format!("{} de {}", rng.pick(&["Service", "Direction", "Centre"]), commune.name),
        (_, 0) => format!("{} {}", rng.pick(ORG_NOUNS), rng.pick(ORG_NAMES)),
        (_, 1) => format!("{} {}", rng.pick(SURNAMES), rng.pick(ORG_NOUNS)),
        (_, 2) => format!("{} {} {}", rng.pick(ORG_NOUNS), rng.pick(SURNAMES), rng.pick(ORG_NAMES)),
        _ => format!("{} {} {}", rng.pick(ORG_NOUNS), rng.pick(ORG_NAMES), commune.name),
    }
}

/// Completes `digits` with a Luhn key.
fn with_luhn_key(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            // The key will take the rightmost position: these digits shift one place left.
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// A valid, unique SIRET for organisation `i` (unique pivots keep
/// organisations that share a name from merging as duplicates).
fn siret(i: u64) -> String {
    let siren = with_luhn_key(&format!("{:08}", 10_000_000 + i % 89_999_999));
    with_luhn_key(&format!("{siren}{:04}", 1 + (i / 89_999_999) % 9_999))
}

/// Kinds of places the generator uses, by weight, for the query set.
pub fn place_kinds() -> &'static [(&'static str, u32)] {
    PLACE_KIND_WEIGHTS
}
