//! What people rely on when they search.

use chrono::{DateTime, Utc};
use search::{SearchDoc, SearchIndex, SearchQuery, Sort};

fn doc(id: i64, name: &str, commune: &str, geo: (f64, f64)) -> SearchDoc {
    SearchDoc {
        id,
        kind: "place".into(),
        name: name.into(),
        commune: Some(commune.into()),
        geo: Some(geo),
        tz: "Europe/Paris".into(),
        quality: 50,
        ..Default::default()
    }
}

fn index(docs: Vec<SearchDoc>) -> SearchIndex {
    let i = SearchIndex::in_ram().unwrap();
    i.upsert(docs).unwrap();
    i.commit().unwrap();
    i
}

fn ids(i: &SearchIndex, text: &str) -> Vec<i64> {
    let r = i.search(&SearchQuery { text: text.into(), limit: 50, ..Default::default() }).unwrap();
    r.items.iter().map(|h| h.id).collect()
}

fn corpus() -> SearchIndex {
    index(vec![
        doc(1, "Fablab des Deux Rives", "Angoulême", (45.65, 0.16)),
        doc(2, "Fab Lab de la Vallée", "Cognac", (45.69, -0.33)),
        doc(3, "Médiathèque l'Alpha", "Angoulême", (45.649, 0.155)),
        doc(4, "Espace de coworking La Fabrique", "Ruffec", (46.03, 0.19)),
        doc(5, "Lac de Saint-Cassien", "Montauroux", (43.56, 6.78)),
        doc(6, "France Services de Ruffec", "Ruffec", (46.028, 0.198)),
    ])
}

#[test]
fn fablab_however_it_is_written() {
    let i = corpus();
    for q in ["fablab", "fab lab", "fablabs", "Fab-Lab", "FABLAB"] {
        let mut found = ids(&i, q);
        found.sort();
        assert_eq!(found, vec![1, 2], "{q:?}");
    }
}

#[test]
fn accents_typos_and_prefixes() {
    let i = corpus();
    for q in ["médiathèque", "mediatheque", "MÉDIATHÈQUES", "mediatheqe", "média", "mediat"] {
        assert_eq!(ids(&i, q), vec![3], "{q:?}");
    }
    assert_eq!(ids(&i, "coworkng"), vec![4], "one typo in a word of 8 letters");
    let mut fabl = ids(&i, "fabl");
    fabl.sort();
    assert_eq!(fabl, vec![1, 2], "a prefix of the last word while typing");
    let lab = ids(&i, "lab");
    assert!(!lab.contains(&5), "no typo allowed on a short word: lab is not lac");
    assert_eq!(lab, vec![2], "a word inside another is not a match: lab is in Fab Lab, not in Fablab");
}

#[test]
fn every_word_must_match_and_names_rank_first() {
    let i = corpus();
    assert_eq!(ids(&i, "fablab cognac"), vec![2]);
    assert!(ids(&i, "fablab marseille").is_empty());
    // Found by its commune name; the one named after the commune comes first.
    let ruffec = ids(&i, "ruffec");
    assert_eq!(ruffec.len(), 2);
    assert_eq!(ruffec[0], 6);
}

#[test]
fn distance_filters_and_orders() {
    let i = corpus();
    let r = i
        .search(&SearchQuery { near: Some((45.65, 0.16, 20.0)), sort: Sort::Distance, limit: 10, ..Default::default() })
        .unwrap();
    let got: Vec<i64> = r.items.iter().map(|h| h.id).collect();
    assert_eq!(got, vec![1, 3]);
    assert!(r.items[0].distance_m.unwrap() < r.items[1].distance_m.unwrap());
    let boxed =
        i.search(&SearchQuery { bbox: Some((45.0, -1.0, 46.0, 1.0)), limit: 10, ..Default::default() }).unwrap();
    assert_eq!(boxed.total, 3);
}

