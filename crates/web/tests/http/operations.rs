//! Bookings over HTTP: a venue tree, the no-double-booking guarantee under
//! 200 concurrent clients, hierarchy blocking both ways, bad input.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Span, Utc};
use domain::accounts::{Role, TokenScope};
use domain::operations::resources::in_same_line;
use serde_json::{Value, json};
use testkit::TestServer;

use crate::helpers::any_hour;
use crate::on_both;

/// The first place of the Charente France Services file, imported.
pub async fn first_place(server: &TestServer) -> i64 {
    testkit::atlas::import_shared(
        &server.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    server
        .app
        .store
        .atlas_records_page(
            store::atlas::RecordCursor { kind: Some(domain::atlas::RecordKind::Place), after_id: 0, live_only: true },
            1,
        )
        .await
        .unwrap()[0]
        .id
}

/// A place of the Charente France Services file and a token of its manager.
pub async fn place_and_manager(server: &TestServer) -> (i64, String) {
    let place = first_place(server).await;
    let manager = server.user("gerant@exemple.fr", &[(Role::PlaceManager, Some(place))]).await;
    (place, server.token(manager.id, &[TokenScope::AtlasWrite]).await)
}

async fn add(server: &TestServer, token: &str, place: i64, body: Value) -> Value {
    let body = any_hour(body);
    let r = reqwest::Client::new()
        .post(server.at(&format!("/api/v1/places/{place}/resources")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

/// venue ⊃ 2 zones ⊃ 2 rooms each ⊃ 3 desks in the first room of each zone.
async fn venue_tree(server: &TestServer, token: &str, place: i64) -> Vec<i64> {
    let venue =
        add(server, token, place, json!({"kind": "venue", "name": "Tout le lieu"})).await["id"].as_i64().unwrap();
    let mut ids = vec![venue];
    for z in 1..=2 {
        let zone = add(server, token, place, json!({"kind": "zone", "name": format!("Étage {z}"), "parent_id": venue}))
            .await["id"]
            .as_i64()
            .unwrap();
        ids.push(zone);
        for r in 1..=2 {
            let room =
                add(server, token, place, json!({"kind": "room", "name": format!("Salle {z}.{r}"), "parent_id": zone}))
                    .await["id"]
                    .as_i64()
                    .unwrap();
            ids.push(room);
            if r == 1 {
                for d in 1..=3 {
                    let desk = json!({"kind": "desk", "name": format!("Poste {z}.{r}.{d}"), "parent_id": room});
                    ids.push(add(server, token, place, desk).await["id"].as_i64().unwrap());
                }
            }
        }
    }
    ids
}

fn tomorrow(hour: i64, minute: i64) -> DateTime<Utc> {
    let day = (Utc::now() + Span::days(2)).date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    day + Span::hours(hour) + Span::minutes(minute)
}

async fn no_overlap_under_contention(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    let tree = venue_tree(server, &manager, place).await;
    let mut tokens = Vec::new();
    for i in 0..10 {
        let u = server.user(&format!("client{i}@exemple.fr"), &[]).await;
        tokens.push(server.token(u.id, &[TokenScope::Bookings]).await);
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(200).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let resource = tree[(i * 7) % tree.len()];
        let start = tomorrow(8, 30 * ((i * 5) % 12) as i64);
        let end = start + Span::minutes(30 * (1 + (i % 4) as i64));
        let request = http
            .post(server.at("/api/v1/bookings"))
            .bearer_auth(&tokens[i % tokens.len()])
            .json(&json!({"resource_id": resource, "starts_at": start, "ends_at": end}));
        tasks.push(tokio::spawn(async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }));
    }
    let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert!(matches!(status, 201 | 409 | 503), "a definite answer, not {status}: {body}");
        if status == 409 {
            assert!(body["error"]["details"]["conflict"]["starts_at"].is_string(), "the conflicting slot: {body}");
        }
        *answers.entry(status).or_default() += 1;
    }
    assert_eq!(answers.values().sum::<usize>(), 200, "every request answered");
    let booked = answers.get(&201).copied().unwrap_or(0);
    assert!(booked > 5 && answers.get(&409).copied().unwrap_or(0) > 5, "real contention: {answers:?}");

    let store = &server.app.store;
    let paths: BTreeMap<i64, String> =
        store.resources_of_place(place).await.unwrap().into_iter().map(|r| (r.id, r.path)).collect();
    // Venue bookings wait for approval (pending) and block like confirmed ones.
    let bookings = store.blocking_bookings_of_tree(tree[0], 0, i64::MAX, store::now_micros()).await.unwrap();
    assert_eq!(bookings.len(), booked, "each 201 is one stored booking, nothing lost or doubled");
    let mut violations = 0;
    for (i, a) in bookings.iter().enumerate() {
        for b in &bookings[i + 1..] {
            let line = in_same_line(&paths[&a.resource_id], &paths[&b.resource_id]);
            if line && a.starts_at < b.ends_at && b.starts_at < a.ends_at {
                violations += 1;
            }
        }
    }
    assert_eq!(violations, 0, "no two bookings overlap on a resource, an ancestor or a descendant");
}
on_both!(two_hundred_clients_never_double_book_a_venue_tree, no_overlap_under_contention);

async fn hierarchy_and_bad_input(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    let tree = venue_tree(server, &manager, place).await;
    let (venue, zone1, room11, desk111, room12) = (tree[0], tree[1], tree[2], tree[3], tree[6]);
    let person = server.user("habitante@exemple.fr", &[]).await;
    let token = server.token(person.id, &[TokenScope::Bookings]).await;
    let http = reqwest::Client::new();
    let book = |resource: i64, start: DateTime<Utc>, minutes: i64| {
        http.post(server.at("/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&json!({"resource_id": resource, "starts_at": start, "ends_at": start + Span::minutes(minutes)}))
            .send()
    };
    // A booked room blocks its desks and the whole venue, not its sibling.
    assert_eq!(book(room11, tomorrow(10, 0), 60).await.unwrap().status(), 201);
    let r = book(venue, tomorrow(10, 30), 90).await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["conflict"]["resource_id"], room11, "{body}");
    assert_eq!(book(desk111, tomorrow(10, 15), 30).await.unwrap().status(), 409);
    assert_eq!(book(zone1, tomorrow(9, 0), 90).await.unwrap().status(), 409);
    assert_eq!(book(room12, tomorrow(10, 0), 60).await.unwrap().status(), 201, "the sibling room is free");
    assert_eq!(book(room11, tomorrow(11, 0), 60).await.unwrap().status(), 201, "back to back is fine");
    // A privatised venue blocks every room.
    assert_eq!(book(venue, tomorrow(14, 0), 120).await.unwrap().status(), 201);
    assert_eq!(book(room12, tomorrow(15, 0), 30).await.unwrap().status(), 409);
    assert_eq!(book(desk111, tomorrow(13, 30), 60).await.unwrap().status(), 409);
    // A long booking among short ones still blocks a slot that starts days
    // after it began (the collision check looks back by the tree's longest booking).
    assert_eq!(book(room12, tomorrow(9, 0) + Span::days(10), 3 * 24 * 60).await.unwrap().status(), 201);
    assert_eq!(book(room12, tomorrow(12, 0) + Span::days(12), 30).await.unwrap().status(), 409);
    assert_eq!(book(venue, tomorrow(8, 0) + Span::days(12), 60).await.unwrap().status(), 409);

    // Availability shows what blocks a desk: its room's and the venue's bookings.
    let busy: Value = http
        .get(server.at(&format!(
            "/api/v1/resources/{desk111}/bookings?{}",
            serde_urlencoded::to_string([("from", tomorrow(0, 0).to_rfc3339())]).unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let blocking: Vec<i64> =
        busy["busy"].as_array().unwrap().iter().map(|b| b["resource_id"].as_i64().unwrap()).collect();
    assert_eq!(blocking, vec![room11, room11, venue], "{busy}");

    // Bad input: clear 4xx, nothing stored.
    let before = server.app.store.bookings_of_tree(venue, 0, i64::MAX).await.unwrap().len();
    let refused = |r: reqwest::Response, field: &'static str| async move {
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["details"][field].is_string(), "{field}: {body}");
    };
    refused(book(room12, tomorrow(17, 0), -30).await.unwrap(), "ends_at").await;
    refused(book(room12, tomorrow(17, 0), 0).await.unwrap(), "ends_at").await;
    refused(book(room12, tomorrow(17, 0), 5).await.unwrap(), "ends_at").await;
    refused(book(room12, Utc::now() - Span::days(1), 60).await.unwrap(), "starts_at").await;
    let workshop = add(
        server,
        &manager,
        place,
        json!({"kind": "room", "name": "Atelier", "parent_id": zone1, "opening_hours": "Mo-Fr 09:00-18:00", "max_minutes": 240}),
    )
    .await["id"]
    .as_i64()
    .unwrap();
    let sunday = {
        let mut d = tomorrow(9, 0);
        while chrono::Datelike::weekday(&d) != chrono::Weekday::Sun {
            d += Span::days(1);
        }
        d
    };
    refused(book(workshop, sunday, 60).await.unwrap(), "starts_at").await;
    assert_eq!(book(999_999, tomorrow(9, 0), 60).await.unwrap().status(), 404);
    let anonymous = http
        .post(server.at("/api/v1/bookings"))
        .json(&json!({"resource_id": room12, "starts_at": tomorrow(18, 0), "ends_at": tomorrow(19, 0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let read_only = server.token(person.id, &[TokenScope::AccountRead]).await;
    let r = http
        .post(server.at("/api/v1/bookings"))
        .bearer_auth(read_only)
        .json(&json!({"resource_id": room12, "starts_at": tomorrow(18, 0), "ends_at": tomorrow(19, 0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(server.app.store.bookings_of_tree(venue, 0, i64::MAX).await.unwrap().len(), before, "nothing stored");

    // Resources: only the place's team adds them; the tree's shape is checked.
    let person_token = server.token(person.id, &TokenScope::ALL).await;
    let r = http
        .post(server.at(&format!("/api/v1/places/{place}/resources")))
        .bearer_auth(person_token)
        .json(&json!({"kind": "room", "name": "Squat"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for (body, field) in [
        (json!({"kind": "venue", "name": "Sous un poste", "parent_id": desk111}), "kind"),
        (json!({"kind": "room", "name": "Salle", "buffer_minutes": -5}), "buffer_minutes"),
        (json!({"kind": "room", "name": "Salle", "opening_hours": "le matin"}), "opening_hours"),
        (json!({"kind": "room", "name": " "}), "name"),
        (json!({"kind": "castle", "name": "Château"}), "kind"),
    ] {
        let r = http
            .post(server.at(&format!("/api/v1/places/{place}/resources")))
            .bearer_auth(&manager)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["details"][field].is_string(), "{field}: {e}");
    }
}
on_both!(bookings_block_up_and_down_the_tree_and_refuse_bad_input, hierarchy_and_bad_input);

async fn recurring_series(server: &TestServer) {
    let (place, manager) = place_and_manager(server).await;
    let tree = venue_tree(server, &manager, place).await;
    let (venue, room) = (tree[0], tree[6]);
    let person = server.user("serie@exemple.fr", &[]).await;
    let token = server.token(person.id, &[TokenScope::Bookings]).await;
    let http = reqwest::Client::new();
    // Next Monday, 10:00 in Paris, then three more Mondays.
    let mut monday = (Utc::now() + Span::days(3)).date_naive();
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday += Span::days(1);
    }
    let local = monday.and_hms_opt(10, 0, 0).unwrap();
    let paris = domain::atlas::hours::timezone_for_departement("16");
    let second = domain::operations::local_to_utc(local + Span::weeks(1), paris).unwrap();
    let privatised = http
        .post(server.at("/api/v1/bookings"))
        .bearer_auth(&token)
        .json(&json!({"resource_id": venue, "starts_at": second + Span::minutes(30), "ends_at": second + Span::minutes(90)}))
        .send()
        .await
        .unwrap();
    assert_eq!(privatised.status(), 201);
    let series = |rrule: &str| {
        http.post(server.at("/api/v1/bookings/series"))
            .bearer_auth(&token)
            .json(&json!({"resource_id": room, "local_start": local.format("%Y-%m-%dT%H:%M:%S").to_string(), "minutes": 120, "rrule": rrule}))
            .send()
    };
    let r = series("FREQ=WEEKLY;BYDAY=MO;COUNT=4").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["booked"].as_array().unwrap().len(), 3, "{body}");
    let refused = body["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{body}");
    assert_eq!(refused[0]["conflict"]["resource_id"], venue);
    assert_eq!(refused[0]["starts_at"].as_str().unwrap(), second.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    // Each booked occurrence starts at 10:00 in Paris, whatever the season.
    for b in body["booked"].as_array().unwrap() {
        let start: DateTime<Utc> = b["starts_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(start.with_timezone(&paris).format("%H:%M").to_string(), "10:00");
    }
    // The same series again: every occurrence now collides.
    let again: Value = series("FREQ=WEEKLY;BYDAY=MO;COUNT=4").await.unwrap().json().await.unwrap();
    assert_eq!((again["booked"].as_array().unwrap().len(), again["refused"].as_array().unwrap().len()), (0, 4));
    for bad in ["FREQ=YEARLY;COUNT=2", "FREQ=WEEKLY", "FREQ=DAILY;COUNT=9999"] {
        let r = series(bad).await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["details"]["rrule"].is_string(), "{e}");
    }
}
on_both!(recurring_bookings_report_conflicts_per_occurrence, recurring_series);
