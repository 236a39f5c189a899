//! From what people type to a query.
//!
//! Every word must match, each in any of its forms: the French stem (so
//! "fablabs" finds "fablab"), a close spelling (0 typos up to 4 letters, 1
//! up to 8, 2 beyond, as Meilisearch does), and for the last word a prefix
//! (people are still typing). Two adjacent words may also match written as
//! one, and one word may match two written apart ("fab lab" / "fablab"),
//! which is why names are also indexed with adjacent words joined.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;

use crate::schema::{Fields, tokens};

/// How many typos a word of this many letters tolerates.
fn typo_budget(letters: usize) -> u8 {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

fn term(field: tantivy::schema::Field, text: &str, boost: f32) -> Box<dyn Query> {
    let q: Box<dyn Query> = Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs));
    if boost == 1.0 { q } else { Box::new(BoostQuery::new(q, boost)) }
}

fn fuzzy(field: tantivy::schema::Field, text: &str, distance: u8, prefix: bool, boost: f32) -> Box<dyn Query> {
    let t = Term::from_field_text(field, text);
    let q = if prefix { FuzzyTermQuery::new_prefix(t, distance, true) } else { FuzzyTermQuery::new(t, distance, true) };
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// One word (or two joined), in every form it may take in a document.
fn word_clause(f: &Fields, french: &TextAnalyzer, folded_word: &str, last: bool) -> Option<Box<dyn Query>> {
    let stem = tokens(french, folded_word).into_iter().next();
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(stem) = &stem {
        should.push((Occur::Should, term(f.name, stem, 3.0)));
        should.push((Occur::Should, term(f.name_joined, stem, 2.0)));
        should.push((Occur::Should, term(f.text, stem, 1.0)));
    }
    let budget = typo_budget(folded_word.chars().count());
    if budget > 0 {
        should.push((Occur::Should, fuzzy(f.name_folded, folded_word, budget, false, 1.5)));
        should.push((Occur::Should, fuzzy(f.text_folded, folded_word, budget, false, 0.5)));
    }
    if last && folded_word.chars().count() >= 2 {
        should.push((Occur::Should, fuzzy(f.name_folded, folded_word, 0, true, 2.0)));
        should.push((Occur::Should, fuzzy(f.name_joined, folded_word, 0, true, 1.5)));
        should.push((Occur::Should, fuzzy(f.text_folded, folded_word, 0, true, 0.5)));
    }
    if should.is_empty() {
        return None;
    }
    Some(Box::new(BooleanQuery::new(should)))
}

/// The query for a text; `None` when it holds no word.
pub fn build(f: &Fields, french: &TextAnalyzer, folded: &TextAnalyzer, text: &str) -> Option<Box<dyn Query>> {
    let all: Vec<String> = tokens(folded, text);
    // Stop words ("de", "la") carry nothing, unless they are all there is.
    let words: Vec<String> = {
        let content: Vec<String> = all.iter().filter(|w| !tokens(french, w).is_empty()).cloned().collect();
        if content.is_empty() { all } else { content }
    };
    if words.is_empty() {
        return None;
    }
    let n = words.len();
    // Each way of joining adjacent words gives one reading; any reading may match.
    // Beyond five words, joins are not tried (2^4 readings is plenty).
    let join_slots = if n <= 5 { n - 1 } else { 0 };
    let mut readings: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for mask in 0u32..(1 << join_slots) {
        // No two overlapping joins.
        if mask & (mask >> 1) != 0 {
            continue;
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut i = 0;
        let mut ok = true;
        while i < n {
            let joined = i < join_slots && mask & (1 << i) != 0;
            let (word, next) =
                if joined { (format!("{}{}", words[i], words[i + 1]), i + 2) } else { (words[i].clone(), i + 1) };
            match word_clause(f, french, &word, next == n) {
                Some(q) => must.push((Occur::Must, q)),
                None => ok = false,
            }
            i = next;
        }
        if ok && !must.is_empty() {
            readings.push((Occur::Should, Box::new(BooleanQuery::new(must))));
        }
    }
    match readings.len() {
        0 => None,
        1 => readings.pop().map(|(_, q)| q),
        _ => Some(Box::new(BooleanQuery::new(readings))),
    }
}