#[test]
fn facets_count_every_hit_and_filter() {
    let mut docs = Vec::new();
    for n in 0..30 {
        let mut d = doc(n, &format!("Lieu {n}"), "Angoulême", (45.6, 0.1));
        d.facets = vec![
            ("kinds".into(), if n % 3 == 0 { "fablab".into() } else { "coworking".into() }),
            ("departement".into(), "16".into()),
        ];
        docs.push(d);
    }
    let i = index(docs);
    let q = SearchQuery {
        text: "lieu".into(),
        limit: 5,
        facet_counts: vec!["kinds".into(), "departement".into()],
        ..Default::default()
    };
    let r = i.search(&q).unwrap();
    assert_eq!(r.items.len(), 5);
    assert_eq!(r.total, 30);
    assert_eq!(r.facets["kinds"], vec![("coworking".into(), 20), ("fablab".into(), 10)]);
    let filtered = i.search(&SearchQuery { filters: vec![("kinds".into(), vec!["fablab".into()])], ..q }).unwrap();
    assert_eq!(filtered.total, 10);
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn open_at_uses_each_records_zone_and_holidays() {
    // Monday 09:00–12:00 → slots 18..24 (local).
    let mut paris = doc(1, "Paris", "Paris", (48.85, 2.35));
    paris.open_slots = (18..24).collect();
    paris.closed_on_public_holidays = true;
    let mut reunion = doc(2, "Saint-Denis", "Saint-Denis", (-20.88, 55.45));
    reunion.tz = "Indian/Reunion".into();
    reunion.open_slots = (18..24).collect();
    let closed = doc(3, "Sans horaires", "Paris", (48.85, 2.35));
    let i = index(vec![paris, reunion, closed]);
    let open = |t: &str, holiday: bool| {
        let r = i
            .search(&SearchQuery {
                open_at: Some(at(t)),
                public_holiday: holiday,
                limit: 10,
                count_open_now: Some(at(t)),
                ..Default::default()
            })
            .unwrap();
        let mut v: Vec<i64> = r.items.iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    assert_eq!(open("2026-11-23T10:00:00+01:00", false), vec![1], "10:00 in Paris is 13:00 in Réunion");
    assert_eq!(open("2026-11-23T06:00:00+01:00", false), vec![2], "06:00 in Paris is 09:00 in Réunion");
    assert!(open("2026-11-23T10:00:00+01:00", true).is_empty(), "PH off");
    let r = i
        .search(&SearchQuery { count_open_now: Some(at("2026-11-23T10:00:00+01:00")), limit: 10, ..Default::default() })
        .unwrap();
    assert_eq!((r.total, r.open_now), (3, Some(1)));
}

#[test]
fn cursors_page_through_everything_once_while_records_change() {
    let i = index((0..250).map(|n| doc(n, &format!("Tiers-lieu numéro {n}"), "Angoulême", (45.6, 0.1))).collect());
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut extra = 10_000;
    loop {
        let r = i
            .search(&SearchQuery { text: "tiers lieu".into(), limit: 20, cursor: cursor.clone(), ..Default::default() })
            .unwrap();
        seen.extend(r.items.iter().map(|h| h.id).filter(|id| *id < 10_000));
        // Other records come and go between pages.
        i.upsert(vec![doc(extra, &format!("Tiers-lieu ajouté {extra}"), "Cognac", (45.7, -0.3))]).unwrap();
        i.delete(&[extra - 1]).unwrap();
        i.commit().unwrap();
        extra += 1;
        match r.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, (0..250).collect::<Vec<_>>());
    assert!(i.search(&SearchQuery { cursor: Some("n'importe quoi".into()), ..Default::default() }).is_err());
}

#[test]
fn map_clusters_group_hits_on_a_grid() {
    let i = corpus();
    let clusters = i.clusters(&SearchQuery { bbox: Some((45.0, -1.0, 47.0, 1.0)), ..Default::default() }, 0.5).unwrap();
    let total: u64 = clusters.iter().map(|c| c.count).sum();
    assert_eq!(total, 5);
    assert!(clusters.iter().any(|c| c.count == 1 && c.single.as_ref().is_some_and(|h| h.id == 2)));
}

#[test]
fn replacing_and_deleting_documents() {
    let i = corpus();
    i.upsert(vec![doc(3, "Bibliothèque l'Alpha", "Angoulême", (45.649, 0.155))]).unwrap();
    i.delete(&[1]).unwrap();
    i.commit().unwrap();
    assert!(ids(&i, "mediatheque").is_empty());
    assert_eq!(ids(&i, "bibliotheque"), vec![3]);
    assert_eq!(ids(&i, "fablab"), vec![2]);
    assert_eq!(i.len(), 5);
}

#[test]
fn open_at_late_in_the_week() {
    // Sunday 23:30–24:00 is the week's last slot (335); Friday 18:00 is 228.
    let mut late = doc(1, "Nocturne", "Paris", (48.85, 2.35));
    late.open_slots = vec![228, 335];
    let i = index(vec![late, doc(2, "Sans horaires", "Paris", (48.85, 2.35))]);
    let open = |t: &str| {
        let r = i.search(&SearchQuery { count_open_now: Some(at(t)), limit: 10, ..Default::default() }).unwrap();
        r.open_now
    };
    assert_eq!(open("2026-11-29T23:45:00+01:00"), Some(1));
    assert_eq!(open("2026-11-27T18:10:00+01:00"), Some(1));
    assert_eq!(open("2026-11-29T23:15:00+01:00"), Some(0));
    assert_eq!(open("2026-11-30T00:05:00+01:00"), Some(0), "Monday 00:00 is slot 0");
}

/// A cheap deterministic sequence in [0, 1).
fn unit(n: u64) -> f64 {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn radius_and_box_find_exactly_what_distances_say() {
    // Around mainland France, Wallis (next to the antimeridian) and the
    // far north, with points close to every radius tried.
    let centres = [(45.65, 0.16), (-13.28, -176.17), (69.65, 18.96), (46.0, 179.95)];
    let mut docs = Vec::new();
    for (c, (lat, lon)) in centres.iter().enumerate() {
        for k in 0..400u64 {
            let n = c as u64 * 1000 + k;
            let spread = [0.02, 0.2, 1.5][(k % 3) as usize];
            let p = (
                lat + (unit(2 * n) - 0.5) * spread,
                (lon + (unit(2 * n + 1) - 0.5) * spread * 2.0).clamp(-180.0, 180.0),
            );
            docs.push(doc(n as i64, &format!("Lieu {n}"), "Quelque part", p));
        }
    }
    let positions: Vec<(i64, (f64, f64))> = docs.iter().map(|d| (d.id, d.geo.unwrap())).collect();
    let i = index(docs);
    let count = |q: SearchQuery| i.search(&SearchQuery { limit: 1, ..q }).unwrap().total;
    for (lat, lon) in centres {
        for radius in [0.5, 2.0, 5.0, 10.0, 30.0, 100.0, 1000.0] {
            let expected =
                positions.iter().filter(|(_, p)| search::haversine_m((lat, lon), *p) <= radius * 1000.0).count();
            assert_eq!(
                count(SearchQuery { near: Some((lat, lon, radius)), ..Default::default() }),
                expected as u64,
                "{lat},{lon} {radius} km"
            );
        }
        for half in [0.01, 0.1, 0.7, 3.0] {
            let b = (lat - half, lon - half, lat + half, lon + half);
            let expected =
                positions.iter().filter(|(_, (la, lo))| *la >= b.0 && *la <= b.2 && *lo >= b.1 && *lo <= b.3).count();
            assert_eq!(count(SearchQuery { bbox: Some(b), ..Default::default() }), expected as u64, "{b:?}");
            let both = positions
                .iter()
                .filter(|(_, p)| {
                    let (la, lo) = *p;
                    la >= b.0 && la <= b.2 && lo >= b.1 && lo <= b.3 && search::haversine_m((lat, lon), *p) <= 20_000.0
                })
                .count();
            let q = SearchQuery { bbox: Some(b), near: Some((lat, lon, 20.0)), ..Default::default() };
            assert_eq!(count(q), both as u64, "{b:?} and 20 km");
        }
    }
    // Disjoint radius and box: nothing, not an error.
    let q = SearchQuery { near: Some((45.65, 0.16, 5.0)), bbox: Some((40.0, 0.0, 41.0, 1.0)), ..Default::default() };
    assert_eq!(count(q), 0);
}
