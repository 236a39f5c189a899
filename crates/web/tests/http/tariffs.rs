//! Tariffs, quotes, plans and credits over HTTP: the cheapest unit mix, the
//! member price, credits spent on a booking exactly as quoted, bad input,
//! and a credit balance that 20 concurrent bookings never overspend.

use chrono::{DateTime, Duration as Span, Utc};
use domain::accounts::TokenScope;
use serde_json::{Value, json};
use testkit::TestServer;

use crate::helpers::{any_hour, definite};
use crate::on_both;
use crate::operations::place_and_manager;

fn at(hour: i64) -> DateTime<Utc> {
    let day = (Utc::now() + Span::days(3)).date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    day + Span::hours(hour)
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn venue(server: &TestServer, token: &str, place: i64, name: &str) -> i64 {
    let (status, body) = send(
        reqwest::Client::new()
            .post(server.at(&format!("/api/v1/places/{place}/resources")))
            .bearer_auth(token)
            .json(&any_hour(json!({"kind": "venue", "name": name}))),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

fn grid() -> Value {
    json!({"tariffs": [
        {"audience": "public", "unit": "hour", "unit_cents": 1000, "vat_bp": 2000},
        {"audience": "public", "unit": "half_day", "unit_cents": 3500, "vat_bp": 2000},
        {"audience": "public", "unit": "day", "unit_cents": 6000, "vat_bp": 2000},
        {"audience": "member", "unit": "hour", "unit_cents": 600, "vat_bp": 2000},
        {"audience": "under_26", "unit": "hour", "unit_cents": 500, "vat_bp": 2000},
    ]})
}

async fn put_grid(server: &TestServer, token: &str, resource: i64, body: &Value) -> (u16, Value) {
    send(
        reqwest::Client::new()
            .put(server.at(&format!("/api/v1/resources/{resource}/tariffs")))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

async fn quote(server: &TestServer, token: &str, resource: i64, body: Value) -> (u16, Value) {
    send(
        reqwest::Client::new()
            .post(server.at(&format!("/api/v1/resources/{resource}/quote")))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn person(server: &TestServer, email: &str) -> String {
    let u = server.user(email, &[]).await;
    server.token(u.id, &[TokenScope::Bookings]).await
}

async fn grids_and_quotes(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    let room = venue(server, &manager, place, "Grande salle").await;
    let (status, body) = put_grid(server, &manager, room, &grid()).await;
    assert_eq!(status, 200, "{body}");
    let read: Value =
        reqwest::get(server.at(&format!("/api/v1/resources/{room}/tariffs"))).await.unwrap().json().await.unwrap();
    assert_eq!(read["tariffs"].as_array().unwrap().len(), 5, "the grid reads back: {read}");
    assert_eq!(read["tariffs"][2], json!({"audience": "public", "unit": "day", "unit_cents": 6000, "vat_bp": 2000}));

    let client = person(server, "cliente@exemple.fr").await;
    // 9 h: a day and an hour (70 €) beat 9 hours (90 €) and 2 half-days + 1 h (80 €).
    let (status, q) = quote(server, &client, room, json!({"starts_at": at(8), "ends_at": at(17)})).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["audience"], "public");
    let units: Vec<(&str, i64)> = q["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["unit"].as_str().unwrap(), l["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(units, vec![("day", 1), ("hour", 1)]);
    assert_eq!(
        (q["net_cents"].as_i64(), q["vat_cents"].as_i64(), q["gross_cents"].as_i64()),
        (Some(7000), Some(1400), Some(8400))
    );
    assert_eq!(q["due_cents"], 8400, "no credits: everything is due");
    assert_eq!(q["credits_used"], json!({"minutes": 0, "cents": 0}));

    // 90 minutes bill as 2 hours.
    let (_, q) = quote(server, &client, room, json!({"starts_at": at(9), "ends_at": at(9) + Span::minutes(90)})).await;
    assert_eq!(q["net_cents"], 2000, "{q}");

    // A declared birth date under 26 gets the under-26 hour, when cheaper.
    let young = json!({"starts_at": at(9), "ends_at": at(11), "birth_date": "2010-01-01"});
    let (_, q) = quote(server, &client, room, young).await;
    assert_eq!((q["audience"].as_str(), q["net_cents"].as_i64()), (Some("under_26"), Some(1000)), "{q}");

    // Bad input: a clear 422 naming the field.
    let cases = [
        (json!({"starts_at": at(10), "ends_at": at(9)}), "ends_at"),
        (json!({"starts_at": at(10), "ends_at": at(10)}), "ends_at"),
        (
            json!({"starts_at": Utc::now() - Span::days(2), "ends_at": Utc::now() - Span::days(2) + Span::hours(1)}),
            "starts_at",
        ),
        (json!({"starts_at": at(9), "ends_at": at(10), "audience": "vip"}), "audience"),
        (json!({"starts_at": at(9), "ends_at": at(10), "audience": "member"}), "audience"),
        (
            json!({"starts_at": at(9), "ends_at": at(10), "audience": "company", "organisation_kind": "company"}),
            "audience",
        ),
        (json!({"starts_at": at(9), "ends_at": at(10), "organisation_kind": "club"}), "organisation_kind"),
    ];
    for (body, field) in cases {
        let (status, answer) = quote(server, &client, room, body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert!(answer["error"]["details"][field].is_string(), "{body} names {field}: {answer}");
    }
    let (status, _) = quote(server, &client, 999_999, json!({"starts_at": at(9), "ends_at": at(10)})).await;
    assert_eq!(status, 404);

    let bad_grids = [
        json!({"tariffs": [{"audience": "public", "unit": "hour", "unit_cents": -100, "vat_bp": 2000}]}),
        json!({"tariffs": [{"audience": "vip", "unit": "hour", "unit_cents": 100, "vat_bp": 2000}]}),
        json!({"tariffs": [{"audience": "public", "unit": "week", "unit_cents": 100, "vat_bp": 2000}]}),
        json!({"tariffs": [{"audience": "public", "unit": "hour", "unit_cents": 100, "vat_bp": 1900}]}),
        json!({"tariffs": [
            {"audience": "public", "unit": "hour", "unit_cents": 100, "vat_bp": 2000},
            {"audience": "public", "unit": "hour", "unit_cents": 200, "vat_bp": 2000}]}),
    ];
    for body in bad_grids {
        let (status, answer) = put_grid(server, &manager, room, &body).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert!(answer["error"]["details"]["tariffs"].is_string(), "{answer}");
    }
    let (status, answer) = put_grid(server, &manager, room, &json!({"tariffs": [{"audience": "public"}]})).await;
    assert_eq!(status, 422, "a missing field: {answer}");
    let read: Value =
        reqwest::get(server.at(&format!("/api/v1/resources/{room}/tariffs"))).await.unwrap().json().await.unwrap();
    assert_eq!(read["tariffs"].as_array().unwrap().len(), 5, "a refused grid changes nothing");

    // Only the place's managers set prices.
    let (status, _) = put_grid(server, &client, room, &grid()).await;
    assert_eq!(status, 403);
    let (status, _) =
        send(reqwest::Client::new().put(server.at(&format!("/api/v1/resources/{room}/tariffs"))).json(&grid())).await;
    assert_eq!(status, 401);

    // A resource without prices is free.
    let free = venue(server, &manager, place, "Jardin").await;
    let (status, q) = quote(server, &client, free, json!({"starts_at": at(9), "ends_at": at(12)})).await;
    assert_eq!((status, q["due_cents"].as_i64(), q["audience"].is_null()), (200, Some(0), true), "{q}");
}
on_both!(grids_quotes_and_bad_input, grids_and_quotes);

async fn plan(server: &TestServer, token: &str, place: i64, body: Value) -> i64 {
    let (status, answer) = send(
        reqwest::Client::new().post(server.at(&format!("/api/v1/places/{place}/plans"))).bearer_auth(token).json(&body),
    )
    .await;
    assert_eq!(status, 201, "{body} → {answer}");
    answer["id"].as_i64().unwrap()
}

async fn subscribe(server: &TestServer, token: &str, plan: i64) -> (u16, Value) {
    send(reqwest::Client::new().post(server.at(&format!("/api/v1/plans/{plan}/subscribe"))).bearer_auth(token)).await
}

async fn book(
    server: &TestServer,
    token: &str,
    resource: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    credits: bool,
) -> Value {
    let (status, body) = definite(
        reqwest::Client::new()
            .post(server.at("/api/v1/bookings"))
            .bearer_auth(token)
            .json(&json!({"resource_id": resource, "starts_at": from, "ends_at": to, "use_credits": credits})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn charge_of(server: &TestServer, token: &str, booking: &Value) -> Value {
    let (status, body) = send(
        reqwest::Client::new().get(server.at(&format!("/api/v1/bookings/{}/charge", booking["id"]))).bearer_auth(token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The fields a quote and a charge share.
fn money(v: &Value) -> Value {
    json!({
        "audience": v["audience"], "net_cents": v["net_cents"], "vat_cents": v["vat_cents"],
        "gross_cents": v["gross_cents"], "credits_used": v["credits_used"], "due_cents": v["due_cents"],
        "counts": v["lines"].as_array().unwrap().iter()
            .map(|l| json!([l["count"].as_i64().or(l["quantity"].as_i64()), l["unit_cents"], l["vat_bp"]]))
            .collect::<Vec<_>>(),
    })
}

async fn memberships_and_credits(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    let room = venue(server, &manager, place, "Salle de réunion").await;
    assert_eq!(put_grid(server, &manager, room, &grid()).await.0, 200);
    let membership = plan(
        server,
        &manager,
        place,
        json!({"kind": "membership", "name": "Adhésion coworking", "fee_cents": 3000, "credit_unit": "minutes", "credit_amount": 180}),
    )
    .await;
    let pack = plan(
        server,
        &manager,
        place,
        json!({"kind": "pack", "name": "Carnet 50 €", "fee_cents": 5000, "vat_bp": 0, "credit_unit": "cents", "credit_amount": 5000}),
    )
    .await;
    let listed: Value =
        reqwest::get(server.at(&format!("/api/v1/places/{place}/plans"))).await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    let client = person(server, "membre@exemple.fr").await;
    let (status, balance) = subscribe(server, &client, membership).await;
    assert_eq!((status, balance["minutes"].as_i64()), (200, Some(180)), "this month's credit at once: {balance}");
    let (status, again) = subscribe(server, &client, membership).await;
    assert_eq!(status, 409, "{again}");

    // A member: 4 h at the member hour (24 €), 3 h covered by credit, 1 h due (6 € + VAT).
    let slot = json!({"starts_at": at(8), "ends_at": at(12)});
    let (status, q) = quote(server, &client, room, slot.clone()).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["audience"], "member");
    assert_eq!(q["gross_cents"], 2880);
    assert_eq!(q["credits_used"], json!({"minutes": 180, "cents": 0}));
    assert_eq!(q["due_cents"], 720);
    let booking = book(server, &client, room, at(8), at(12), true).await;
    let charged = charge_of(server, &client, &booking).await;
    assert_eq!(money(&charged), money(&q), "what is charged is what was quoted");

    let credits: Value =
        send(reqwest::Client::new().get(server.at(&format!("/api/v1/places/{place}/credits"))).bearer_auth(&client))
            .await
            .1;
    assert_eq!(credits["balance"], json!({"minutes": 0, "cents": 0}), "{credits}");
    let deltas: Vec<(String, i64)> = credits["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["reason"].as_str().unwrap().to_owned(), e["delta"].as_i64().unwrap()))
        .collect();
    assert_eq!(deltas, vec![("monthly_grant".to_owned(), 180), ("booking".to_owned(), -180)]);
    assert_eq!(credits["ledger"][1]["booking_id"], booking["id"]);

    // A money pack pays the gross amount; the rest stays on the balance.
    let (status, balance) = subscribe(server, &client, pack).await;
    assert_eq!((status, balance["cents"].as_i64()), (200, Some(5000)), "{balance}");
    let (_, q) = quote(server, &client, room, json!({"starts_at": at(13), "ends_at": at(14)})).await;
    assert_eq!((q["credits_used"]["cents"].as_i64(), q["due_cents"].as_i64()), (Some(720), Some(0)), "{q}");
    let booking = book(server, &client, room, at(13), at(14), true).await;
    assert_eq!(money(&charge_of(server, &client, &booking).await), money(&q));

    // Without use_credits the price is recorded and nothing is spent.
    let (_, q) =
        quote(server, &client, room, json!({"starts_at": at(15), "ends_at": at(16), "use_credits": false})).await;
    let booking = book(server, &client, room, at(15), at(16), false).await;
    let charged = charge_of(server, &client, &booking).await;
    assert_eq!(money(&charged), money(&q));
    assert_eq!(charged["due_cents"], 720);
    let credits: Value =
        send(reqwest::Client::new().get(server.at(&format!("/api/v1/places/{place}/credits"))).bearer_auth(&client))
            .await
            .1;
    assert_eq!(credits["balance"], json!({"minutes": 0, "cents": 4280}));

    // Someone else may not read the charge; the place's manager may.
    let other = person(server, "autre@exemple.fr").await;
    let (status, _) = send(
        reqwest::Client::new()
            .get(server.at(&format!("/api/v1/bookings/{}/charge", booking["id"])))
            .bearer_auth(&other),
    )
    .await;
    assert_eq!(status, 403);
    let manager_reads = send(
        reqwest::Client::new()
            .get(server.at(&format!("/api/v1/bookings/{}/charge", booking["id"])))
            .bearer_auth(&manager),
    )
    .await;
    assert_eq!(manager_reads.0, 200);

    // Bad plans and a plan bought by nobody.
    let bad_plans = [
        (json!({"kind": "gift", "name": "x", "fee_cents": 0, "credit_unit": "cents", "credit_amount": 1}), "kind"),
        (
            json!({"kind": "pack", "name": "x", "fee_cents": -1, "credit_unit": "cents", "credit_amount": 1}),
            "fee_cents",
        ),
        (json!({"kind": "pack", "name": " ", "fee_cents": 1, "credit_unit": "cents", "credit_amount": 1}), "name"),
        (
            json!({"kind": "pack", "name": "x", "fee_cents": 1, "credit_unit": "hours", "credit_amount": 1}),
            "credit_unit",
        ),
        (
            json!({"kind": "pack", "name": "x", "fee_cents": 1, "credit_unit": "cents", "credit_amount": -5}),
            "credit_amount",
        ),
        (
            json!({"kind": "pack", "name": "x", "fee_cents": 1, "vat_bp": 7, "credit_unit": "cents", "credit_amount": 5}),
            "vat_bp",
        ),
    ];
    for (body, field) in bad_plans {
        let (status, answer) = send(
            reqwest::Client::new()
                .post(server.at(&format!("/api/v1/places/{place}/plans")))
                .bearer_auth(&manager)
                .json(&body),
        )
        .await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert!(answer["error"]["details"][field].is_string(), "{answer}");
    }
    let (status, _) = send(
        reqwest::Client::new()
            .post(server.at(&format!("/api/v1/places/{place}/plans")))
            .bearer_auth(&client)
            .json(&json!({"kind": "pack", "name": "x", "fee_cents": 1, "credit_unit": "cents", "credit_amount": 1})),
    )
    .await;
    assert_eq!(status, 403, "a client does not create plans");
    assert_eq!(subscribe(server, &client, 999_999).await.0, 404);
    let (status, _) = send(reqwest::Client::new().post(server.at(&format!("/api/v1/plans/{pack}/subscribe")))).await;
    assert_eq!(status, 401);
}
on_both!(memberships_packs_and_charges_as_quoted, memberships_and_credits);

async fn twenty_bookings_on_three_hours(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    // Four separate trees, so the bookings do not queue on one tree lock:
    // only the credit lock stands between them and an overdraft.
    let mut venues = Vec::new();
    for v in 0..4 {
        let id = venue(server, &manager, place, &format!("Lieu {v}")).await;
        assert_eq!(put_grid(server, &manager, id, &grid()).await.0, 200);
        venues.push(id);
    }
    let pack = plan(
        server,
        &manager,
        place,
        json!({"kind": "pack", "name": "Trois heures", "fee_cents": 2500, "credit_unit": "minutes", "credit_amount": 180}),
    )
    .await;
    let client = person(server, "pressee@exemple.fr").await;
    assert_eq!(subscribe(server, &client, pack).await.0, 200);

    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..20i64 {
        let resource = venues[(i % 4) as usize];
        let start = at(6 + i / 4);
        let req = http.post(server.at("/api/v1/bookings")).bearer_auth(&client).json(
            &json!({"resource_id": resource, "starts_at": start, "ends_at": start + Span::hours(1), "use_credits": true}),
        );
        tasks.push(tokio::spawn(definite(req)));
    }
    let mut bookings = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "every booking goes through, paid or on credit: {body}");
        bookings.push(body);
    }
    let mut minutes_spent = 0;
    let mut on_credit = 0;
    for b in &bookings {
        let c = charge_of(server, &client, b).await;
        let used = c["credits_used"]["minutes"].as_i64().unwrap();
        minutes_spent += used;
        if used > 0 {
            assert_eq!((used, c["due_cents"].as_i64()), (60, Some(0)), "{c}");
            on_credit += 1;
        } else {
            assert_eq!(c["due_cents"], 1200, "paid at the public hour: {c}");
        }
    }
    assert_eq!(minutes_spent, 180, "never more than the 3 hours held");
    assert_eq!(on_credit, 3);
    let credits: Value =
        send(http.get(server.at(&format!("/api/v1/places/{place}/credits"))).bearer_auth(&client)).await.1;
    assert_eq!(credits["balance"]["minutes"], 0, "{credits}");
    let ledger_sum: i64 = credits["ledger"].as_array().unwrap().iter().map(|e| e["delta"].as_i64().unwrap()).sum();
    assert_eq!(ledger_sum, 0, "the ledger adds up to the balance");
}
on_both!(twenty_concurrent_bookings_never_overspend_three_hours_of_credit, twenty_bookings_on_three_hours);
