//! Text keys for matching records from different sources.
//!
//! Sources spell one place in many ways: capitals or not, accents or not,
//! "AV DU GAL DE GAULLE" or "Avenue du Général de Gaulle", "Mairie de
//! Soyaux" or "COMMUNE DE SOYAUX". These keys erase the differences that
//! mean nothing so that the ones that remain do. They are for comparing,
//! never for showing.

/// Lowercase ASCII words separated by single spaces: accents stripped,
/// punctuation and apostrophes turned into spaces.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // deunicode spells these out ("deg", "No"), which would glue a
        // stray word to the house number in "n° 12".
        let ascii = match c {
            '°' | 'º' | '№' => " ",
            c if c.is_ascii() => {
                out.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { ' ' });
                continue;
            }
            c => deunicode::deunicode_char(c).unwrap_or(" "),
        };
        out.extend(ascii.chars().map(|a| if a.is_ascii_alphanumeric() { a.to_ascii_lowercase() } else { ' ' }));
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words that join other words and say nothing about which place it is.
const STOP_WORDS: &[&str] =
    &["de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "the"];

/// Phrases each source adds its own way around the same name: the France
/// services label and its former names, the town hall wording, the bus.
/// Longest first, so that "maison france services" wins over "france
/// services".
const GENERIC_PHRASES: &[&str] = &[
    "maison de services au public",
    "espaces france services",
    "espace france services",
    "maison france services",
    "espace france service",
    "maison france service",
    "france services",
    "france service",
    "mairie de",
    "mairie du",
    "mairie d",
    "commune de",
    "commune du",
    "commune d",
    "ville de",
    "ville du",
    "ville d",
    "msap",
    "bus",
    "antenne",
];

fn saint(token: &str) -> &str {
    match token {
        "st" => "saint",
        "ste" => "sainte",
        "sts" => "saints",
        "stes" => "saintes",
        t => t,
    }
}

/// Removes `phrases` (folded, space-separated) wherever they occur as
/// whole words.
fn drop_phrases<'a>(tokens: &[&'a str], phrases: &[&str]) -> Vec<&'a str> {
    let phrases: Vec<Vec<&str>> = phrases.iter().map(|p| p.split(' ').collect()).collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    'outer: while i < tokens.len() {
        for p in &phrases {
            if tokens[i..].starts_with(p) {
                i += p.len();
                continue 'outer;
            }
        }
        out.push(tokens[i]);
        i += 1;
    }
    out
}

/// "Avenir84" and "Avenir 84", "26FK" and "26 FK" are the same name.
fn split_letters_from_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev
            && (p.is_ascii_alphabetic() && c.is_ascii_digit() || p.is_ascii_digit() && c.is_ascii_alphabetic())
        {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// The words of a name that tell places apart: folded, "st"/"ste" spelt
/// out, generic phrases and stop words dropped. May be empty when the name
/// was only generic ("Maison France Services").
pub fn name_key(s: &str) -> String {
    let folded = split_letters_from_digits(&fold(s));
    let tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).map(saint).collect();
    drop_phrases(&tokens, GENERIC_PHRASES).into_iter().filter(|t| !STOP_WORDS.contains(t)).collect::<Vec<_>>().join(" ")
}

/// Abbreviations of the national address base and of people typing fast.
const STREET_WORDS: &[(&str, &str)] = &[
    ("av", "avenue"),
    ("ave", "avenue"),
    ("bd", "boulevard"),
    ("bld", "boulevard"),
    ("blvd", "boulevard"),
    ("boul", "boulevard"),
    ("bvd", "boulevard"),
    ("r", "rue"),
    ("pl", "place"),
    ("chem", "chemin"),
    ("che", "chemin"),
    ("rte", "route"),
    ("all", "allee"),
    ("imp", "impasse"),
    ("fbg", "faubourg"),
    ("sq", "square"),
    ("crs", "cours"),
    ("qu", "quai"),
    ("qua", "quai"),
    ("st", "saint"),
    ("ste", "sainte"),
    ("gal", "general"),
    ("gen", "general"),
    ("mal", "marechal"),
    ("dr", "docteur"),
    ("pdt", "president"),
    ("res", "residence"),
];

fn expand_street_word(token: &str) -> &str {
    STREET_WORDS.iter().find(|(short, _)| *short == token).map_or(token, |(_, long)| long)
}

