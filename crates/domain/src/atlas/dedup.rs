//! Are two records the same place? A score between two candidates, and the
//! blocking keys that keep the store from comparing every pair.
//!
//! The same place reaches us from several sources under different ids,
//! spellings and coordinates. [`score`] weighs the evidence and explains
//! itself ([`Reason`]); the store merges pairs scoring at least
//! [`AUTO_MERGE`] and asks a person about those in `[REVIEW, AUTO_MERGE)`.
//!
//! A false merge hides a real place and mixes two bodies' contacts, while a
//! missed one only shows a place twice until someone notices; so precision
//! comes first. Beyond the weights, an automatic merge needs the names and
//! the locations to agree: an identifier, a phone or an email shared by
//! otherwise different places is common (a town's SIRET on its library and
//! its town hall, a mediator's mobile on every village they visit) and only
//! ever sends a pair to review.
//!
//! What "same" means here: the same reception point of the same body. Two
//! bodies in one building (a town hall and the France services it hosts,
//! each with its own phone) are two places; so are a bus and the base it
//! leaves from, and two stops of one bus.
//!
//! The weights were set against the labelled pairs in
//! `crates/domain/tests/dedup/` and are checked by
//! `tests/dedup_quality.rs`.

use std::collections::BTreeSet;
use std::fmt;

use super::ids::Pivot;
use super::normalize::{address_key, fold, name_key};

/// At or above: merge without asking.
pub const AUTO_MERGE: f64 = 0.9;
/// At or above (and below [`AUTO_MERGE`]): ask a person.
pub const REVIEW: f64 = 0.5;

/// What the store knows of a record when looking for its duplicates.
/// Values are expected normalised (see [`super::ids`]): phones in E.164,
/// emails lowercased, the pivot as [`Pivot`] prints it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub pivot: Option<String>,
    pub commune_insee: Option<String>,
    pub postal_code: Option<String>,
    pub street: Option<String>,
    /// (latitude, longitude) in WGS84 degrees.
    pub geo: Option<(f64, f64)>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 (surely different) to 1 (surely the same).
    pub value: f64,
    /// Every piece of evidence that moved the score, in the order weighed.
    pub reasons: Vec<Reason>,
}

impl Score {
    pub fn is_auto_merge(&self) -> bool {
        self.value >= AUTO_MERGE
    }

    pub fn needs_review(&self) -> bool {
        (REVIEW..AUTO_MERGE).contains(&self.value)
    }
}

/// One piece of evidence and how much it weighed (in log-odds: positive
/// says "same", negative "different"; zero for a cap).
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub signal: Signal,
    pub weight: f64,
}

/// The kind of place a name announces, when it announces one. Two records
/// announcing different kinds are rarely the same place even when every
/// other word of their names is the town's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Mobile,
    FranceServices,
    PostOffice,
    Library,
    SocialAction,
    SocialCentre,
    Intercommunality,
    TownHall,
}

