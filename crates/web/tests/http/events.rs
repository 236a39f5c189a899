//! Events over HTTP: 2,000 concurrent registrations on 100 seats, then
//! cancellations and promotions racing, then an offer that expires.

use std::collections::BTreeSet;

use chrono::{Duration as Span, Utc};
use domain::accounts::TokenScope;
use serde_json::{Value, json};
use testkit::{TestDb, TestServer};

use crate::helpers::definite;
use crate::on_both_db;
use crate::operations::place_and_manager;

async fn new_event(server: &TestServer, manager: &str, place: i64, capacity: i64, hold_minutes: i64) -> i64 {
    let start = Utc::now() + Span::days(10);
    let r = reqwest::Client::new()
        .post(server.at(&format!("/api/v1/places/{place}/events")))
        .bearer_auth(manager)
        .json(&json!({"title": "Hackathon des données du territoire", "kind": "hackathon", "starts_at": start,
                      "ends_at": start + Span::hours(8), "capacity": capacity, "hold_minutes": hold_minutes}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// (user id, token) of `n` people who may register.
async fn clients(server: &TestServer, n: usize) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let u = server.user(&format!("participant{i}@exemple.fr"), &[]).await;
        out.push((u.id, server.token(u.id, &[TokenScope::Bookings]).await));
    }
    out
}

async fn seats_waitlist_and_promotions(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let event = new_event(&server, &manager, place, 100, 60).await;
    let people = clients(&server, 40).await;
    let tokens: Vec<String> = people.iter().map(|(_, t)| t.clone()).collect();
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();

    // 2,000 registrations at once.
    let mut tasks = Vec::new();
    for i in 0..2000usize {
        let request = http
            .post(server.at(&format!("/api/v1/events/{event}/registrations")))
            .bearer_auth(&tokens[i % tokens.len()])
            .json(&json!({"participant": format!("Participant {i}")}));
        tasks.push(tokio::spawn(definite(request)));
    }
    let mut positions = BTreeSet::new();
    let mut confirmed = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "{body}");
        match body["status"].as_str().unwrap() {
            "confirmed" => confirmed += 1,
            "waitlisted" => assert!(positions.insert(body["waitlist_position"].as_i64().unwrap()), "{body}"),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(confirmed, 100, "exactly the capacity");
    assert_eq!(positions, (1..=1900).collect::<BTreeSet<i64>>(), "the others in line, each with its own place");
    let all = server.app.store.registrations_of(event).await.unwrap();
    assert_eq!(all.len(), 2000, "none lost or duplicated");
    let participants: BTreeSet<(Option<i64>, &str)> = all.iter().map(|r| (r.user_id, r.participant.as_str())).collect();
    assert_eq!(participants.len(), 2000);
    assert!(
        all[..100].iter().all(|r| r.status == "confirmed") && all[100..].iter().all(|r| r.status == "waitlisted"),
        "seats went in order of arrival"
    );

    // 50 cancellations racing 50 late registrations: freed seats go to the
    // head of the waitlist, the late ones queue behind.
    let token_of = |user: Option<i64>| people.iter().find(|(id, _)| Some(*id) == user).map(|(_, t)| t.clone()).unwrap();
    let mut tasks = Vec::new();
    for (k, r) in all[..50].iter().enumerate() {
        let cancel =
            http.delete(server.at(&format!("/api/v1/registrations/{}", r.id))).bearer_auth(token_of(r.user_id));
        tasks.push(tokio::spawn(definite(cancel)));
        let late = http
            .post(server.at(&format!("/api/v1/events/{event}/registrations")))
            .bearer_auth(&tokens[k % tokens.len()])
            .json(&json!({"participant": format!("Retardataire {k}")}));
        tasks.push(tokio::spawn(definite(late)));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert!(status == 200 || status == 201, "{status} {body}");
    }
    let after = server.app.store.registrations_of(event).await.unwrap();
    let held = after.iter().filter(|r| matches!(r.status.as_str(), "confirmed" | "offered" | "consent")).count();
    assert_eq!(held, 100, "seats held never exceed nor fall below the capacity while people wait");
    let offered: Vec<i64> = after.iter().filter(|r| r.status == "offered").map(|r| r.id).collect();
    let first_waiting: Vec<i64> = all[100..150].iter().map(|r| r.id).collect();
    assert_eq!(offered, first_waiting, "offers go to the first 50 in line, in order");
    assert!(after.iter().filter(|r| r.participant.starts_with("Retardataire")).all(|r| r.status == "waitlisted"));

    // The offered take their seats.
    let mut tasks = Vec::new();
    for id in &offered {
        let owner = after.iter().find(|r| r.id == *id).unwrap().user_id;
        let accept = http.post(server.at(&format!("/api/v1/registrations/{id}/accept"))).bearer_auth(token_of(owner));
        tasks.push(tokio::spawn(definite(accept)));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!((status, body["status"].as_str()), (200, Some("confirmed")), "{body}");
    }
    let doc: Value =
        http.get(server.at(&format!("/api/v1/events/{event}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((doc["seats_held"].as_i64(), doc["waitlisted"].as_i64()), (Some(100), Some(1900)), "{doc}");
    server.shutdown().await;
}
on_both_db!(two_thousand_registrations_fill_exactly_the_seats_in_order, seats_waitlist_and_promotions);

async fn offers_expire_and_pass_on(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let event = new_event(&server, &manager, place, 1, 30).await;
    let tokens: Vec<String> = clients(&server, 3).await.into_iter().map(|(_, t)| t).collect();
    let http = reqwest::Client::new();
    let register = |token: &str| {
        definite(
            http.post(server.at(&format!("/api/v1/events/{event}/registrations"))).bearer_auth(token).json(&json!({})),
        )
    };
    let (_, a) = register(&tokens[0]).await;
    let (_, b) = register(&tokens[1]).await;
    let (_, c) = register(&tokens[2]).await;
    assert_eq!(
        (a["status"].as_str(), b["waitlist_position"].as_i64(), c["waitlist_position"].as_i64()),
        (Some("confirmed"), Some(1), Some(2))
    );
    let (status, again) = register(&tokens[2]).await;
    assert_eq!(status, 409, "one registration per participant: {again}");

    let cancel = http.delete(server.at(&format!("/api/v1/registrations/{}", a["id"]))).bearer_auth(&tokens[0]);
    assert_eq!(definite(cancel).await.0, 200);
    let b_now = server.app.store.registration(b["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(b_now.status, "offered");
    let hold = b_now.offered_until.unwrap() - store::now_micros();
    assert!((29 * 60_000_000..=30 * 60_000_000).contains(&hold), "held 30 minutes");

    // B lets the offer run out: the worker's job passes it to C, or B's late
    // acceptance does, whichever comes first.
    db.execute_raw(&format!("UPDATE registrations SET offered_until = 1 WHERE id = {}", b["id"])).await;
    app::events::pass_on_lapsed_holds(&server.app).await.unwrap();
    let c_offered = server.app.store.registration(c["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(c_offered.status, "offered", "the lapsed offer went to the next in line");
    let late = http.post(server.at(&format!("/api/v1/registrations/{}/accept", b["id"]))).bearer_auth(&tokens[1]);
    assert_eq!(definite(late).await.0, 409);
    let c_now = server.app.store.registration(c["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(c_now.status, "offered", "the seat passed on");
    let take = http.post(server.at(&format!("/api/v1/registrations/{}/accept", c["id"]))).bearer_auth(&tokens[2]);
    assert_eq!(definite(take).await.1["status"], "confirmed");
    // Someone else's registration cannot be taken or cancelled.
    let steal = http.delete(server.at(&format!("/api/v1/registrations/{}", c["id"]))).bearer_auth(&tokens[1]);
    assert_eq!(definite(steal).await.0, 403);
    server.shutdown().await;
}
on_both_db!(an_offer_that_runs_out_passes_to_the_next_in_line, offers_expire_and_pass_on);

async fn minors_need_a_guardian(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let start = Utc::now() + Span::days(20);
    let r = reqwest::Client::new()
        .post(server.at(&format!("/api/v1/places/{place}/events")))
        .bearer_auth(&manager)
        .json(&json!({"title": "Bootcamp robotique 13-18 ans", "kind": "bootcamp", "starts_at": start,
                      "ends_at": start + Span::hours(6), "capacity": 2, "min_age": 13, "max_age": 18}))
        .send()
        .await
        .unwrap();
    let event = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (parent_id, parent) = clients(&server, 1).await.remove(0);
    let http = reqwest::Client::new();
    let register = |body: Value| {
        definite(
            http.post(server.at(&format!("/api/v1/events/{event}/registrations"))).bearer_auth(&parent).json(&body),
        )
    };
    let years_ago = |y: i64| (start - Span::days(365 * y + 30)).date_naive().to_string();
    for (body, field) in [
        (json!({"participant": "Léa"}), "birth_date"),
        (json!({"participant": "Léa", "birth_date": years_ago(30)}), "birth_date"),
        (json!({"participant": "Léa", "birth_date": years_ago(16)}), "guardian_email"),
        (
            json!({"participant": "Léa", "birth_date": years_ago(16), "guardian_email": "pas-une-adresse"}),
            "guardian_email",
        ),
    ] {
        let (status, e) = register(body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert!(e["error"]["details"][field].is_string(), "{field}: {e}");
    }
    let (status, lea) =
        register(json!({"participant": "Léa", "birth_date": years_ago(16), "guardian_email": "tuteur@exemple.fr"}))
            .await;
    assert_eq!((status, lea["status"].as_str()), (201, Some("consent")), "{lea}");
    let (_, adult) = register(json!({"participant": "Sam", "birth_date": years_ago(18)})).await;
    assert_eq!(adult["status"], "confirmed", "18 and over: no consent needed");
    let doc: Value =
        http.get(server.at(&format!("/api/v1/events/{event}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["seats_held"], 2, "the minor's seat is held while the guardian decides");

    let mail = crate::helpers::last_mail_to(&server, "tuteur@exemple.fr").await;
    assert!(mail.subject.contains("Léa") && mail.body.contains("Bootcamp robotique"), "{}", mail.body);
    let link = crate::helpers::link_in(&mail.body, &server.at("/consentement?token="));
    let guardian = testkit::browser();
    let page = guardian.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Léa") && html.contains("Bootcamp robotique"));
    let token = link.split("token=").nth(1).unwrap();
    let done = guardian
        .post(server.at("/consentement"))
        .form(&[("csrf", testkit::csrf_token(&html).as_str()), ("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("confirmée"));
    let lea_now = server.app.store.registration(lea["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(lea_now.status, "confirmed");
    assert_eq!(guardian.get(&link).send().await.unwrap().status(), 400, "the link works once");

    // The parent's data export holds the registration; deleting the account erases its personal fields.
    let account = server.token(parent_id, &[TokenScope::AccountRead, TokenScope::AccountWrite]).await;
    let export: Value =
        http.get(server.at("/api/v1/me/export")).bearer_auth(&account).send().await.unwrap().json().await.unwrap();
    let regs = export["registrations"].as_array().unwrap();
    assert!(regs.iter().any(|r| r["participant"] == "Léa" && r["guardian_email"] == "tuteur@exemple.fr"), "{export}");
    let deleted = http
        .delete(server.at("/api/v1/me"))
        .bearer_auth(&account)
        .json(&json!({"password": testkit::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    let erased = server.app.store.registration(lea["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!((erased.participant.as_str(), erased.birth_date, erased.guardian_email), ("", None, None));
    assert_eq!(erased.status, "confirmed", "the seat still counts");
    server.shutdown().await;
}
on_both_db!(a_minor_is_confirmed_only_with_a_guardians_consent, minors_need_a_guardian);

/// The (SUMMARY, DTSTART, STATUS) of each VEVENT, as a real parser reads them.
fn parse_ics(text: &str) -> Vec<(String, String, String)> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser.next().expect("one calendar").expect("a valid calendar");
    assert!(parser.next().is_none());
    calendar
        .events
        .iter()
        .map(|e| {
            let get = |name: &str| {
                e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
            };
            (get("SUMMARY"), get("DTSTART"), get("STATUS"))
        })
        .collect()
}

async fn calendars(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let event = new_event(&server, &manager, place, 1, 60).await;
    let (_, token) = clients(&server, 1).await.remove(0);
    let (_, other) = clients_named(&server, "autre").await;
    let http = reqwest::Client::new();
    let register = |t: &str| {
        definite(http.post(server.at(&format!("/api/v1/events/{event}/registrations"))).bearer_auth(t).json(&json!({})))
    };
    register(&other).await;
    let (_, mine) = register(&token).await;
    assert_eq!(mine["status"], "waitlisted");

    let feed = http.get(server.at(&format!("/api/v1/places/{place}/events.ics"))).send().await.unwrap();
    assert!(feed.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let events = parse_ics(&feed.text().await.unwrap());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "Hackathon des données du territoire");

    let me = http.get(server.at("/api/v1/me/calendar.ics")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 403, "a bookings-only token does not read the account");
    let reader = {
        let user = server.app.store.registration(mine["id"].as_i64().unwrap()).await.unwrap().user_id.unwrap();
        server.token(user, &[TokenScope::AccountRead]).await
    };
    let mine_ics = http.get(server.at("/api/v1/me/calendar.ics")).bearer_auth(&reader).send().await.unwrap();
    let events = parse_ics(&mine_ics.text().await.unwrap());
    assert_eq!(events.len(), 1);
    assert!(events[0].0.starts_with("Hackathon des données du territoire ("), "{events:?}");
    assert_eq!(events[0].2, "TENTATIVE", "waitlisted: not confirmed yet");
    let one = http.get(server.at(&format!("/api/v1/events/{event}/calendar.ics"))).send().await.unwrap();
    assert_eq!(parse_ics(&one.text().await.unwrap())[0].2, "CONFIRMED");
    server.shutdown().await;
}
on_both_db!(calendar_feeds_read_back_with_a_real_parser, calendars);

async fn clients_named(server: &TestServer, name: &str) -> (i64, String) {
    let u = server.user(&format!("{name}@exemple.fr"), &[]).await;
    (u.id, server.token(u.id, &[TokenScope::Bookings]).await)
}
