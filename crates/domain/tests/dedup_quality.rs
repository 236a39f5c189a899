//! How well the duplicate scorer does on pairs a person labelled from the
//! real overlapping sources (see `tests/dedup/README.md`).
//!
//! Each pair goes through what the importer does: phones, emails and URLs
//! normalised, pivots parsed (placeholders and malformed ones dropped).
//! Then the automatic merges must be almost always right, and catch most
//! duplicates; the review band catches more at a person's cost.

use std::collections::HashMap;

use domain::atlas::dedup::{AUTO_MERGE, Candidate, REVIEW, Signal, blocking_keys, score};
use domain::atlas::ids::{Pivot, normalize_email, normalize_phone, normalize_url};

const MIN_AUTO_PRECISION: f64 = 0.98;
const MIN_AUTO_RECALL: f64 = 0.60;

/// RFC 4180 as Python's csv module writes it: quoted fields may hold
/// commas, doubled quotes and newlines.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

struct Pair {
    id: String,
    same: bool,
    note: String,
    a: Candidate,
    b: Candidate,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn candidate(id: i64, get: &dyn Fn(&str) -> String) -> Candidate {
    let geo = match (get("lat").parse::<f64>(), get("lon").parse::<f64>()) {
        (Ok(lat), Ok(lon)) => Some((lat, lon)),
        _ => None,
    };
    Candidate {
        id,
        name: get("name"),
        pivot: Pivot::parse(&get("pivot")).ok().map(|p| p.to_string()),
        commune_insee: non_empty(&get("commune_insee")),
        postal_code: non_empty(&get("postal_code")),
        street: non_empty(&get("address")),
        geo,
        phones: normalize_phone(&get("phone")).into_iter().collect(),
        emails: get("email").split([';', '|']).filter_map(normalize_email).collect(),
        website: normalize_url(&get("website")),
    }
}

fn load_pairs() -> Vec<Pair> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dedup/pairs.csv");
    let text = std::fs::read_to_string(path).expect("pairs.csv is checked in beside this test");
    let mut rows = parse_csv(&text).into_iter();
    let header = rows.next().expect("a header row");
    let col: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect();
    rows.enumerate()
        .map(|(i, row)| {
            assert_eq!(row.len(), header.len(), "row {} of pairs.csv", i + 2);
            let (row, col) = (&row, &col);
            let field = |name: &str| row[col[name]].clone();
            let side = |prefix: &'static str| move |name: &str| row[col[format!("{prefix}{name}").as_str()]].clone();
            let id = i as i64 * 2;
            Pair {
                id: field("pair_id"),
                same: match field("same").as_str() {
                    "1" => true,
                    "0" => false,
                    other => panic!("row {}: same is {other:?}", i + 2),
                },
                note: field("note"),
                a: candidate(id, &side("a_")),
                b: candidate(id + 1, &side("b_")),
            }
        })
        .collect()
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 { 1.0 } else { num as f64 / den as f64 }
}

#[test]
fn automatic_merges_are_precise_and_catch_most_duplicates() {
    let pairs = load_pairs();
    let positives = pairs.iter().filter(|p| p.same).count();
    assert!(pairs.len() >= 300 && positives >= 100, "{} pairs, {positives} same", pairs.len());

    let (mut auto_tp, mut auto_fp, mut review_tp, mut review_fp) = (0, 0, 0, 0);
    let (mut withheld_same, mut withheld_different) = (0, 0);
    let mut wrong_merges = Vec::new();
    // DEDUP_VERBOSE=1 lists the duplicates left to review or missed, to see
    // where recall goes.
    let verbose = std::env::var_os("DEDUP_VERBOSE").is_some();
    for p in &pairs {
        let s = score(&p.a, &p.b);
        if verbose && p.same && s.value < AUTO_MERGE {
            println!("not merged {:.3} {}: {} / {} ({})", s.value, p.id, p.a.name, p.b.name, p.note);
            for r in &s.reasons {
                println!("    {:+.1} {}", r.weight, r.signal);
            }
        }
        if s.reasons.iter().any(|r| r.signal == Signal::AutoMergeWithheld) {
            if p.same {
                withheld_same += 1;
            } else {
                withheld_different += 1;
            }
        }
        if s.value >= AUTO_MERGE {
            if p.same {
                auto_tp += 1;
            } else {
                auto_fp += 1;
                wrong_merges.push((p, s));
            }
        } else if s.value >= REVIEW {
            if p.same {
                review_tp += 1;
            } else {
                review_fp += 1;
            }
        }
    }
    let auto_precision = ratio(auto_tp, auto_tp + auto_fp);
    let auto_recall = ratio(auto_tp, positives);
    let band = review_tp + review_fp;
    println!("{} labelled pairs: {positives} same, {} different", pairs.len(), pairs.len() - positives);
    println!(
        "automatic merges (score >= {AUTO_MERGE}): {} pairs, precision {:.3} ({auto_tp}/{}), recall {:.3} ({auto_tp}/{positives})",
        auto_tp + auto_fp,
        auto_precision,
        auto_tp + auto_fp,
        auto_recall
    );
    println!(
        "review band [{REVIEW}, {AUTO_MERGE}): {band} pairs, {review_tp} same ({:.3}); with it, recall {:.3} ({}/{positives})",
        ratio(review_tp, band),
        ratio(auto_tp + review_tp, positives),
        auto_tp + review_tp
    );
    println!(
        "held back from automatic merge because names or locations disagree: {withheld_different} different, {withheld_same} same"
    );
    for (p, s) in &wrong_merges {
        println!("wrong merge {:.3} {}: {} / {} ({})", s.value, p.id, p.a.name, p.b.name, p.note);
        for r in &s.reasons {
            println!("    {:+.1} {}", r.weight, r.signal);
        }
    }
    assert!(auto_precision >= MIN_AUTO_PRECISION, "automatic-merge precision {auto_precision:.3}");
    assert!(auto_recall >= MIN_AUTO_RECALL, "automatic-merge recall {auto_recall:.3}");
}

/// The store compares only records sharing a blocking key: a duplicate
/// that shares none is never even scored.
#[test]
fn blocking_keeps_the_labelled_duplicates_together() {
    let pairs = load_pairs();
    let positives: Vec<_> = pairs.iter().filter(|p| p.same).collect();
    let apart: Vec<_> = positives
        .iter()
        .filter(|p| {
            let (ka, kb) = (blocking_keys(&p.a), blocking_keys(&p.b));
            !ka.iter().any(|k| kb.contains(k))
        })
        .collect();
    for p in &apart {
        println!("never compared: {}: {} / {} ({})", p.id, p.a.name, p.b.name, p.note);
    }
    let kept = ratio(positives.len() - apart.len(), positives.len());
    println!(
        "blocking keeps {kept:.3} of the duplicates together ({}/{})",
        positives.len() - apart.len(),
        positives.len()
    );
    assert!(kept >= 0.97, "blocking recall {kept:.3}");
}

#[test]
fn scores_are_symmetric_and_bounded() {
    for p in load_pairs() {
        let (ab, ba) = (score(&p.a, &p.b).value, score(&p.b, &p.a).value);
        assert!((ab - ba).abs() < 1e-12, "{}: {ab} vs {ba}", p.id);
        assert!((0.0..=1.0).contains(&ab));
    }
}

#[test]
fn csv_parsing_handles_quotes() {
    let rows = parse_csv("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\n\"multi\nline\",2,3\n");
    assert_eq!(rows[1], vec!["x, y", "say \"hi\"", ""]);
    assert_eq!(rows[2], vec!["multi\nline", "2", "3"]);
}