impl NameKind {
    fn label(self) -> &'static str {
        match self {
            NameKind::Mobile => "a bus or van",
            NameKind::FranceServices => "a France services",
            NameKind::PostOffice => "a post office",
            NameKind::Library => "a library",
            NameKind::SocialAction => "a social action centre (CCAS)",
            NameKind::SocialCentre => "a social or community centre",
            NameKind::Intercommunality => "an intercommunality",
            NameKind::TownHall => "a town hall",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    SamePivot,
    /// Different establishments of one organisation (same SIREN).
    SameOrganisation,
    DifferentPivots,
    Names {
        similarity: f64,
    },
    DifferentKinds {
        a: NameKind,
        b: NameKind,
    },
    /// One name announces a bus or van, the other does not.
    MobileAndFixed,
    Distance {
        metres: f64,
    },
    SameCommune,
    DifferentCommunes,
    SamePostalCode,
    DifferentPostalCodes,
    SameAddress,
    SameStreetOtherNumber,
    SameStreet,
    DifferentStreets,
    SharedPhone,
    SharedEmail,
    DifferentPhones,
    SameWebPage,
    SameWebsite,
    /// The weights alone would merge, but names or locations disagree.
    AutoMergeWithheld,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signal::SamePivot => f.write_str("same SIRET or RNA number"),
            Signal::SameOrganisation => f.write_str("two establishments of the same organisation (same SIREN)"),
            Signal::DifferentPivots => f.write_str("different organisations (SIRET)"),
            Signal::Names { similarity } => write!(f, "names {:.0}% alike", similarity * 100.0),
            Signal::DifferentKinds { a, b } => write!(f, "one name announces {}, the other {}", a.label(), b.label()),
            Signal::MobileAndFixed => f.write_str("one is a bus or van, the other a fixed place"),
            Signal::Distance { metres } if *metres < 1000.0 => write!(f, "{metres:.0} m apart"),
            Signal::Distance { metres } => write!(f, "{:.1} km apart", metres / 1000.0),
            Signal::SameCommune => f.write_str("same commune"),
            Signal::DifferentCommunes => f.write_str("different communes"),
            Signal::SamePostalCode => f.write_str("same postal code"),
            Signal::DifferentPostalCodes => f.write_str("different postal codes"),
            Signal::SameAddress => f.write_str("same address"),
            Signal::SameStreetOtherNumber => f.write_str("same street, other house number"),
            Signal::SameStreet => f.write_str("same street"),
            Signal::DifferentStreets => f.write_str("different streets"),
            Signal::SharedPhone => f.write_str("a phone number in common"),
            Signal::SharedEmail => f.write_str("an email address in common"),
            Signal::DifferentPhones => f.write_str("different phone numbers"),
            Signal::SameWebPage => f.write_str("same web page"),
            Signal::SameWebsite => f.write_str("same website"),
            Signal::AutoMergeWithheld => {
                f.write_str("not merged automatically: the names or the locations do not agree")
            }
        }
    }
}

/// Great-circle distance in metres between two (latitude, longitude) points.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Most candidate pairs are different places: evidence has to pull a pair
/// up from here.
const PRIOR: f64 = -1.0;

/// Above this, two words are the same word mistyped ("Milles"/"Mille").
const SAME_WORD: f64 = 0.92;

/// How alike two name keys are, from 0 to 1: word overlap where a word
/// matches a word that is Jaro-Winkler close, averaging the share of all
/// words (Jaccard) and the share of the shorter name's words. Jaro-Winkler
/// over the whole string would reward the long common prefixes of
/// "maison de quartier X" and "maison de quartier Y".
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.replace(' ', "") == b.replace(' ', "") {
        return 1.0;
    }
    let ta: BTreeSet<&str> = a.split(' ').collect();
    let tb: BTreeSet<&str> = b.split(' ').collect();
    let close = |x: &str, y: &str| x == y || strsim::jaro_winkler(x, y) >= SAME_WORD;
    let found_in =
        |from: &BTreeSet<&str>, to: &BTreeSet<&str>| from.iter().filter(|x| to.iter().any(|y| close(x, y))).count();
    // Fuzzy matches need not pair one to one; the smaller count keeps the
    // measure symmetric and never overstates.
    let matched = found_in(&ta, &tb).min(found_in(&tb, &ta));
    let union = ta.len() + tb.len() - matched;
    let jaccard = matched as f64 / union as f64;
    let containment = matched as f64 / ta.len().min(tb.len()) as f64;
    (jaccard + containment) / 2.0
}

fn name_kind(name: &str) -> Option<NameKind> {
    let f = format!(" {} ", fold(name));
    let has = |words: &[&str]| words.iter().any(|w| f.contains(&format!(" {w} ")));
    if has(&["bus", "van", "camion", "itinerant", "itinerante"]) {
        Some(NameKind::Mobile)
    } else if has(&[
        "france services",
        "france service",
        "msap",
        "maison de services",
        "maison des services",
        "mfs",
        "efs",
    ]) {
        Some(NameKind::FranceServices)
    } else if has(&["la poste", "poste communale", "agence postale"]) {
        Some(NameKind::PostOffice)
    } else if has(&["mediatheque", "bibliotheque", "bibliotheques"]) {
        Some(NameKind::Library)
    } else if has(&[
        "ccas",
        "cias",
        "c c a s",
        "centre communal d action sociale",
        "centre intercommunal d action sociale",
    ]) {
        Some(NameKind::SocialAction)
    } else if has(&[
        "centre social",
        "centre socio",
        "centre socioculturel",
        "maison de quartier",
        "maison pour tous",
        "mjc",
    ]) {
        Some(NameKind::SocialCentre)
    } else if has(&["communaute de communes", "communaute d agglomeration", "cc", "cdc", "agglomeration"]) {
        Some(NameKind::Intercommunality)
    } else if has(&["mairie", "commune", "ville", "hotel de ville"]) {
        Some(NameKind::TownHall)
    } else {
        None
    }
}