/// An address for comparison: folded, abbreviations expanded, stop words
/// dropped, the house number kept first and its suffix spelt out ("25b" →
/// "25 bis"). A postal code and what follows it (the commune, repeated by
/// some sources in the street field) is cut off.
pub fn address_key(s: &str) -> String {
    let folded = fold(s);
    let mut out: Vec<String> = Vec::new();
    for raw in folded.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() && raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        // "5bis", "25b": split the number from its suffix.
        let digits_end = raw.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(raw.len());
        let (number, rest) = raw.split_at(digits_end);
        if !number.is_empty() {
            out.push(number.to_owned());
        }
        if rest.is_empty() {
            continue;
        }
        let after_number = out.last().is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
        let token = match rest {
            "b" | "bis" if after_number => "bis",
            "t" | "ter" if after_number => "ter",
            t => expand_street_word(t),
        };
        if !STOP_WORDS.contains(&token) {
            out.push(token.to_owned());
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("  Médiathèque  d'Échalas "), "mediatheque d echalas");
        assert_eq!(fold("L’Île-Saint-Denis"), "l ile saint denis");
        assert_eq!(fold("Montembœuf"), "montemboeuf");
        assert_eq!(fold("MAISON DES HABITANTS-ESPACE FRANCE SERVICES"), "maison des habitants espace france services");
        assert_eq!(fold("Cellule n°5"), "cellule n 5");
        assert_eq!(fold("«Le Vingt-Sept»"), "le vingt sept");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn name_keys_drop_what_every_source_says_differently() {
        let same = [
            ("France services de Vars", "Maison France Services de Vars"),
            ("Mairie de Soyaux", "MAIRIE DE SOYAUX"),
            ("Mairie d'Ambleville", "mairie d Ambleville"),
            ("COMMUNE DE CONFOLENS", "Ville de Confolens"),
            ("Espaces France Services Chalais", "France services de Chalais"),
            ("MSAP LA ROCHEFOUCAULD", "Maison de services au public de La Rochefoucauld"),
            ("France Service Jarnac", "France services Jarnac"),
            ("Bibliothèque St Brice", "bibliotheque Saint-Brice"),
            ("Ste Livrade", "Sainte-Livrade"),
        ];
        for (a, b) in same {
            assert_eq!(name_key(a), name_key(b), "{a} / {b}");
        }
        assert_eq!(name_key("France services La Poste de Marthon"), "poste marthon");
        assert_eq!(name_key("Bus France Services - [Place de la mairie]"), "place mairie");
        assert_eq!(name_key("Antenne de Saint-Brieuc - Les villages"), "saint brieuc villages");
        assert_eq!(name_key("Maison France Services"), "");
        assert_eq!(name_key("Avenir84"), name_key("AVENIR 84"));
        // "Saint" is kept: it is part of the place's own name.
        assert_eq!(name_key("Mairie de Saint-Fons"), "saint fons");
        // Only whole words: "busigny" and "mairies" are not generic.
        assert_eq!(name_key("Médiathèque de Busigny"), "mediatheque busigny");
    }

    #[test]
    fn address_keys_expand_abbreviations() {
        let same = [
            ("235 AV DU GENERAL DE GAULLE", "235 Avenue du Général de Gaulle"),
            ("7 BD LEON BLUM", "7 Boulevard Léon Blum"),
            ("20 IMP DE LA VALENCEAUDE", "20 impasse de la Valenceaude"),
            ("4 PL DES INSTITUTIONS", "4 Place des Institutions"),
            ("3 RTE DU SERGENT SOURBE", "3 Route du Sergent Sourbé"),
            ("1 ALL DES SPORTS", "1 allée des Sports"),
            ("25 b rue de la gare", "25 B Rue de la Gare"),
            ("25bis rue de la gare", "25 bis, rue de la gare"),
            ("12 R. Saint-Michel", "12 rue St Michel"),
            ("3 Avenue Henri Dunant 16190 Montmoreau", "3 avenue Henri-Dunant"),
            ("10 FBG ST MARTIN", "10 faubourg Saint-Martin"),
            ("2 SQ PAUL CLAUDEL", "2 square Paul Claudel"),
            ("5 CRS PASTEUR", "5 cours Pasteur"),
            ("1 QU DES CHARTRONS", "1 quai des Chartrons"),
            ("160 CHEM DU PARTEGAL", "160 chemin du Partegal"),
            ("9 BOUL DE LA REPUBLIQUE", "9 boulevard de la République"),
        ];
        for (a, b) in same {
            assert_eq!(address_key(a), address_key(b), "{a} / {b}");
        }
        assert_eq!(address_key("235 AV DU GAL DE GAULLE"), "235 avenue general gaulle");
        assert_eq!(address_key("22-24 Rue Dubois Meynardie"), "22 24 rue dubois meynardie");
        assert_eq!(address_key("Le Bourg"), "bourg");
        assert_ne!(address_key("33 rue Gaston Briand"), address_key("38 rue Gaston Briand"));
    }
}
