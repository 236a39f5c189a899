//! Freshness: stale records ask their managers, by a single-use mailed
//! link, to confirm them; confirmed records are marked verified.

use std::time::Duration;

use domain::accounts::Role;
use serde_json::Value;
use testkit::{TestDb, TestServer, browser, csrf_token};

use crate::atlas::search_until;
use crate::helpers::{last_mail_to, link_in};
use crate::on_both_db;

async fn stale_records_are_confirmed_by_their_managers(db: &TestDb) {
    let server = TestServer::start(db).await;
    testkit::atlas::import_shared(
        &server.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    let found = search_until(&server, "q=ma%20campagne&type=place", Duration::from_secs(5), |b| b["total"] != 0).await;
    let id = found["items"][0]["id"].as_i64().unwrap();
    server.user("gerante@exemple.fr", &[(Role::PlaceManager, Some(id))]).await;

    // Nobody is asked about fresh records.
    assert_eq!(app::atlas::records::ask_managers_to_confirm(&server.app).await.unwrap(), 0);
    // Two years later, as far as the records know.
    let two_years = 2 * 365 * 86_400_000_000_i64;
    db.execute_raw(&format!("UPDATE atlas_records SET updated_at = updated_at - {two_years}, verified_at = NULL"))
        .await;
    db.execute_raw(&format!("UPDATE atlas_sources SET fetched_at = fetched_at - {two_years}")).await;
    let http = reqwest::Client::new();
    let record = |http: reqwest::Client| {
        let url = server.at(&format!("/api/v1/places/{id}"));
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };

    assert_eq!(record(http.clone()).await["stale"], true, "two years without news");

    // Only managed records are asked about, once a month at most.
    assert_eq!(app::atlas::records::ask_managers_to_confirm(&server.app).await.unwrap(), 1);
    assert_eq!(app::atlas::records::ask_managers_to_confirm(&server.app).await.unwrap(), 0, "not twice in a month");
    let mail = last_mail_to(&server, "gerante@exemple.fr").await;
    assert!(mail.subject.contains("Ma Campagne"), "{}", mail.subject);
    let link = link_in(&mail.body, &server.at(&format!("/atlas/{id}/verifier?token=")));

    // The manager opens the link (no sign-in needed) and confirms.
    let visitor = browser();
    let page = visitor.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Place Vitoria"), "the page shows what to check");
    let token = link.split("token=").nth(1).unwrap();
    let confirm = visitor
        .post(server.at(&format!("/atlas/{id}/verifier")))
        .form(&[("csrf", csrf_token(&html).as_str()), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 303);
    let after = record(http.clone()).await;
    assert!(after["verified_at"].is_string() && after["stale"] == false, "{after}");

    // The link works once.
    let again = visitor.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 400);
    server.shutdown().await;
}
on_both_db!(stale_records_are_confirmed_by_their_managers_by_mail, stale_records_are_confirmed_by_their_managers);
