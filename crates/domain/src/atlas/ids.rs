//! Identifiers and contact values as sources give them, turned into one
//! canonical form so that two sources saying the same thing compare equal.
//!
//! Holding a [`Siren`], [`Siret`], [`Rna`] or [`Pivot`] means the checks
//! passed (parse, don't validate). The contact normalisers return `None`
//! for values that cannot be made usable rather than guessing.
//!
//! The pivot is the identifier the mediation-places schema asks for: the
//! SIRET of the establishment, or the RNA number of an association. Sources
//! write `00000000000000` when they do not know it; that is not an
//! identifier, and [`Pivot::parse`] says so with [`IdError::Placeholder`] so
//! that importers can treat it as missing rather than as an error.

use std::fmt;

use crate::accounts::Email;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("this field is empty")]
    Empty,
    #[error("a {kind} has {expected} digits; this one has {found}")]
    WrongLength { kind: &'static str, expected: usize, found: usize },
    #[error("a {kind} is made of digits only (spaces and dots are allowed between them)")]
    NotDigits { kind: &'static str },
    #[error("this {kind} fails its check digit: a digit is probably mistyped or missing")]
    Checksum { kind: &'static str },
    #[error("all zeros is what sources write when they do not know the number; it identifies nothing")]
    Placeholder,
    #[error("this is a SIREN, which identifies the whole organisation; give the 14-digit SIRET of the place")]
    SirenNotSiret,
    #[error("an RNA number is W followed by 9 characters, for example W751234567 or W2A1234567")]
    MalformedRna,
    #[error("not a SIRET (14 digits) nor an RNA number (W followed by 9 characters)")]
    UnknownPivot,
}

/// Separators people type inside numbers; they carry no meaning.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '\u{a0}' | '\u{202f}' | '\t')
}

fn compact(input: &str) -> String {
    input.chars().filter(|c| !is_separator(*c)).collect()
}

fn digits_only(s: &str, kind: &'static str, expected: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(IdError::NotDigits { kind });
    }
    if s.len() != expected {
        return Err(IdError::WrongLength { kind, expected, found: s.len() });
    }
    Ok(())
}

fn luhn_ok(s: &str) -> bool {
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An organisation's number in INSEE's SIRENE register: 9 digits, Luhn key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Siren(String);

impl Siren {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input);
        digits_only(&s, "SIREN", 9)?;
        if s.bytes().all(|b| b == b'0') {
            return Err(IdError::Placeholder);
        }
        if !luhn_ok(&s) {
            return Err(IdError::Checksum { kind: "SIREN" });
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// La Poste numbers its thousands of establishments beyond what a Luhn key
/// allows, so INSEE validates them by digit sum instead.
const LA_POSTE_SIREN: &str = "356000000";

/// An establishment's number: the SIREN of its organisation followed by 5
/// digits, with a Luhn key over all 14 (La Poste excepted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Siret(String);

impl Siret {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input);
        digits_only(&s, "SIRET", 14)?;
        if s.bytes().all(|b| b == b'0') {
            return Err(IdError::Placeholder);
        }
        let valid = if s.starts_with(LA_POSTE_SIREN) {
            s.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5)
        } else {
            // The SIREN inside carries its own key: a SIRET whose 14 digits
            // happen to pass while its first 9 do not is a typo too.
            luhn_ok(&s) && luhn_ok(&s[..9])
        };
        if !valid {
            return Err(IdError::Checksum { kind: "SIRET" });
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The organisation this establishment belongs to.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }
}

/// An association's number in the Répertoire national des associations.
///
/// `W`, then the registering prefecture's code and a sequence. The code is
/// not always numeric: Corsica's prefectures write `2A`/`2B` (W2A1234567)
/// and some overseas registries use a letter as well, so the second
/// character after `W` may be a letter. That is the pattern data.gouv.fr's
/// csv-detective uses for these numbers (`W\d[\dA-Z]\d{7}`); stricter
/// checkers that demand nine digits reject real Corsican associations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rna(String);