/// House numbers first, then the street's words.
fn split_address(street: &str) -> (Option<u32>, String) {
    let key = address_key(street);
    let mut number = None;
    let mut words = Vec::new();
    for t in key.split(' ').filter(|t| !t.is_empty()) {
        match t.parse::<u32>() {
            Ok(n) if number.is_none() && words.is_empty() => number = Some(n),
            Ok(_) if words.is_empty() => {} // the end of a range, "22-24"
            _ if ["bis", "ter"].contains(&t) && words.is_empty() => {}
            _ => words.push(t),
        }
    }
    (number, words.join(" "))
}

/// A website's identity for comparison: host without "www." and path
/// without trailing slash. The host alone is shared by every branch of a
/// network (croix-rouge.fr), a page is not.
fn web_parts(url: &str) -> Option<(String, String)> {
    let url = super::ids::normalize_url(url)?;
    let rest = url.split_once("://")?.1;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = host.strip_prefix("www.").unwrap_or(host).to_owned();
    let path = path.split(['?', '#']).next().unwrap_or("").trim_end_matches('/').to_lowercase();
    Some((host, path))
}

fn distance_weight(metres: f64) -> f64 {
    match metres {
        m if m < 50.0 => 1.5,
        m if m < 150.0 => 1.0,
        m if m < 300.0 => 0.5,
        m if m < 1_000.0 => 0.0,
        m if m < 2_000.0 => -0.5,
        m if m < 10_000.0 => -1.5,
        _ => -2.5,
    }
}

