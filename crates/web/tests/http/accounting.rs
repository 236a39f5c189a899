//! Accounting: revenue categories on invoice lines, closed months that
//! neither the API nor direct SQL can change, the FEC export balancing to
//! the invoices, and the revenue report.

use std::collections::BTreeMap;

use chrono::{Datelike, Utc};
use domain::accounts::{Role, TokenScope};
use domain::operations::accounting::{Month, paris_date};
use serde_json::{Value, json};
use testkit::{TestDb, TestServer, signed_in_browser};

use crate::helpers::definite;
use crate::on_both_db;
use crate::operations::place_and_manager;

fn paris_month() -> String {
    Month::of(Utc::now()).to_string()
}

fn line(label: &str, q: i64, cents: i64, vat: i64, category: &str) -> Value {
    json!({"label": label, "quantity": q, "unit_cents": cents, "vat_bp": vat, "category": category})
}

async fn issue(http: &reqwest::Client, server: &TestServer, token: &str, place: i64, body: Value) -> (u16, Value) {
    definite(http.post(server.at(&format!("/api/v1/places/{place}/invoices"))).bearer_auth(token).json(&body)).await
}

async fn closed_months_are_final(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let http = reqwest::Client::new();
    let (status, inv) = issue(
        &http,
        &server,
        &manager,
        place,
        json!({"customer": "Coop des Usages", "lines": [
            line("Privatisation de la halle", 1, 150_000, 2000, "privatisation"),
            {"label": "Divers", "quantity": 1, "unit_cents": 1_000, "vat_bp": 2000}
        ]}),
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["lines"][0]["category"], "privatisation");
    assert_eq!(inv["lines"][1]["category"], "other", "a line without category counts as other");
    let (status, e) = issue(
        &http,
        &server,
        &manager,
        place,
        json!({"customer": "X", "lines": [line("Salle", 1, 100, 2000, "vente_de_tapis")]}),
    )
    .await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_body")), "unknown category: {e}");

    let month = paris_month();
    let close = |period: String, token: String| {
        let url = server.at(&format!("/api/v1/places/{place}/periods/{period}/close"));
        definite(http.post(url).bearer_auth(token))
    };
    let person = server.user("client@exemple.fr", &[]).await;
    let person_token = server.token(person.id, &TokenScope::ALL).await;
    assert_eq!(close(month.clone(), person_token.clone()).await.0, 403);
    for bad in ["2026-13", "mars", "2026-3"] {
        let (status, e) = close(bad.into(), manager.clone()).await;
        assert_eq!((status, e["error"]["code"].as_str()), (422, Some("validation_failed")), "{bad}: {e}");
    }
    let (status, e) = close("2999-01".into(), manager.clone()).await;
    assert_eq!(status, 422, "a future month cannot be closed: {e}");
    assert!(e["error"]["details"]["period"].as_str().unwrap().contains("not started"), "{e}");

    let (status, closed) = close(month.clone(), manager.clone()).await;
    assert_eq!((status, closed["period"].as_str()), (201, Some(month.as_str())), "{closed}");
    let (status, e) = close(month.clone(), manager.clone()).await;
    assert_eq!(status, 409, "closed once only: {e}");

    // The application refuses any document dated in the closed month.
    let (status, e) = issue(
        &http,
        &server,
        &manager,
        place,
        json!({"customer": "Y", "lines": [line("Salle", 1, 100, 2000, "rental")]}),
    )
    .await;
    assert_eq!(status, 409, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains(&format!("{month} is closed")), "{e}");
    let id = inv["id"].as_i64().unwrap();
    let (status, e) =
        definite(http.post(server.at(&format!("/api/v1/invoices/{id}/credit-note"))).bearer_auth(&manager)).await;
    assert_eq!(status, 409, "a credit note would be dated in the closed month too: {e}");

    // And so does the database, to whoever writes SQL directly.
    let now = store::now_micros();
    let insert = format!(
        "INSERT INTO invoices (place_id, year, number, kind, customer, lines, net_cents, vat_cents, gross_cents, \
         issued_at, prev_hash, hash) VALUES ({place}, 2099, 1, 'invoice', 'Z', '[]', 1, 0, 1, {now}, '', '')"
    );
    for (sql, what) in [
        (insert, "insert"),
        (format!("UPDATE invoices SET gross_cents = 1 WHERE id = {id}"), "update"),
        (format!("UPDATE invoices SET issued_at = 0 WHERE id = {id}"), "move out"),
        (format!("DELETE FROM invoices WHERE id = {id}"), "delete"),
        ("DELETE FROM accounting_periods".into(), "reopen by deleting"),
        ("UPDATE accounting_periods SET ends_at = starts_at".into(), "reopen by shrinking"),
    ] {
        let e = db.try_execute_raw(&sql).await.expect_err(what);
        assert!(e.contains("accounting period closed"), "{what}: {e}");
    }
    let report = server.app.store.verify_invoice_chains().await.unwrap();
    assert_eq!((report.documents, report.problem), (1, None), "nothing changed");
    let fetched = definite(http.get(server.at(&format!("/api/v1/invoices/{id}"))).bearer_auth(&manager)).await.1;
    assert_eq!(fetched["gross_cents"], inv["gross_cents"]);
    server.shutdown().await;
}
on_both_db!(closed_accounting_periods_refuse_changes_from_the_api_and_from_sql, closed_months_are_final);