impl Rna {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input).to_ascii_uppercase();
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        let b = s.as_bytes();
        let ok = b.len() == 10
            && b[0] == b'W'
            && b[1].is_ascii_digit()
            && (b[2].is_ascii_digit() || b[2].is_ascii_uppercase())
            && b[3..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(IdError::MalformedRna);
        }
        if b[1..].iter().all(|d| *d == b'0') {
            return Err(IdError::Placeholder);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identifier that ties a place to its legal body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pivot {
    Siret(Siret),
    Rna(Rna),
}

impl Pivot {
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let s = compact(input);
        if s.is_empty() {
            return Err(IdError::Empty);
        }
        if s.starts_with(['W', 'w']) {
            return Rna::parse(&s).map(Pivot::Rna);
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(IdError::UnknownPivot);
        }
        if s.bytes().all(|b| b == b'0') {
            return Err(IdError::Placeholder);
        }
        match s.len() {
            14 => Siret::parse(&s).map(Pivot::Siret),
            9 => match Siren::parse(&s) {
                Ok(_) => Err(IdError::SirenNotSiret),
                Err(e) => Err(e),
            },
            found => Err(IdError::WrongLength { kind: "SIRET", expected: 14, found }),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Pivot::Siret(s) => s.as_str(),
            Pivot::Rna(r) => r.as_str(),
        }
    }

    /// The organisation behind the place, when the pivot says it: the SIREN
    /// of a SIRET. Several places of one body (a town's library and its town
    /// hall) share it.
    pub fn organisation(&self) -> Option<&str> {
        match self {
            Pivot::Siret(s) => Some(s.siren()),
            Pivot::Rna(_) => None,
        }
    }
}

impl fmt::Display for Pivot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Country codes the mediation-places schema accepts for phone numbers.
const ACCEPTED_CODES: [&str; 10] = ["33", "590", "594", "262", "596", "269", "687", "689", "508", "681"];

/// Overseas departments sit inside the French numbering plan (0590…) but
/// are dialled from abroad with their own country code. The key is the
/// first three digits of the 9-digit national number.
const OVERSEAS: &[(&str, &str)] = &[
    // Guadeloupe, Saint-Martin, Saint-Barthélemy: fixed 0590, mobile 0690/0691.
    ("590", "590"),
    ("690", "590"),
    ("691", "590"),
    // French Guiana.
    ("594", "594"),
    ("694", "594"),
    // Martinique.
    ("596", "596"),
    ("696", "596"),
    ("697", "596"),
    // Réunion: fixed 0262/0263, mobile 0692/0693.
    ("262", "262"),
    ("263", "262"),
    ("692", "262"),
    ("693", "262"),
    // Mayotte has used Réunion's +262 since 2007 (+269 is the Comoros).
    ("269", "262"),
    ("639", "262"),
];

/// A French phone number in E.164 (`+33450568749`), accepted by the
/// mediation-places schema's pattern. Numbers from overseas departments get
/// their own country code (`0590 …` → `+590590…`). Several numbers in one
/// field: the first usable one. `None` when nothing usable is found, such
/// as a truncated number or a lone `+33`.
pub fn normalize_phone(input: &str) -> Option<String> {
    input.split(['/', ',', ';', '|']).find_map(normalize_one_phone)
}

fn normalize_one_phone(input: &str) -> Option<String> {
    let s = input.trim().replace("(0)", "");
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 || out.is_empty() => out.push(c),
            ' ' | '.' | '-' | '(' | ')' | '\u{a0}' | '\u{202f}' => {}
            _ => return None,
        }
    }
    let (code, national) = if let Some(rest) = out.strip_prefix('+') {
        split_country_code(rest)?
    } else if let Some(rest) = out.strip_prefix("00") {
        split_country_code(rest)?
    } else if out.len() == 10 && out.starts_with('0') {
        ("33", &out[1..])
    } else {
        return None;
    };
    // "+33 0 4 50 …": the trunk 0 kept after the country code.
    let national = match national.strip_prefix('0') {
        Some(rest) if code != "269" && rest.len() == 9 => rest,
        _ => national,
    };
    let (code, national) = match code {
        "33" => {
            if national.len() != 9 || national.starts_with('0') {
                return None;
            }
            let overseas = OVERSEAS.iter().find(|(prefix, _)| national.starts_with(prefix));
            (overseas.map_or("33", |(_, c)| c), national)
        }
        "590" | "594" | "596" | "262" => {
            if national.len() != 9 {
                return None;
            }
            (code, national)
        }
        // Mayotte's six-digit numbers from before 2007 were folded into
        // +262 269; seven digits after +269 are the Comoros'.
        "269" if national.len() == 6 => return Some(format!("+262269{national}")),
        "269" if national.len() == 7 => (code, national),
        "508" | "681" | "687" if national.len() == 6 => (code, national),
        "689" if national.len() == 8 => (code, national),
        _ => return None,
    };
    Some(format!("+{code}{national}"))
}

