//! The atlas over HTTP, on the real Charente files (France Services and the
//! lieux de médiation numérique): search as a developer and a visitor use
//! it, record pages, hand edits and who may make them.

use std::time::{Duration, Instant};

use domain::accounts::{Role, TokenScope};
use domain::atlas::RecordKind;
use serde_json::{Value, json};
use testkit::{TestServer, browser};

use crate::on_both;

/// Polls the search API until `check` holds, for at most `within`.
pub async fn search_until(server: &TestServer, query: &str, within: Duration, check: impl Fn(&Value) -> bool) -> Value {
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        let r = http.get(server.at(&format!("/api/v1/search?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{query}");
        let body: Value = r.json().await.unwrap();
        if check(&body) {
            return body;
        }
        assert!(start.elapsed() < within, "{query}: not searchable within {within:?}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn names(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

fn facet_count(body: &Value, facet: &str, value: &str) -> u64 {
    body["facets"][facet]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["value"] == value))
        .and_then(|v| v["count"].as_u64())
        .unwrap_or(0)
}

const MA_CAMPAGNE: &str = "France services d'Angoulême - Ma Campagne";

async fn search_and_read(server: &TestServer) {
    testkit::atlas::charente(&server.app).await;
    let places = server.app.store.count_atlas_records(Some(RecordKind::Place), true).await.unwrap() as u64;
    assert!(places > 150, "{places} places in Charente");
    let all = search_until(server, "type=place&limit=1", Duration::from_secs(10), |b| b["total"] == places).await;

    // French words with accents folded, a prefix while typing, a typo.
    let http = reqwest::Client::new();
    let get = |q: String| {
        let http = http.clone();
        let url = server.at(&format!("/api/v1/search?{q}"));
        async move {
            let r = http.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    for q in ["angouleme%20campagne", "Angoul%C3%AAme%20ma%20camp", "angoulemme%20campagne"] {
        let body = get(format!("q={q}&type=place")).await;
        assert_eq!(names(&body).first().map(String::as_str), Some(MA_CAMPAGNE), "q={q}: {body}");
    }

    // Facets count over all matches; a filter keeps exactly those.
    let fs = facet_count(&all, "kind", "france-services");
    assert!(fs >= 30, "Charente has about 35 France Services: {fs}");
    let filtered = get("type=place&kind=france-services&limit=200".into()).await;
    assert_eq!(filtered["total"].as_u64().unwrap(), fs);
    assert_eq!(filtered["items"].as_array().unwrap().len() as u64, fs);
    assert_eq!(facet_count(&all, "departement", "16"), places);

    // Around Angoulême, nearest first, within the radius.
    let (lat, lon) = domain::territory::Territory::embedded().commune("16015").unwrap().centroid.unwrap();
    let near = get(format!("near={lat},{lon}&radius_km=5&sort=distance&limit=50")).await;
    let d: Vec<f64> = near["items"].as_array().unwrap().iter().map(|i| i["distance_m"].as_f64().unwrap()).collect();
    assert!(d.len() > 5 && d.windows(2).all(|w| w[0] <= w[1]) && d.iter().all(|m| *m <= 5_000.0), "{d:?}");
    let by_commune = get("commune=16015&radius_km=5&limit=1".into()).await;
    assert_eq!(by_commune["total"], near["total"], "a commune means around its centre");

    // Cursor pages cover every match once.
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let page = get(format!("type=place&kind=mediation-numerique&limit=17{cursor}")).await;
        for item in page["items"].as_array().unwrap() {
            assert!(seen.insert(item["id"].as_i64().unwrap()), "{item} twice");
        }
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, facet_count(&all, "kind", "mediation-numerique"));

    // GeoJSON for maps and GIS tools.
    let geo = get("kind=france-services&format=geojson&limit=200".into()).await;
    assert_eq!(geo["type"], "FeatureCollection");
    let feature = &geo["features"][0];
    assert_eq!(feature["geometry"]["type"], "Point");
    let [lon, lat] = [
        feature["geometry"]["coordinates"][0].as_f64().unwrap(),
        feature["geometry"]["coordinates"][1].as_f64().unwrap(),
    ];
    assert!((-1.0..1.5).contains(&lon) && (45.0..46.5).contains(&lat), "Charente: {lon},{lat}");

    // A record, in the API and as a page, with its sources.
    let id = get("q=ma%20campagne&type=place&limit=1".into()).await["items"][0]["id"].as_i64().unwrap();
    let doc: Value = http.get(server.at(&format!("/api/v1/places/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["name"], MA_CAMPAGNE);
    assert_eq!(doc["fields"]["commune_insee"], "16015");
    assert!(doc["fields"]["opening_hours"].as_str().unwrap().contains("Tu-Fr"));
    assert_eq!(doc["provenance"]["name"][0]["source"], "france-services");
    let wrong_type = http.get(server.at(&format!("/api/v1/organisations/{id}"))).send().await.unwrap();
    assert_eq!(wrong_type.status(), 404, "a place is not an organisation");
    let page = browser().get(server.at(&format!("/atlas/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Ma Campagne") && html.contains("Place Vitoria"), "the page shows the record");
    let search_page = browser().get(server.at("/recherche?q=ma+campagne")).send().await.unwrap().text().await.unwrap();
    assert!(search_page.contains(&format!("href=\"/atlas/{id}\"")), "the search page links the record");
    assert_eq!(browser().get(server.at("/atlas/999999")).send().await.unwrap().status(), 404);

    // Open data: the same places, downloadable in the national formats.
    let geojson = http.get(server.at("/api/v1/exports/geojson")).send().await.unwrap();
    assert_eq!(geojson.status(), 200);
    assert!(geojson.headers()["content-disposition"].to_str().unwrap().contains("maillage-geojson"));
    let geojson: Value = geojson.json().await.unwrap();
    let exported = geojson["features"].as_array().unwrap();
    assert!(exported.iter().any(|f| f["properties"]["name"] == MA_CAMPAGNE));
    let located = server.app.store.count_atlas_records(Some(RecordKind::Place), true).await.unwrap();
    assert!(exported.len() as i64 >= located, "every live place with its position: {} of {located}", exported.len());
    let csv = http.get(server.at("/api/v1/exports/mednum-csv")).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("\"id\",\"pivot\",\"nom\"") || csv.starts_with("id,pivot,nom"), "{}", &csv[..80]);
    assert!(csv.contains("Ma Campagne"));
}
on_both!(search_filters_pages_and_reads_records, search_and_read);

async fn edits(server: &TestServer) {
    testkit::atlas::import_shared(
        &server.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    let body = search_until(server, "q=ma%20campagne&type=place&limit=1", Duration::from_secs(10), |b| {
        b["total"].as_u64().unwrap() > 0
    })
    .await;
    let id = body["items"][0]["id"].as_i64().unwrap();

    let manager = server.user("gerante@exemple.fr", &[(Role::PlaceManager, Some(id))]).await;
    let other_manager = server.user("autre@exemple.fr", &[(Role::PlaceManager, Some(id + 1))]).await;
    let editor = server.user("territoire@exemple.fr", &[(Role::TerritoryEditor, None)]).await;
    let person = server.user("habitant@exemple.fr", &[]).await;
    let http = reqwest::Client::new();
    let patch = |token: Option<String>, body: Value| {
        let mut r = http.patch(server.at(&format!("/api/v1/atlas/{id}"))).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let summary = json!({"fields": {"summary": "Accueil pour les démarches en ligne, avec ou sans rendez-vous."}});
    assert_eq!(patch(None, summary.clone()).await.unwrap().status(), 401);
    for who in [person.id, other_manager.id] {
        let token = server.token(who, &TokenScope::ALL).await;
        assert_eq!(patch(Some(token), summary.clone()).await.unwrap().status(), 403);
    }
    let read_only = server.token(manager.id, &[TokenScope::AccountRead]).await;
    let r = patch(Some(read_only), summary.clone()).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["details"]["required_scope"], "atlas:write");

    // The manager edits with an atlas:write token; bad values are refused field by field.
    let token = server.token(manager.id, &[TokenScope::AtlasWrite]).await;
    let bad =
        patch(Some(token.clone()), json!({"fields": {"opening_hours": "lundi matin", "nope": "x"}})).await.unwrap();
    assert_eq!(bad.status(), 422);
    let err: Value = bad.json().await.unwrap();
    assert_eq!(err["error"]["code"], "validation_failed");
    assert!(err["error"]["details"]["opening_hours"].is_string(), "{err}");
    let ok = patch(
        Some(token.clone()),
        json!({"fields": {"summary": summary["fields"]["summary"], "opening_hours": "Mo-Fr 09:00-17:00"}}),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    let doc: Value = ok.json().await.unwrap();
    assert_eq!(doc["fields"]["opening_hours"], "Mo-Fr 09:00-17:00");
    assert_eq!(doc["provenance"]["opening_hours"][0]["source"], "manual");

    // The index follows the edit.
    search_until(server, "q=d%C3%A9marches%20rendez-vous&type=place", Duration::from_secs(2), |b| {
        names(b).first().map(String::as_str) == Some(MA_CAMPAGNE)
    })
    .await;

    // A re-import of the unchanged source keeps the hand edit.
    testkit::atlas::import_shared(
        &server.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    let doc: Value = http.get(server.at(&format!("/api/v1/places/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["fields"]["opening_hours"], "Mo-Fr 09:00-17:00", "the hand edit wins over the unchanged source");

    // The territory team confirms the record; it is marked verified.
    let editor_token = server.token(editor.id, &[TokenScope::AtlasWrite]).await;
    let r =
        http.post(server.at(&format!("/api/v1/atlas/{id}/verify"))).bearer_auth(&editor_token).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let doc: Value = http.get(server.at(&format!("/api/v1/places/{id}"))).send().await.unwrap().json().await.unwrap();
    assert!(doc["verified_at"].is_string(), "{doc}");

    // Key figures per year, by the place's manager; bad ones refused.
    let put = |body: Value, year: i64, token: String| {
        http.put(server.at(&format!("/api/v1/atlas/{id}/figures/{year}"))).bearer_auth(token).json(&body).send()
    };
    let r = put(json!({"figures": {"visitors": 1200, "events": 35}}), 2025, token.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    let figures = doc["key_figures"].as_array().unwrap();
    assert!(figures.iter().any(|f| f["year"] == 2025 && f["metric"] == "visitors" && f["value"] == 1200), "{doc}");
    for (body, year) in [
        (json!({"figures": {"visitors": -4}}), 2025),
        (json!({"figures": {"likes": 4}}), 2025),
        (json!({"figures": {}}), 1700),
    ] {
        let r = put(body.clone(), year, token.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "{body} for {year}");
    }
    let person_token = server.token(person.id, &TokenScope::ALL).await;
    assert_eq!(put(json!({"figures": {"visitors": 1}}), 2025, person_token).await.unwrap().status(), 403);
}
on_both!(hand_edits_are_authorised_validated_and_searchable, edits);