/// Parses the FEC: header and rows as column → value.
fn fec_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split('|').collect();
    lines
        .map(|l| {
            let fields: Vec<&str> = l.split('|').collect();
            assert_eq!(fields.len(), 18, "18 columns: {l}");
            header.iter().zip(fields).map(|(h, v)| ((*h).to_owned(), v.to_owned())).collect()
        })
        .collect()
}

fn cents(amount: &str) -> i64 {
    let (units, rest) = amount.split_once(',').unwrap();
    assert_eq!(rest.len(), 2, "{amount}");
    units.parse::<i64>().unwrap() * 100 + rest.parse::<i64>().unwrap()
}

async fn export_and_revenue(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let http = reqwest::Client::new();
    let docs = [
        json!({"customer": "Start-up Ada\n3 quai Louis Prunier, 17000 La Rochelle", "lines": [
            line("Location salle Ada, journée", 2, 24_000, 2000, "rental"),
            line("Accompagnement, séance | individuelle", 3, 9_000, 2000, "accompaniment")
        ]}),
        json!({"customer": "Mairie de Cognac", "lines": [
            line("Privatisation du plateau", 1, 180_000, 2000, "privatisation"),
            line("Repas", 40, 1_250, 1000, "other")
        ]}),
        json!({"customer": "Famille Martin", "lines": [
            line("Programme « Code en 5 demi-journées »", 1, 12_000, 0, "events"),
            line("Adhésion annuelle", 1, 3_000, 0, "memberships")
        ]}),
    ];
    let mut issued = Vec::new();
    for d in docs {
        let (status, inv) = issue(&http, &server, &manager, place, d).await;
        assert_eq!(status, 201, "{inv}");
        issued.push(inv);
    }
    // The mayor's privatisation is cancelled.
    let credited = issued[1]["id"].as_i64().unwrap();
    let (status, credit) =
        definite(http.post(server.at(&format!("/api/v1/invoices/{credited}/credit-note"))).bearer_auth(&manager)).await;
    assert_eq!(status, 201);
    let (status, again) =
        definite(http.post(server.at(&format!("/api/v1/invoices/{credited}/credit-note"))).bearer_auth(&manager)).await;
    assert_eq!(status, 409, "an invoice is cancelled once: {again}");
    issued.push(credit);

    let today = paris_date(Utc::now());
    let range = format!("from={}&to={today}", today.with_day(1).unwrap());
    let r = http
        .get(server.at(&format!("/api/v1/places/{place}/accounting.csv?{range}")))
        .bearer_auth(&manager)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(text.starts_with(
        "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|\
         PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise\r\n"
    ));
    let rows = fec_rows(&text);

    // One balanced entry per document, its 411 line carrying the gross.
    let mut entries: BTreeMap<String, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for row in &rows {
        entries.entry(row["EcritureNum"].clone()).or_default().push(row);
        assert_eq!(row["EcritureDate"], today.format("%Y%m%d").to_string());
        assert!(!row["EcritureLib"].contains('\n'));
    }
    assert_eq!(entries.len(), 4);
    for inv in &issued {
        let entry = &entries[inv["number"].as_str().unwrap()];
        let debit: i64 = entry.iter().map(|r| cents(&r["Debit"])).sum();
        let credit: i64 = entry.iter().map(|r| cents(&r["Credit"])).sum();
        assert_eq!(debit, credit, "entry {} balances", inv["number"]);
        let customer = entry.iter().find(|r| r["CompteNum"] == "411000").unwrap();
        let gross = inv["gross_cents"].as_i64().unwrap();
        assert_eq!(cents(&customer["Debit"]) - cents(&customer["Credit"]), gross);
        let vat: i64 =
            entry.iter().filter(|r| r["CompteNum"] == "445710").map(|r| cents(&r["Credit"]) - cents(&r["Debit"])).sum();
        assert_eq!(vat, inv["vat_cents"].as_i64().unwrap());
    }
    // Sales accounts per category, the credit note reversing the privatisation.
    let mut sales: BTreeMap<&str, i64> = BTreeMap::new();
    for row in rows.iter().filter(|r| r["CompteNum"].starts_with("706")) {
        *sales.entry(row["CompteNum"].as_str()).or_default() += cents(&row["Credit"]) - cents(&row["Debit"]);
    }
    assert_eq!(
        sales,
        BTreeMap::from([
            ("706100", 48_000),
            ("706200", 0),
            ("706300", 12_000),
            ("706400", 3_000),
            ("706500", 27_000),
            ("706800", 0)
        ])
    );
    let total_gross: i64 = issued.iter().map(|i| i["gross_cents"].as_i64().unwrap()).sum();
    let receivable: i64 =
        rows.iter().filter(|r| r["CompteNum"] == "411000").map(|r| cents(&r["Debit"]) - cents(&r["Credit"])).sum();
    assert_eq!(receivable, total_gross);

    // The revenue report says the same per category, and per month.
    let (status, rev) =
        definite(http.get(server.at(&format!("/api/v1/places/{place}/revenue?{range}"))).bearer_auth(&manager)).await;
    assert_eq!(status, 200, "{rev}");
    let by: BTreeMap<String, i64> = rev["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["category"].as_str().unwrap().to_owned(), c["net_cents"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        by,
        BTreeMap::from([
            ("rental".into(), 48_000),
            ("privatisation".into(), 0),
            ("events".into(), 12_000),
            ("memberships".into(), 3_000),
            ("accompaniment".into(), 27_000),
            ("other".into(), 0)
        ])
    );
    assert_eq!((rev["net_cents"].as_i64(), rev["documents"].as_i64()), (Some(90_000), Some(4)));
    assert_eq!(rev["months"].as_array().unwrap().len(), 1);
    assert_eq!(rev["months"][0]["net_cents"].as_i64(), Some(90_000));

    // Bad ranges and callers.
    for q in ["from=2026-02-01&to=2026-01-01", "from=hier", "to=2026-02-30"] {
        for path in ["revenue", "accounting.csv"] {
            let (status, e) =
                definite(http.get(server.at(&format!("/api/v1/places/{place}/{path}?{q}"))).bearer_auth(&manager))
                    .await;
            assert_eq!((status, e["error"]["code"].as_str()), (422, Some("validation_failed")), "{path}?{q}: {e}");
        }
    }
    let person = server.user("client@exemple.fr", &[]).await;
    let person_token = server.token(person.id, &TokenScope::ALL).await;
    for path in ["revenue", "accounting.csv"] {
        let url = server.at(&format!("/api/v1/places/{place}/{path}"));
        assert_eq!(definite(http.get(&url).bearer_auth(&person_token)).await.0, 403, "{path}");
        assert_eq!(http.get(&url).send().await.unwrap().status(), 401, "{path}");
    }
    assert_eq!(definite(http.get(server.at("/api/v1/places/999999/revenue")).bearer_auth(&manager)).await.0, 404);

    // The manager's pages: revenue with its chart and table, the invoices list.
    server.user("gerant-web@exemple.fr", &[(Role::PlaceManager, Some(place))]).await;
    let browser = signed_in_browser(&server, "gerant-web@exemple.fr").await;
    let page = browser.get(server.at(&format!("/lieux/{place}/recettes?{range}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for expected in
        ["<svg", "<title", "<desc", "Accompagnement", "480,00", "900,00", "fec.csv", "name=\"csrf\"", "name=\"period\""]
    {
        assert!(html.contains(expected), "{expected} on the revenue page");
    }
    let page = browser.get(server.at(&format!("/lieux/{place}/factures?{range}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for inv in &issued {
        assert!(html.contains(inv["number"].as_str().unwrap()));
        assert!(html.contains(&format!("/factures/{}", inv["id"])));
    }
    assert!(html.contains("Start-up Ada") && html.contains("Mairie de Cognac"));
    server.user("autre@exemple.fr", &[]).await;
    let stranger = signed_in_browser(&server, "autre@exemple.fr").await;
    assert_eq!(stranger.get(server.at(&format!("/lieux/{place}/recettes"))).send().await.unwrap().status(), 403);
    let page = browser.get(server.at(&format!("/lieux/{place}/recettes?from=hier"))).send().await.unwrap();
    assert_eq!(page.status(), 422, "a bad date is said, not a server error");

    // Closing the month from the page.
    let html = browser.get(server.at(&format!("/lieux/{place}/recettes"))).send().await.unwrap().text().await.unwrap();
    let csrf = testkit::csrf_token(&html);
    let r = browser
        .post(server.at(&format!("/lieux/{place}/periodes")))
        .form(&[("csrf", csrf.as_str()), ("period", "pas-un-mois")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("par exemple 2027-03"), "the message beside the field");
    let r = browser
        .post(server.at(&format!("/lieux/{place}/periodes")))
        .form(&[("csrf", csrf.as_str()), ("period", paris_month().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/lieux/{place}/recettes?notice=period_closed"));
    let html = browser.get(server.at(&location)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Le mois est clôturé."), "{html}");
    assert!(html.contains(&format!("<li>{}", paris_month())), "the closed month is listed");
    let fec = browser.get(server.at(&format!("/lieux/{place}/fec.csv?{range}"))).send().await.unwrap();
    assert_eq!(fec.status(), 200);
    assert_eq!(fec.text().await.unwrap(), text, "the page's download is the API's export");
    assert_eq!(server.app.store.closed_periods(place).await.unwrap().len(), 1);

    // The printable invoice carries the mentions of a French invoice.
    let first = &issued[0];
    let html =
        browser.get(server.at(&format!("/factures/{}", first["id"]))).send().await.unwrap().text().await.unwrap();
    let place_name = server.app.store.atlas_record(place).await.unwrap().name.replace('\'', "&#39;");
    let due = (today + chrono::Duration::days(30)).format("%d/%m/%Y").to_string();
    for mention in [
        place_name.as_str(),
        "SIRET",
        "Start-up Ada",
        "3 quai Louis Prunier, 17000 La Rochelle",
        &format!("Facture n° {}", first["number"].as_str().unwrap()),
        "Date d&#39;émission",
        &today.format("%d/%m/%Y").to_string(),
        &format!("Date d&#39;échéance : {due}"),
        "Accompagnement, séance | individuelle",
        "20 %",
        "Total HT",
        "Total TTC",
        "prestations de services",
        "Pénalités de retard",
        "40 €",
    ] {
        assert!(html.contains(mention), "{mention} printed on the invoice");
    }
    server.shutdown().await;
}
on_both_db!(fec_export_balances_and_revenue_matches_the_invoices, export_and_revenue);