fn split_country_code(rest: &str) -> Option<(&'static str, &str)> {
    // Longest code first: "262…" must not read as "26" + "2…".
    let mut codes = ACCEPTED_CODES;
    codes.sort_by_key(|c| std::cmp::Reverse(c.len()));
    codes.iter().find(|c| rest.starts_with(**c)).map(|c| (*c, &rest[c.len()..]))
}

/// An email address trimmed and lowercased; `None` when it is not one.
pub fn normalize_email(input: &str) -> Option<String> {
    let s = input.trim();
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    Email::parse(s).ok().map(|e| e.as_str().to_owned())
}

/// A web address with its scheme (`https://` added when missing) and its
/// host lowercased. `None` for spaces inside, another scheme, or no host.
pub fn normalize_url(input: &str) -> Option<String> {
    let s = input.trim();
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return None;
    }
    let (scheme, rest) = match s.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), s),
    };
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    let host = host.to_lowercase();
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok {
        return None;
    }
    Some(format!("{scheme}://{host}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_from_the_sources() {
        assert_eq!(Siret::parse("211 603 741 00011").unwrap().as_str(), "21160374100011");
        assert_eq!(Siret::parse("775.560.261.00015").unwrap().siren(), "775560261");
        // Looks like a SIRET, fails its key: a mistyped digit.
        assert_eq!(Siret::parse("362 521 879 00034"), Err(IdError::Checksum { kind: "SIRET" }));
        assert_eq!(Siret::parse("21160374100012"), Err(IdError::Checksum { kind: "SIRET" }));
        assert_eq!(Siret::parse("2116037410001"), Err(IdError::WrongLength { kind: "SIRET", expected: 14, found: 13 }));
        assert_eq!(Siret::parse("211603741OOO11"), Err(IdError::NotDigits { kind: "SIRET" }));
        assert_eq!(Siret::parse("00000000000000"), Err(IdError::Placeholder));
        assert_eq!(Siret::parse("  "), Err(IdError::Empty));
    }

    #[test]
    fn la_poste_sirets_are_checked_by_digit_sum() {
        // Real La Poste establishments from the sources: they fail Luhn.
        for s in ["35600000060587", "35600000068395", "35600000062292"] {
            assert!(Siret::parse(s).is_ok(), "{s}");
        }
        assert!(!luhn_ok("35600000060587"));
        assert_eq!(Siret::parse("35600000060588"), Err(IdError::Checksum { kind: "SIRET" }));
        assert!(Siren::parse("356000000").is_ok());
    }

    #[test]
    fn sirens() {
        assert_eq!(Siren::parse("211 603 741").unwrap().as_str(), "211603741");
        assert_eq!(Siren::parse("211603742"), Err(IdError::Checksum { kind: "SIREN" }));
        assert_eq!(Siren::parse("000000000"), Err(IdError::Placeholder));
    }

    #[test]
    fn rna_numbers_including_corsica() {
        assert_eq!(Rna::parse("W751234567").unwrap().as_str(), "W751234567");
        assert_eq!(Rna::parse("w2a1234567").unwrap().as_str(), "W2A1234567");
        assert!(Rna::parse("W2B2001234").is_ok());
        for bad in ["W75123456", "W7512345678", "WA21234567", "X751234567", "W75123456A", "W000000000"] {
            assert!(Rna::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Rna::parse("W000000000"), Err(IdError::Placeholder));
    }

    #[test]
    fn pivots_as_sources_write_them() {
        assert_eq!(Pivot::parse("211 603 741 00011").unwrap(), Pivot::Siret(Siret("21160374100011".into())));
        assert_eq!(Pivot::parse("211.603.741.00011").unwrap().as_str(), "21160374100011");
        assert_eq!(Pivot::parse("W2A1234567").unwrap().as_str(), "W2A1234567");
        assert_eq!(Pivot::parse("00000000000000"), Err(IdError::Placeholder));
        assert_eq!(Pivot::parse("000 000 000 00000"), Err(IdError::Placeholder));
        assert_eq!(Pivot::parse("211603741"), Err(IdError::SirenNotSiret));
        assert_eq!(Pivot::parse("34106240403159/APE:8790B"), Err(IdError::UnknownPivot));
        assert_eq!(Pivot::parse("BibliothèquedeDzoumogne"), Err(IdError::UnknownPivot));
        assert_eq!(Pivot::parse("689330"), Err(IdError::WrongLength { kind: "SIRET", expected: 14, found: 6 }));
        assert_eq!(Pivot::parse("").unwrap_err(), IdError::Empty);
        let p = Pivot::parse("21160374100011").unwrap();
        assert_eq!(p.organisation(), Some("211603741"));
        assert_eq!(p.to_string(), "21160374100011");
        assert!(IdError::Placeholder.to_string().contains("do not know"));
    }

    const SCHEMA_CODES: [&str; 10] = ["+33", "+590", "+594", "+262", "+596", "+269", "+687", "+689", "+508", "+681"];

    /// The schema's `^(\+33|…|\+681)(\d){6,9}$`, without a regex engine.
    fn schema_accepts(phone: &str) -> bool {
        SCHEMA_CODES.iter().any(|code| {
            phone
                .strip_prefix(code)
                .is_some_and(|rest| (6..=9).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_digit()))
        })
    }

    #[test]
    fn phones_become_e164() {
        let cases = [
            ("04 50 56 87 49", "+33450568749"),
            ("+33630392518", "+33630392518"),
            ("+33 6 30 39 25 18", "+33630392518"),
            ("+33 (0)4 50 56 87 49", "+33450568749"),
            ("0033 4 50 56 87 49", "+33450568749"),
            ("04.50.56.87.49", "+33450568749"),
            ("04-50-56-87-49", "+33450568749"),
            ("+330800003631", "+33800003631"),
            ("0590 82 12 34", "+590590821234"),
            ("0690 12 34 56", "+590690123456"),
            ("0594 35 75 33", "+594594357533"),
            ("0694 12 34 56", "+594694123456"),
            ("0262 37 00 12", "+262262370012"),
            ("0692 12 34 56", "+262692123456"),
            ("0693 12 34 56", "+262693123456"),
            ("05 96 52 73 85", "+596596527385"),
            ("0696 12 34 56", "+596696123456"),
            ("02 69 66 61 09", "+262269666109"),
            ("0639 12 34 56", "+262639123456"),
            ("+262262370012", "+262262370012"),
            ("+596596527385", "+596596527385"),
            ("+269 66 20 10", "+262269662010"),
            ("+687 27 12 34", "+687271234"),
            ("+689 40 12 34 56", "+68940123456"),
            ("+508 41 12 34", "+508411234"),
            ("04 50 56 87 49 / 06 30 39 25 18", "+33450568749"),
        ];
        for (input, expected) in cases {
            let got = normalize_phone(input);
            assert_eq!(got.as_deref(), Some(expected), "{input}");
            assert!(schema_accepts(expected), "{expected}");
        }
    }

    #[test]
    fn unusable_phones_are_refused() {
        for bad in
            ["", "+33", "+33 ", "+3315873272", "+33-72041680", "+262591911", "0450", "poste 12", "+1 212 555 0100"]
        {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails_and_urls() {
        assert_eq!(normalize_email(" CONTACT@LesSablesDOlonne.FR ").as_deref(), Some("contact@lessablesdolonne.fr"));
        assert_eq!(normalize_email("mailto:mfs@cc-aspres.fr").as_deref(), Some("mfs@cc-aspres.fr"));
        assert_eq!(normalize_email("aubiet@france-service.gouv,fr"), None);
        assert_eq!(normalize_email("secretariat."), None);
        assert_eq!(normalize_url("www.Pimms.org/lyon").as_deref(), Some("https://www.pimms.org/lyon"));
        assert_eq!(normalize_url("HTTP://WWW.EXAMPLE.FR").as_deref(), Some("http://www.example.fr"));
        assert_eq!(
            normalize_url("https://www.cc-miribel.fr/actu/France-Services").as_deref(),
            Some("https://www.cc-miribel.fr/actu/France-Services")
        );
        assert_eq!(normalize_url("www.example.fr/a page"), None);
        assert_eq!(normalize_url("ftp://example.fr"), None);
        assert_eq!(normalize_url("pas de site"), None);
        assert_eq!(normalize_url("localhost"), None);
    }
}
