//! The benchmark's query set: a fixed, seeded mix of what people ask a
//! directory, written as URL parameters so that the very same list drives
//! the in-process searches, the HTTP load and the PostgreSQL baseline.
//!
//! Words are drawn from generated names (so they find something), some cut
//! to a prefix (people still typing) or given a typo; filters use the
//! facets of the search pages (place kind, record type, département);
//! geographic queries sit on communes drawn by population, 10 km around,
//! by distance; some ask what is open now.

use super::generate::{CommuneSampler, Rng, place_kinds};

/// One search, as URL parameters, with the family it belongs to.
#[derive(Debug, Clone)]
pub struct BenchQuery {
    pub family: &'static str,
    pub pairs: Vec<(String, String)>,
}

impl BenchQuery {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Families and how often each occurs, in percent.
const FAMILIES: &[(&str, u32)] = &[
    ("word", 22),
    ("prefix", 12),
    ("typo", 8),
    ("two-words", 8),
    ("word+kind", 12),
    ("word+departement", 10),
    ("near", 14),
    ("near+word", 6),
    ("open+departement", 8),
];

/// Articles and prepositions of names: nobody searches for them.
const STOP_WORDS: &[&str] = &["les", "des", "du", "de", "la", "le", "aux", "et", "lab"];

/// Words of 3 to 10 letters in a name, lowercased.
pub fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphabetic())
        .map(str::to_lowercase)
        .filter(|w| (3..=10).contains(&w.chars().count()) && !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// What queries are drawn from.
pub struct QuerySource<'a> {
    pub names: &'a [String],
    pub communes: &'a CommuneSampler,
}

impl QuerySource<'_> {
    /// `count` queries from `seed`; always the same for the same arguments.
    pub fn build(&self, seed: u64, count: usize) -> Vec<BenchQuery> {
        let mut rng = Rng::new(seed ^ 0x5EA2_C4ED);
        let words: Vec<String> = self.names.iter().flat_map(|n| name_words(n)).collect();
        (0..count).map(|_| self.one(&mut rng, &words)).collect()
    }

    fn one(&self, rng: &mut Rng, words: &[String]) -> BenchQuery {
        let family = *rng.weighted(FAMILIES);
        let p = |k: &str, v: String| (k.to_owned(), v);
        let pairs = match family {
            "word" => vec![p("q", rng.pick(words).clone())],
            "prefix" => vec![p("q", prefix(rng, words))],
            "typo" => vec![p("q", typo(rng, words))],
            "two-words" => vec![p("q", two_words(rng, self.names))],
            "word+kind" => {
                let filter = if rng.chance(0.7) {
                    p("kind", (*rng.weighted(place_kinds())).to_owned())
                } else {
                    p("type", "organisation".to_owned())
                };
                vec![p("q", rng.pick(words).clone()), filter]
            }
            "word+departement" => vec![p("q", rng.pick(words).clone()), p("departement", self.departement(rng))],
            "near" => {
                let mut v = self.near(rng);
                v.push(p("sort", "distance".into()));
                if rng.chance(0.5) {
                    v.push(p("type", "place".into()));
                }
                v
            }
            "near+word" => {
                let mut v = self.near(rng);
                v.push(p("q", rng.pick(words).clone()));
                v
            }
            _ => vec![p("open", "now".into()), p("departement", self.departement(rng)), p("type", "place".into())],
        };
        BenchQuery { family, pairs }
    }

    fn departement(&self, rng: &mut Rng) -> String {
        self.communes.draw(rng).departement.clone()
    }

    fn near(&self, rng: &mut Rng) -> Vec<(String, String)> {
        let c = self.communes.draw(rng);
        let (lat, lon) = c.centroid.unwrap_or((46.6, 2.4));
        vec![("near".into(), format!("{lat:.4},{lon:.4}")), ("radius_km".into(), "10".into())]
    }
}

/// The first 3 to 5 letters of a longer word.
fn prefix(rng: &mut Rng, words: &[String]) -> String {
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 6).collect();
    let w = if long.is_empty() { rng.pick(words) } else { *rng.pick(&long) };
    let n = 3 + rng.below(3);
    w.chars().take(n).collect()
}

/// A word of 5 letters or more with one letter replaced (one typo is
/// within the budget of such words).
fn typo(rng: &mut Rng, words: &[String]) -> String {
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 5).collect();
    let w = if long.is_empty() { rng.pick(words) } else { *rng.pick(&long) };
    let mut chars: Vec<char> = w.chars().collect();
    let at = 1 + rng.below(chars.len().saturating_sub(2).max(1));
    let replacement = (b'a' + rng.below(26) as u8) as char;
    if let Some(c) = chars.get_mut(at) {
        *c = if *c == replacement { 'z' } else { replacement };
    }
    chars.into_iter().collect()
}

/// Two adjacent words of one name (`forge numérique`).
fn two_words(rng: &mut Rng, names: &[String]) -> String {
    for _ in 0..20 {
        let name: &String = rng.pick(names);
        let words = name_words(name);
        if words.len() >= 2 {
            let i = rng.below(words.len() - 1);
            return format!("{} {}", words[i], words[i + 1]);
        }
    }
    let name: &String = rng.pick(names);
    name_words(name).join(" ")
}