fn name_weight(similarity: f64) -> f64 {
    match similarity {
        s if s >= 0.9 => 2.0,
        s if s >= 0.7 => 1.0,
        s if s >= 0.45 => 0.0,
        s if s >= 0.2 => -1.0,
        _ => -2.0,
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// How likely `a` and `b` are the same place, and why.
pub fn score(a: &Candidate, b: &Candidate) -> Score {
    let mut reasons = Vec::new();
    let mut add = |signal: Signal, weight: f64| reasons.push(Reason { signal, weight });

    // Identifiers.
    let pivot = |c: &Candidate| c.pivot.as_deref().and_then(|p| Pivot::parse(p).ok());
    if let (Some(pa), Some(pb)) = (pivot(a), pivot(b)) {
        if pa == pb {
            add(Signal::SamePivot, 2.0);
        } else if pa.organisation().is_some() && pa.organisation() == pb.organisation() {
            add(Signal::SameOrganisation, -0.3);
        } else {
            add(Signal::DifferentPivots, -0.7);
        }
    }

    // Names.
    let (ka, kb) = (name_key(&a.name), name_key(&b.name));
    let (kind_a, kind_b) = (name_kind(&a.name), name_kind(&b.name));
    // A bus is only ever the same place as a bus: the fixed place sharing
    // its name and address is its base.
    let one_mobile = (kind_a == Some(NameKind::Mobile)) != (kind_b == Some(NameKind::Mobile));
    let kinds_conflict = one_mobile || matches!((kind_a, kind_b), (Some(x), Some(y)) if x != y);
    let similarity = name_similarity(&ka, &kb);
    let names_known = !ka.is_empty() && !kb.is_empty();
    if names_known {
        add(Signal::Names { similarity }, name_weight(similarity));
    }
    if one_mobile {
        add(Signal::MobileAndFixed, -3.0);
    } else if let (true, Some(x), Some(y)) = (kinds_conflict, kind_a, kind_b) {
        add(Signal::DifferentKinds { a: x, b: y }, -1.5);
    }
    // A name that was only a label ("Maison France Services") says nothing
    // against the other; it agrees when it announces the same kind.
    let names_alike =
        !kinds_conflict && if names_known { similarity >= 0.7 } else { kind_a.is_some() && kind_a == kind_b };

    // Where.
    let distance = match (a.geo, b.geo) {
        (Some(x), Some(y)) => Some(haversine_m(x, y)),
        _ => None,
    };
    if let Some(metres) = distance {
        add(Signal::Distance { metres }, distance_weight(metres));
    }
    let mut different_communes = false;
    match (&a.commune_insee, &b.commune_insee) {
        (Some(x), Some(y)) if x == y => add(Signal::SameCommune, 0.3),
        (Some(_), Some(_)) => {
            different_communes = true;
            add(Signal::DifferentCommunes, -1.5);
        }
        _ => match (&a.postal_code, &b.postal_code) {
            (Some(x), Some(y)) if x == y => add(Signal::SamePostalCode, 0.2),
            // CEDEX and delivery codes differ within one town: weak.
            (Some(_), Some(_)) => add(Signal::DifferentPostalCodes, -0.3),
            _ => {}
        },
    }
    let mut same_address = false;
    let mut same_street = false;
    if let (Some(sa), Some(sb)) = (a.street.as_deref(), b.street.as_deref()) {
        let ((na, wa), (nb, wb)) = (split_address(sa), split_address(sb));
        if !wa.is_empty() && !wb.is_empty() {
            let street_similarity = name_similarity(&wa, &wb);
            if street_similarity >= 0.8 {
                same_street = true;
                match (na, nb) {
                    (Some(x), Some(y)) if x == y => {
                        same_address = true;
                        add(Signal::SameAddress, 1.5);
                    }
                    (Some(_), Some(_)) => add(Signal::SameStreetOtherNumber, -0.3),
                    _ => add(Signal::SameStreet, 0.7),
                }
            } else if street_similarity < 0.3 {
                add(Signal::DifferentStreets, -0.8);
            }
        }
    }
    let near = distance.is_some_and(|d| d < 300.0);
    // Sources geocode to the address, the street or the town centre: on the
    // same street of the same commune, a kilometre or two is the geocoder's.
    let same_commune = match (&a.commune_insee, &b.commune_insee) {
        (Some(x), Some(y)) => x == y,
        _ => a.postal_code.is_some() && a.postal_code == b.postal_code,
    };
    let located_together =
        near || same_address || (same_street && same_commune && distance.is_none_or(|d| d < 2_000.0));

    // Contacts. One shared channel is strong; a second adds less, since
    // sources copy phone and email together.
    let shared_phone = a.phones.iter().any(|p| b.phones.contains(p));
    let shared_email = a.emails.iter().any(|e| b.emails.contains(e));
    if shared_phone {
        add(Signal::SharedPhone, 1.5);
    }
    if shared_email {
        add(Signal::SharedEmail, if shared_phone { 0.5 } else { 1.5 });
    }
    if !shared_phone && !a.phones.is_empty() && !b.phones.is_empty() {
        add(Signal::DifferentPhones, -0.3);
    }
    if let (Some((ha, pa)), Some((hb, pb))) =
        (a.website.as_deref().and_then(web_parts), b.website.as_deref().and_then(web_parts))
    {
        if ha == hb && pa == pb && !pa.is_empty() {
            add(Signal::SameWebPage, 0.7);
        } else if ha == hb {
            add(Signal::SameWebsite, 0.2);
        }
    }

    // Records often carry the operator's name (CNFS lists the employer:
    // "COMMUNE DE X" for the France services it runs). When the phone and
    // the email both match, the desk is the same whatever the name says.
    let names_agree = names_alike || (!one_mobile && shared_phone && shared_email);

    let total = PRIOR + reasons.iter().map(|r| r.weight).sum::<f64>();
    let mut value = sigmoid(total);
    if value >= AUTO_MERGE && !(names_agree && located_together && !different_communes) {
        value = AUTO_MERGE - 0.01;
        reasons.push(Reason { signal: Signal::AutoMergeWithheld, weight: 0.0 });
    }
    Score { value, reasons }
}

/// Grid steps of at least 500 m wherever France is: 0.0045° of latitude
/// everywhere; 0.0075° of longitude is 525 m at Dunkirk (51° N), 630 m in
/// Corsica and up to 835 m near the equator (French Guiana).
const CELL_LAT: f64 = 0.0045;
const CELL_LON: f64 = 0.0075;

/// The grid cell of a point, about 500 m on a side.
pub fn geo_cell(lat: f64, lon: f64) -> (i32, i32) {
    ((lat / CELL_LAT).floor() as i32, (lon / CELL_LON).floor() as i32)
}

/// A cell and its eight neighbours: every point within 500 m of a point of
/// `cell` lies in one of them.
pub fn neighbour_cells(cell: (i32, i32)) -> [(i32, i32); 9] {
    let (y, x) = cell;
    let mut out = [(0, 0); 9];
    let mut i = 0;
    for dy in -1..=1 {
        for dx in -1..=1 {
            out[i] = (y + dy, x + dx);
            i += 1;
        }
    }
    out
}

/// Keys under which to file a record so that likely duplicates share at
/// least one: its pivot, its commune with the first letters of each word
/// of its name, and the grid cells around it (so records within 500 m
/// always meet). Compare only records sharing a key.
pub fn blocking_keys(c: &Candidate) -> Vec<String> {
    let mut keys = BTreeSet::new();
    if let Some(p) = c.pivot.as_deref().and_then(|p| Pivot::parse(p).ok()) {
        keys.insert(format!("pivot:{p}"));
    }
    if let Some(area) = c.commune_insee.as_deref().or(c.postal_code.as_deref()) {
        for word in name_key(&c.name).split(' ').filter(|w| w.len() >= 3) {
            let prefix: String = word.chars().take(4).collect();
            keys.insert(format!("name:{area}:{prefix}"));
        }
    }
    if let Some((lat, lon)) = c.geo {
        for (y, x) in neighbour_cells(geo_cell(lat, lon)) {
            keys.insert(format!("geo:{y}:{x}"));
        }
    }
    keys.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, street: &str, geo: (f64, f64)) -> Candidate {
        Candidate {
            id: 0,
            name: name.into(),
            commune_insee: Some("16374".into()),
            postal_code: Some("16800".into()),
            street: Some(street.into()),
            geo: Some(geo),
            ..Candidate::default()
        }
    }

    #[test]
    fn haversine_matches_known_distances() {
        let paris = (48.8566, 2.3522);
        let lyon = (45.7640, 4.8357);
        assert!((haversine_m(paris, lyon) - 391_500.0).abs() < 1_500.0);
        assert_eq!(haversine_m(paris, paris), 0.0);
        // One thousandth of a degree of latitude is about 111 m.
        assert!((haversine_m((45.0, 0.0), (45.001, 0.0)) - 111.2).abs() < 0.5);
    }

    #[test]
    fn the_same_place_spelt_two_ways_merges() {
        let a = place("FOYER LAIQUE EDUCATION PERMANENTE", "7 BD LEON BLUM", (45.648516, 0.183281));
        let mut b = place("Foyer laïque éducation permanente", "7 Boulevard Léon Blum", (45.648516, 0.183281));
        b.phones = vec!["+33545931158".into()];
        let s = score(&a, &b);
        assert!(s.is_auto_merge(), "{s:?}");
        assert!(s.reasons.iter().any(|r| r.signal == Signal::SameAddress));
    }

    #[test]
    fn a_town_hall_and_the_france_services_it_hosts_are_not_merged() {
        let mut a = place("Mairie de Soyaux", "235 Avenue du Général de Gaulle", (45.641629, 0.192714));
        let mut b = place("France services Soyaux", "235 avenue du General de Gaulle", (45.641629, 0.192714));
        a.phones = vec!["+33545974545".into()];
        b.phones = vec!["+33545952811".into()];
        let s = score(&a, &b);
        assert!(!s.is_auto_merge(), "{s:?}");
        assert!(s.reasons.iter().any(|r| matches!(r.signal, Signal::DifferentKinds { .. })));
    }

    #[test]
    fn a_shared_pivot_alone_never_merges() {
        let pivot = Some("20006796500018".to_owned());
        let mut a = place("Cyber-base Bellicart", "7 Rue de la Bannière du Roi", (49.41, 2.82));
        let mut b = place("Mairie de Clairoix", "1 rue du Général De Gaulle", (49.44, 2.84));
        b.commune_insee = Some("60156".into());
        for c in [&mut a, &mut b] {
            c.pivot = pivot.clone();
            c.phones = vec!["+33344425630".into()];
            c.emails = vec!["cyberbases@agglo-compiegne.fr".into()];
        }
        let s = score(&a, &b);
        assert!(s.value < REVIEW, "{s:?}");
        // Even with identical names, a shared pivot at different addresses
        // far apart is two sites of one body.
        b.name = a.name.clone();
        assert!(!score(&a, &b).is_auto_merge());
    }

    #[test]
    fn two_stops_of_one_bus_are_different_places() {
        let mut a = place("Bus France Services - [Place de la mairie]", "Place de la Mairie", (45.891436, 0.117354));
        let mut b = place("Bus France Services - [Place de la mairie]", "Place de la Mairie", (45.982335, 0.22954));
        b.commune_insee = Some("16400".into());
        a.phones = vec!["+33630392518".into()];
        b.phones = a.phones.clone();
        assert!(score(&a, &b).value < REVIEW);
    }

    #[test]
    fn a_strong_case_without_coordinates_still_merges_on_the_address() {
        let mut a = place("Association CAFES", "17 AV DOCTEUR TAGNARD", (0.0, 0.0));
        let mut b = place("Association Cafés", "17 avenue Docteur Tagnard", (0.0, 0.0));
        a.geo = None;
        b.geo = None;
        a.emails = vec!["association.cafes@associationcafes.org".into()];
        b.emails = a.emails.clone();
        assert!(score(&a, &b).is_auto_merge());
    }

    #[test]
    fn name_similarity_is_about_words() {
        assert_eq!(name_similarity("confolens", "confolens"), 1.0);
        assert_eq!(name_similarity("26 fk", "26fk"), 1.0);
        assert!(name_similarity("bibliotheque milles feuillets", "bibliotheque mille feuillets") > 0.95);
        assert!(name_similarity("maison quartier epinettes", "maison quartier orgeval") < 0.7);
        assert_eq!(name_similarity("", "vars"), 0.0);
        assert_eq!(name_kind("France services La Poste de Marthon"), Some(NameKind::FranceServices));
        assert_eq!(name_kind("LA POSTE"), Some(NameKind::PostOffice));
        assert_eq!(name_kind("Bus France Services"), Some(NameKind::Mobile));
        assert_eq!(name_kind("COMMUNE DE CONFOLENS"), Some(NameKind::TownHall));
        assert_eq!(name_kind("Le Patio"), None);
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(Signal::Distance { metres: 42.4 }.to_string(), "42 m apart");
        assert_eq!(Signal::Distance { metres: 1746.0 }.to_string(), "1.7 km apart");
        assert_eq!(Signal::Names { similarity: 0.5 }.to_string(), "names 50% alike");
        let s = Signal::DifferentKinds { a: NameKind::TownHall, b: NameKind::FranceServices }.to_string();
        assert_eq!(s, "one name announces a town hall, the other a France services");
    }

    #[test]
    fn grid_cells_and_blocking() {
        let a = (45.648516, 0.183281);
        let b = (45.6512, 0.1870); // about 400 m away
        assert!(haversine_m(a, b) < 500.0);
        assert!(neighbour_cells(geo_cell(a.0, a.1)).contains(&geo_cell(b.0, b.1)));
        // Negative coordinates (west of Greenwich, south of the equator) floor, not truncate.
        assert_eq!(geo_cell(-0.001, -0.001), (-1, -1));
        let mut c = place("Médiathèque de Cognac", "10 rue du Minage", (45.694718, -0.328601));
        c.commune_insee = Some("16102".into());
        c.pivot = Some("00000000000000".into());
        let keys = blocking_keys(&c);
        assert!(keys.contains(&"name:16102:medi".to_owned()), "{keys:?}");
        assert!(keys.contains(&"name:16102:cogn".to_owned()));
        assert_eq!(keys.iter().filter(|k| k.starts_with("geo:")).count(), 9);
        assert!(!keys.iter().any(|k| k.starts_with("pivot:")), "a placeholder pivot blocks nothing");
        c.pivot = Some("21160374100011".into());
        assert!(blocking_keys(&c).contains(&"pivot:21160374100011".to_owned()));
        let d = place("Media Cognac", "", (45.6950, -0.3290));
        let mut d = d;
        d.commune_insee = Some("16102".into());
        let shared: Vec<_> = blocking_keys(&d).into_iter().filter(|k| blocking_keys(&c).contains(k)).collect();
        assert!(!shared.is_empty());
    }
}
