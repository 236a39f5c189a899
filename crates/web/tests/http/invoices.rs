//! Invoices: numbers without gaps under concurrency, credit notes, the
//! printable invoice, and tampering caught by the chain.

use std::collections::BTreeSet;

use domain::accounts::{Role, TokenScope};
use serde_json::{Value, json};
use testkit::{TestDb, TestServer, signed_in_browser};

use crate::helpers::definite;
use crate::on_both_db;
use crate::operations::place_and_manager;

fn rental(customer: &str) -> Value {
    json!({"customer": customer, "lines": [
        {"label": "Location salle Ada, demi-journée", "quantity": 2, "unit_cents": 12_000, "vat_bp": 2000},
        {"label": "Café d'accueil", "quantity": 15, "unit_cents": 250, "vat_bp": 1000}
    ]})
}

async fn gap_free_chained_invoices(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let url = server.at(&format!("/api/v1/places/{place}/invoices"));

    let mut tasks = Vec::new();
    for i in 0..100 {
        let request = http
            .post(&url)
            .bearer_auth(&manager)
            .json(&rental(&format!("Client {i}\n1 rue du Port, 17000 La Rochelle")));
        tasks.push(tokio::spawn(definite(request)));
    }
    let mut numbers = BTreeSet::new();
    let mut first = Value::Null;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "{body}");
        // 2 × 120,00 + 20 % and 15 × 2,50 + 10 %
        assert_eq!(
            (body["net_cents"].as_i64(), body["vat_cents"].as_i64(), body["gross_cents"].as_i64()),
            (Some(27_750), Some(5_175), Some(32_925))
        );
        let n = body["number"].as_str().unwrap().to_owned();
        if n.ends_with("-000001") {
            first = body.clone();
        }
        assert!(numbers.insert(n), "a number given twice");
    }
    let year = first["number"].as_str().unwrap()[..4].to_owned();
    let expected: BTreeSet<String> = (1..=100).map(|n| format!("{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "1 to 100, none skipped, none twice");

    // A credit note cancels an invoice and takes the next number.
    let id = first["id"].as_i64().unwrap();
    let (status, credit) =
        definite(http.post(server.at(&format!("/api/v1/invoices/{id}/credit-note"))).bearer_auth(&manager)).await;
    assert_eq!(status, 201);
    assert_eq!(
        (credit["kind"].as_str(), credit["number"].as_str(), credit["gross_cents"].as_i64()),
        (Some("credit_note"), Some(format!("{year}-000101").as_str()), Some(-32_925))
    );
    let cid = credit["id"].as_i64().unwrap();
    assert_eq!(
        definite(http.post(server.at(&format!("/api/v1/invoices/{cid}/credit-note"))).bearer_auth(&manager)).await.0,
        409
    );

    // Bad input: a clear 422, nothing numbered.
    for (body, what) in [
        (
            json!({"customer": "X", "lines": [{"label": "Salle", "quantity": 1, "unit_cents": -100, "vat_bp": 2000}]}),
            "negative price",
        ),
        (json!({"customer": "X", "lines": []}), "no line"),
        (
            json!({"customer": "X", "lines": [{"label": "Salle", "quantity": 1, "unit_cents": 100, "vat_bp": 1900}]}),
            "unknown VAT rate",
        ),
        (
            json!({"customer": " ", "lines": [{"label": "Salle", "quantity": 1, "unit_cents": 100, "vat_bp": 2000}]}),
            "no customer",
        ),
    ] {
        let (status, e) = definite(http.post(&url).bearer_auth(&manager).json(&body)).await;
        assert_eq!(status, 422, "{what}: {e}");
    }
    let person = server.user("client@exemple.fr", &[]).await;
    let person_token = server.token(person.id, &TokenScope::ALL).await;
    assert_eq!(definite(http.post(&url).bearer_auth(&person_token).json(&rental("Moi"))).await.0, 403);
    assert_eq!(
        definite(http.get(server.at(&format!("/api/v1/invoices/{id}"))).bearer_auth(&person_token)).await.0,
        403
    );
    let report = server.app.store.verify_invoice_chains().await.unwrap();
    assert_eq!((report.documents, report.problem), (101, None));

    // The printable invoice carries the legal mentions.
    server.user("gerant-web@exemple.fr", &[(Role::PlaceManager, Some(place))]).await;
    let browser = signed_in_browser(&server, "gerant-web@exemple.fr").await;
    let page = browser.get(server.at(&format!("/factures/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for mention in [
        format!("Facture n° {year}-000001"),
        "Total TTC".into(),
        "329,25".into(),
        "20 %".into(),
        "Pénalités de retard".into(),
        "40 €".into(),
    ] {
        assert!(html.contains(&mention), "{mention} printed");
    }

    // Changing a stored invoice, or removing one, is caught.
    db.execute_raw(&format!("UPDATE invoices SET gross_cents = 1 WHERE id = {id}")).await;
    let problem = server.app.store.verify_invoice_chains().await.unwrap().problem.unwrap();
    assert!(problem.contains(&format!("{year}-000001 was altered")), "{problem}");
    db.execute_raw(&format!("UPDATE invoices SET gross_cents = 32925 WHERE id = {id}")).await;
    assert_eq!(server.app.store.verify_invoice_chains().await.unwrap().problem, None);
    db.execute_raw("DELETE FROM invoices WHERE number = 50").await;
    let problem = server.app.store.verify_invoice_chains().await.unwrap().problem.unwrap();
    assert!(problem.contains("number 51 where 50 was expected"), "{problem}");
    server.shutdown().await;
}
on_both_db!(invoices_are_numbered_without_gaps_and_chained, gap_free_chained_invoices);
