//! Programmes over HTTP: ticket categories sharing one capacity under
//! concurrency, sessions with attendance, the questionnaire, check-in by a
//! ticket's code, and session reminders.

use chrono::{Duration as Span, Utc};
use domain::accounts::TokenScope;
use serde_json::{Value, json};
use testkit::{TestDb, TestServer};

use crate::helpers::definite;
use crate::on_both_db;
use crate::operations::place_and_manager;

async fn create(server: &TestServer, manager: &str, place: i64, body: Value) -> (u16, Value) {
    definite(
        reqwest::Client::new()
            .post(server.at(&format!("/api/v1/places/{place}/events")))
            .bearer_auth(manager)
            .json(&body),
    )
    .await
}

async fn person(server: &TestServer, name: &str) -> (i64, String) {
    let u = server.user(&format!("{name}@exemple.fr"), &[]).await;
    (u.id, server.token(u.id, &[TokenScope::Bookings]).await)
}

async fn register(server: &TestServer, token: &str, event: i64, body: Value) -> (u16, Value) {
    definite(
        reqwest::Client::new()
            .post(server.at(&format!("/api/v1/events/{event}/registrations")))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn categories_share_capacity(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let start = Utc::now() + Span::days(12);
    let (status, event) = create(
        &server,
        &manager,
        place,
        json!({"title": "Conférence open data", "kind": "conference", "starts_at": start, "ends_at": start + Span::hours(3),
               "capacity": 10, "language": "fr", "accessibility": "Accès de plain-pied, boucle magnétique",
               "description": "Les données ouvertes du territoire.",
               "categories": [{"name": "Plein tarif", "price_cents": 1500, "vat_bp": 2000},
                              {"name": "Moins de 26 ans", "price_cents": 500, "vat_bp": 2000, "quota": 3}]}),
    )
    .await;
    assert_eq!(status, 201, "{event}");
    assert_eq!((event["language"].as_str(), event["online"].as_bool()), (Some("fr"), Some(false)));
    let id = event["id"].as_i64().unwrap();
    let full = event["categories"][0]["id"].as_i64().unwrap();
    let young = event["categories"][1]["id"].as_i64().unwrap();

    // 30 ask for the capped category at once, then 30 for the other at once.
    // In two waves: all at once, the first ten served could be of the other
    // category, and the capped one would stop short of its quota.
    let mut tokens = Vec::new();
    for i in 0..12 {
        tokens.push(person(&server, &format!("cat{i}")).await.1);
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    for (wave, category) in [(0..30usize, young), (30..60, full)] {
        let mut tasks = Vec::new();
        for i in wave {
            let request = http
                .post(server.at(&format!("/api/v1/events/{id}/registrations")))
                .bearer_auth(&tokens[i % tokens.len()])
                .json(&json!({"participant": format!("Personne {i}"), "category_id": category}));
            tasks.push(tokio::spawn(definite(request)));
        }
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, 201, "{body}");
            assert!(matches!(body["status"].as_str(), Some("confirmed" | "waitlisted")), "{body}");
        }
    }
    let held_in = |rs: &[store::events::Registration], c: i64| {
        rs.iter().filter(|r| r.category_id == Some(c) && matches!(r.status.as_str(), "confirmed" | "offered")).count()
    };
    let all = server.app.store.registrations_of(id).await.unwrap();
    assert_eq!(all.len(), 60, "none lost");
    assert_eq!(held_in(&all, young), 3, "the quota caps its category");
    assert_eq!(held_in(&all, full), 7, "the rest of the shared capacity goes to the other");
    let doc: Value = http.get(server.at(&format!("/api/v1/events/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((doc["seats_held"].as_i64(), doc["categories"][1]["seats_held"].as_i64()), (Some(10), Some(3)), "{doc}");

    // A freed seat in the capped category goes to the first waiting for it;
    // a freed seat elsewhere skips those whose category is full.
    let first_young = all.iter().find(|r| r.category_id == Some(young) && r.status == "confirmed").unwrap();
    let owner = first_young.user_id.unwrap();
    let owner_token = server.token(owner, &[TokenScope::Bookings]).await;
    let cancel = http.delete(server.at(&format!("/api/v1/registrations/{}", first_young.id))).bearer_auth(&owner_token);
    assert_eq!(definite(cancel).await.0, 200);
    let after = server.app.store.registrations_of(id).await.unwrap();
    let offered: Vec<&store::events::Registration> = after.iter().filter(|r| r.status == "offered").collect();
    let first_waiting = all.iter().find(|r| r.status == "waitlisted").unwrap();
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].id, first_waiting.id, "the head of the line, whose category had room again");
    assert!(held_in(&after, young) <= 3 && held_in(&after, young) + held_in(&after, full) == 10);

    // A category of another event, or none when there are two, is refused.
    let (status, e) = register(&server, &tokens[0], id, json!({"participant": "Sans catégorie"})).await;
    assert_eq!((status, e["error"]["details"]["category_id"].is_string()), (422, true), "{e}");
    let (status, e) = register(&server, &tokens[0], id, json!({"participant": "X", "category_id": 999_999})).await;
    assert_eq!((status, e["error"]["details"]["category_id"].is_string()), (422, true), "{e}");
    // A negative price or VAT out of range never makes an event.
    let bad = json!({"title": "Atelier", "kind": "workshop", "starts_at": start, "ends_at": start + Span::hours(1),
                     "capacity": 5, "categories": [{"name": "Tarif", "price_cents": -1}]});
    let (status, e) = create(&server, &manager, place, bad).await;
    assert_eq!((status, e["error"]["details"]["categories"].is_string()), (422, true), "{e}");
    server.shutdown().await;
}
on_both_db!(ticket_categories_share_the_capacity_and_quotas_hold_under_concurrency, categories_share_capacity);

async fn programme_attendance(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let day = Utc::now() + Span::days(30);
    let sessions: Vec<Value> = (0..5)
        .map(|d| {
            let s = day + Span::days(d);
            json!({"title": format!("Demi-journée {}", d + 1), "starts_at": s, "ends_at": s + Span::hours(4)})
        })
        .collect();
    // The dates are the sessions': giving both is refused.
    let both = json!({"title": "Bootcamp", "kind": "bootcamp", "starts_at": day, "ends_at": day + Span::hours(1),
                      "capacity": 5, "sessions": sessions});
    let (status, e) = create(&server, &manager, place, both).await;
    assert_eq!((status, e["error"]["details"]["sessions"].is_string()), (422, true), "{e}");
    let backwards = json!({"title": "Bootcamp", "kind": "bootcamp", "capacity": 5,
                           "sessions": [{"starts_at": day, "ends_at": day - Span::hours(1)}]});
    assert_eq!(create(&server, &manager, place, backwards).await.0, 422);
    let (status, event) = create(
        &server,
        &manager,
        place,
        json!({"title": "Bootcamp entrepreneuriat", "kind": "bootcamp", "capacity": 5, "sessions": sessions}),
    )
    .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_i64().unwrap();
    assert_eq!(event["sessions"].as_array().unwrap().len(), 5);
    let second = |v: &Value| v.as_str().unwrap()[..19].to_owned();
    assert_eq!(second(&event["starts_at"]), second(&sessions[0]["starts_at"]), "the event spans its sessions");
    assert_eq!(second(&event["ends_at"]), second(&sessions[4]["ends_at"]));
    let session_ids: Vec<i64> =
        event["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();

    let (_, alice) = person(&server, "alice").await;
    let (_, bob) = person(&server, "bob").await;
    let (_, a) = register(&server, &alice, id, json!({})).await;
    let (_, b) = register(&server, &bob, id, json!({})).await;
    assert_eq!((a["status"].as_str(), b["status"].as_str()), (Some("confirmed"), Some("confirmed")));
    assert_eq!(
        server.app.store.registrations_of(id).await.unwrap().len(),
        2,
        "one registration each for five sessions"
    );

    let http = reqwest::Client::new();
    let mark = |registration: &Value, session: i64, present: bool, token: &str| {
        definite(
            http.put(server.at(&format!("/api/v1/registrations/{}/attendance/{session}", registration["id"])))
                .bearer_auth(token)
                .json(&json!({"present": present})),
        )
    };
    assert_eq!(mark(&a, session_ids[0], true, &manager).await.0, 200);
    assert_eq!(mark(&a, session_ids[1], true, &manager).await.0, 200);
    assert_eq!(mark(&a, session_ids[1], false, &manager).await.0, 200, "a second mark replaces the first");
    assert_eq!(mark(&a, session_ids[2], true, &manager).await.0, 200);
    assert_eq!(mark(&b, session_ids[0], false, &manager).await.0, 200);
    assert_eq!(mark(&a, session_ids[3], true, &alice).await.0, 403, "participants do not mark themselves");
    let other = server.app.store.event_session(session_ids[0]).await.unwrap();
    assert_eq!(other.event_id, id);
    assert_eq!(mark(&a, 999_999, true, &manager).await.0, 404);
    let (status, _) = definite(
        http.put(server.at(&format!("/api/v1/registrations/{}/attendance/{}", a["id"], session_ids[0])))
            .bearer_auth(&manager)
            .json(&json!({"present": "oui"})),
    )
    .await;
    assert_eq!(status, 422);

    let (status, summary) =
        definite(http.get(server.at(&format!("/api/v1/events/{id}/attendance"))).bearer_auth(&manager)).await;
    assert_eq!(status, 200, "{summary}");
    let people = summary["participants"].as_array().unwrap();
    assert_eq!((people[0]["attended"].as_i64(), people[0]["total"].as_i64()), (Some(2), Some(5)), "{summary}");
    assert_eq!(people[0]["absent_at"], json!([session_ids[1]]));
    assert_eq!((people[1]["attended"].as_i64(), people[1]["total"].as_i64()), (Some(0), Some(5)));
    let (status, _) =
        definite(http.get(server.at(&format!("/api/v1/events/{id}/attendance"))).bearer_auth(&alice)).await;
    assert_eq!(status, 403);

    // The programme's calendar lists every session, as a real parser reads it.
    let ics =
        http.get(server.at(&format!("/api/v1/events/{id}/calendar.ics"))).send().await.unwrap().text().await.unwrap();
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = parser.next().unwrap().unwrap();
    let summaries: Vec<String> = calendar
        .events
        .iter()
        .map(|e| e.properties.iter().find(|p| p.name == "SUMMARY").unwrap().value.clone().unwrap())
        .collect();
    assert_eq!(summaries.len(), 5, "{ics}");
    assert!(summaries[0].contains("Demi-journée 1") && summaries[4].contains("(5/5)"), "{summaries:?}");
    let uids: std::collections::BTreeSet<String> = calendar
        .events
        .iter()
        .map(|e| e.properties.iter().find(|p| p.name == "UID").unwrap().value.clone().unwrap())
        .collect();
    assert_eq!(uids.len(), 5, "each session its own UID");
    server.shutdown().await;
}
on_both_db!(a_programme_is_one_registration_with_attendance_per_session, programme_attendance);

async fn questionnaire(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let start = Utc::now() + Span::days(8);
    let bad = json!({"title": "Hackathon", "kind": "hackathon", "starts_at": start, "ends_at": start + Span::hours(8),
                     "capacity": 20, "questions": [{"text": "Régime ?", "kind": "choice", "choices": ["Un seul"]}]});
    let (status, e) = create(&server, &manager, place, bad).await;
    assert_eq!((status, e["error"]["details"]["questions"].is_string()), (422, true), "{e}");
    let (status, event) = create(
        &server,
        &manager,
        place,
        json!({"title": "Hackathon", "kind": "hackathon", "starts_at": start, "ends_at": start + Span::hours(8),
               "capacity": 20, "questions": [
                   {"text": "Votre établissement", "kind": "text", "required": true},
                   {"text": "Régime alimentaire", "kind": "choice", "choices": ["Végétarien", "Sans restriction"]},
                   {"text": "Droit à l'image", "kind": "yes_no", "required": true}]}),
    )
    .await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_i64().unwrap();
    let q: Vec<String> = event["questions"].as_array().unwrap().iter().map(|q| q["id"].to_string()).collect();
    let (_, token) = person(&server, "questionnaire").await;

    let (status, e) = register(&server, &token, id, json!({"answers": {q[0].clone(): "Lycée Guez de Balzac"}})).await;
    assert_eq!(status, 422, "{e}");
    let why = e["error"]["details"]["answers"].as_str().unwrap();
    assert!(
        why.contains("Droit à l'image") && !why.contains("Votre établissement"),
        "names the missing question: {why}"
    );
    let (status, e) = register(
        &server,
        &token,
        id,
        json!({"answers": {q[0].clone(): "Lycée", q[1].clone(): "Carnivore", q[2].clone(): "yes"}}),
    )
    .await;
    assert!(status == 422 && e["error"]["details"]["answers"].as_str().unwrap().contains("Régime alimentaire"), "{e}");
    let (status, e) = register(&server, &token, id, json!({"answers": {"abc": "x"}})).await;
    assert_eq!(status, 422, "{e}");
    assert!(server.app.store.registrations_of(id).await.unwrap().is_empty(), "nothing stored on refusal");

    let (status, r) = register(
        &server,
        &token,
        id,
        json!({"answers": {q[0].clone(): " Lycée Guez de Balzac ", q[1].clone(): "Végétarien", q[2].clone(): "no"}}),
    )
    .await;
    assert_eq!((status, r["status"].as_str()), (201, Some("confirmed")), "{r}");
    let http = reqwest::Client::new();
    let (status, answers) =
        definite(http.get(server.at(&format!("/api/v1/events/{id}/answers"))).bearer_auth(&manager)).await;
    assert_eq!(status, 200);
    let mine = &answers["registrations"][0]["answers"];
    assert_eq!(
        (mine[&q[0]].as_str(), mine[&q[1]].as_str(), mine[&q[2]].as_str()),
        (Some("Lycée Guez de Balzac"), Some("Végétarien"), Some("no")),
        "{answers}"
    );
    assert_eq!(definite(http.get(server.at(&format!("/api/v1/events/{id}/answers"))).bearer_auth(&token)).await.0, 403);
    server.shutdown().await;
}
on_both_db!(questionnaire_answers_are_checked_stored_and_listed, questionnaire);

async fn check_in_by_code(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (place, manager) = place_and_manager(&server).await;
    let day = Utc::now() + Span::days(3);
    let sessions: Vec<Value> = (0..2)
        .map(|d| {
            let s = day + Span::days(d);
            json!({"title": format!("Jour {}", d + 1), "starts_at": s, "ends_at": s + Span::hours(3)})
        })
        .collect();
    let (_, event) = create(
        &server,
        &manager,
        place,
        json!({"title": "Formation découpe laser", "kind": "training", "capacity": 1, "sessions": sessions}),
    )
    .await;
    let id = event["id"].as_i64().unwrap();
    let first_session = event["sessions"][0]["id"].as_i64().unwrap();
    let (_, token) = person(&server, "laser").await;
    let (_, late) = person(&server, "retard").await;
    let (_, r) = register(&server, &token, id, json!({"participant": "Camille"})).await;
    let (_, w) = register(&server, &late, id, json!({})).await;
    assert_eq!((r["status"].as_str(), w["status"].as_str()), (Some("confirmed"), Some("waitlisted")));
    let code = r["checkin_code"].as_str().unwrap().to_owned();
    assert!(code.len() >= 40, "unguessable: {code}");
    assert_ne!(Some(code.as_str()), w["checkin_code"].as_str());

    // The ticket page shows a QR code carrying the check-in link.
    let visitor = testkit::browser();
    let ticket = visitor.get(server.at(r["ticket_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(ticket.status(), 200);
    let html = ticket.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("Camille") && html.contains(&code), "{html}");
    let waiting = visitor.get(server.at(w["ticket_url"].as_str().unwrap())).send().await.unwrap().text().await.unwrap();
    assert!(!waiting.contains("<svg"), "no entry code before the seat is confirmed");
    assert_eq!(visitor.get(server.at("/billet/pas-un-code")).send().await.unwrap().status(), 404);

    let http = reqwest::Client::new();
    let check = |token: &str, event: i64, code: &str| {
        definite(
            http.post(server.at(&format!("/api/v1/events/{event}/check-in")))
                .bearer_auth(token)
                .json(&json!({"code": code})),
        )
    };
    assert_eq!(check(&token, id, &code).await.0, 403, "only the place's team checks in");
    assert_eq!(check(&manager, id, "inconnu").await.0, 404);
    assert_eq!(check(&manager, id, w["checkin_code"].as_str().unwrap()).await.0, 409, "waitlisted: no entry");
    let (status, done) = check(&manager, id, &server.at(&format!("/controle/{code}"))).await;
    assert_eq!(status, 200, "a scanned link works as well as the code: {done}");
    assert_eq!((done["session"]["id"].as_i64(), done["already"].as_bool()), (Some(first_session), Some(false)));
    let (_, again) = check(&manager, id, &code).await;
    assert_eq!(again["already"], true, "checking in twice counts once");
    let (_, summary) =
        definite(http.get(server.at(&format!("/api/v1/events/{id}/attendance"))).bearer_auth(&manager)).await;
    assert_eq!(
        (summary["participants"][0]["attended"].as_i64(), summary["participants"][0]["total"].as_i64()),
        (Some(1), Some(2))
    );

    // The page a phone camera opens from the QR code: the manager sees who and checks in with one button.
    let (_, event2) = create(
        &server,
        &manager,
        place,
        json!({"title": "Atelier soudure", "kind": "workshop", "starts_at": day, "ends_at": day + Span::hours(2), "capacity": 5}),
    )
    .await;
    let (_, r2) = register(&server, &token, event2["id"].as_i64().unwrap(), json!({"participant": "Dominique"})).await;
    let code2 = r2["checkin_code"].as_str().unwrap();
    let scan = format!("/controle/{code2}");
    assert_eq!(visitor.get(server.at(&scan)).send().await.unwrap().status(), 303, "anonymous: log in first");
    let participant = testkit::signed_in_browser(&server, "laser@exemple.fr").await;
    assert_eq!(participant.get(server.at(&scan)).send().await.unwrap().status(), 403);
    let desk = testkit::signed_in_browser(&server, "gerant@exemple.fr").await;
    let page = desk.get(server.at(&scan)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Dominique"), "{html}");
    let no_token = desk.post(server.at(&scan)).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(no_token.status(), 403, "CSRF token required");
    let done = desk.post(server.at(&scan)).form(&[("csrf", testkit::csrf_token(&html).as_str())]).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Dominique est enregistré·e comme présent·e"));

    // The desk page of an event: type or paste a code; a wrong one comes back beside the field.
    let desk_path = format!("/evenements/{id}/controle");
    let form = desk.get(server.at(&desk_path)).send().await.unwrap().text().await.unwrap();
    let csrf = testkit::csrf_token(&form);
    let wrong =
        desk.post(server.at(&desk_path)).form(&[("csrf", csrf.as_str()), ("code", code2)]).send().await.unwrap();
    assert_eq!(wrong.status(), 404, "a ticket of another event");
    assert!(wrong.text().await.unwrap().contains("Aucun billet de cet événement"));
    let ok = desk
        .post(server.at(&desk_path))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("Camille était déjà enregistré·e"));
    assert_eq!(participant.get(server.at(&desk_path)).send().await.unwrap().status(), 403);
    server.shutdown().await;
}
on_both_db!(check_in_by_ticket_code_api_and_scan_page, check_in_by_code);

async fn reminders(db: &TestDb) {
    let relay = testkit::smtp::SmtpSink::start().await;
    let server = TestServer::start_with(db, |c| c.smtp = Some(app::SmtpConfig::parse(&relay.url()).unwrap())).await;
    let (place, manager) = place_and_manager(&server).await;
    let soon = Utc::now() + Span::hours(10);
    let later = Utc::now() + Span::days(6);
    let (_, event) = create(
        &server,
        &manager,
        place,
        json!({"title": "Parcours créateurs", "kind": "workshop", "capacity": 1, "sessions": [
            {"title": "Séance 1", "starts_at": soon, "ends_at": soon + Span::hours(2)},
            {"title": "Séance 2", "starts_at": later, "ends_at": later + Span::hours(2)}]}),
    )
    .await;
    let id = event["id"].as_i64().unwrap();
    let (_, token) = person(&server, "rappel").await;
    let (_, waiting) = person(&server, "attente").await;
    register(&server, &token, id, json!({"participant": "Sacha"})).await;
    register(&server, &waiting, id, json!({})).await;

    let first = app::programmes::send_reminders(&server.app).await.unwrap();
    let second = app::programmes::send_reminders(&server.app).await.unwrap();
    assert_eq!((first, second), (1, 0), "the session within 24 hours, to the confirmed participant, once");
    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = relay.mails();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].to, vec!["rappel@exemple.fr".to_owned()]);
    let mail = crate::helpers::last_mail_to(&server, "rappel@exemple.fr").await;
    assert!(mail.subject.contains("Parcours créateurs") && mail.body.contains("Sacha"), "{}", mail.body);
    assert!(mail.body.contains("Séance 1"), "{}", mail.body);
    // Six days ahead: its reminder goes when it is a day away.
    db.execute_raw(&format!(
        "UPDATE event_sessions SET starts_at = {} WHERE event_id = {id} AND title = 'Séance 2'",
        store::now_micros() + 3_600_000_000
    ))
    .await;
    assert_eq!(app::programmes::send_reminders(&server.app).await.unwrap(), 1);
    assert_eq!(app::programmes::send_reminders(&server.app).await.unwrap(), 0);
    server.shutdown().await;
}
on_both_db!(reminders_go_a_day_before_each_session_once, reminders);
