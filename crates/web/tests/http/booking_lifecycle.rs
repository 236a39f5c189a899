//! A booking's life over HTTP: holds that block then lapse, approval by the
//! place manager, cancellation with a late fee, check-in and no-show
//! release, booking on behalf of an organisation, members-only resources
//! and machines that need a training.

use chrono::{DateTime, Duration as Span, Utc};
use domain::accounts::{Role, TokenScope};
use serde_json::{Value, json};
use testkit::{TestDb, TestServer};

use crate::helpers::{any_hour, definite};
use crate::on_both_db;

struct Place {
    id: i64,
    manager: String,
    http: reqwest::Client,
}

/// A place of the Charente France Services file, its manager's token
/// (back office and bookings) and a venue to hang resources under.
async fn place(server: &TestServer) -> (Place, i64) {
    let id = crate::operations::first_place(server).await;
    let manager = server.user("gerante@exemple.fr", &[(Role::PlaceManager, Some(id))]).await;
    let manager = server.token(manager.id, &[TokenScope::AtlasWrite, TokenScope::Bookings]).await;
    let p = Place { id, manager, http: reqwest::Client::new() };
    let venue = p.resource(server, json!({"kind": "venue", "name": "Tout le lieu"})).await;
    (p, venue)
}

impl Place {
    async fn resource(&self, server: &TestServer, body: Value) -> i64 {
        let (status, r) =
            self.post(server, &self.manager, &format!("/api/v1/places/{}/resources", self.id), any_hour(body)).await;
        assert_eq!(status, 201, "{r}");
        r["id"].as_i64().unwrap()
    }

    async fn post(&self, server: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
        definite(self.http.post(server.at(path)).bearer_auth(token).json(&body)).await
    }

    async fn book(&self, server: &TestServer, token: &str, body: Value) -> (u16, Value) {
        self.post(server, token, "/api/v1/bookings", body).await
    }

    /// POST /api/v1/bookings/{id}/{step} without a body.
    async fn step(&self, server: &TestServer, token: &str, id: &Value, step: &str) -> (u16, Value) {
        definite(self.http.post(server.at(&format!("/api/v1/bookings/{id}/{step}"))).bearer_auth(token)).await
    }
}

async fn person(server: &TestServer, email: &str) -> (i64, String) {
    let u = server.user(email, &[]).await;
    (u.id, server.token(u.id, &[TokenScope::Bookings]).await)
}

fn at(days: i64, hour: i64) -> DateTime<Utc> {
    (Utc::now() + Span::days(days)).date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc() + Span::hours(hour)
}

fn slot(resource: i64, start: DateTime<Utc>, minutes: i64) -> Value {
    json!({"resource_id": resource, "starts_at": start, "ends_at": start + Span::minutes(minutes)})
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

async fn holds(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    let room =
        p.resource(&server, json!({"kind": "room", "name": "Salle 1", "parent_id": venue, "hold_minutes": 10})).await;
    let (_, ana) = person(&server, "ana@exemple.fr").await;
    let (_, ben) = person(&server, "ben@exemple.fr").await;
    let start = at(3, 9);

    // A hold keeps the slot for the resource's hold minutes.
    let (status, hold) = p.book(&server, &ana, with(slot(room, start, 60), "hold", json!(true))).await;
    assert_eq!((status, hold["status"].as_str()), (201, Some("held")), "{hold}");
    let held_until: DateTime<Utc> = hold["held_until"].as_str().unwrap().parse().unwrap();
    let left = held_until - Utc::now();
    assert!(left > Span::minutes(9) && left <= Span::minutes(10), "held 10 minutes: {left}");
    let (status, taken) = p.book(&server, &ben, slot(room, start + Span::minutes(30), 60)).await;
    assert_eq!(status, 409, "a live hold blocks: {taken}");
    assert_eq!(taken["error"]["details"]["conflict"]["resource_id"], room);
    let (status, _) = p.book(&server, &ben, slot(venue, start - Span::hours(1), 180)).await;
    assert_eq!(status, 409, "and blocks the venue above it");
    // Someone else cannot confirm it; its booker can, while it lasts.
    assert_eq!(p.step(&server, &ben, &hold["id"], "confirm").await.0, 403);
    let (status, confirmed) = p.step(&server, &ana, &hold["id"], "confirm").await;
    assert_eq!((status, confirmed["status"].as_str()), (200, Some("confirmed")), "{confirmed}");
    assert!(confirmed["held_until"].is_null());
    let (status, again) = p.step(&server, &ana, &hold["id"], "confirm").await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("booking_state")), "{again}");

    // A hold that lapsed blocks nothing, even before the job marks it, and
    // cannot be confirmed any more.
    let later = start + Span::hours(3);
    let (_, lapsing) = p.book(&server, &ana, with(slot(room, later, 60), "hold", json!(true))).await;
    assert_eq!(lapsing["status"], "held");
    let past = store::now_micros() - 1_000_000;
    db.execute_raw(&format!("UPDATE bookings SET held_until = {past} WHERE id = {}", lapsing["id"])).await;
    let (status, expired) = p.step(&server, &ana, &lapsing["id"], "confirm").await;
    assert_eq!((status, expired["error"]["code"].as_str()), (409, Some("hold_expired")), "{expired}");
    let (status, ben_booking) = p.book(&server, &ben, slot(room, later, 60)).await;
    assert_eq!((status, ben_booking["status"].as_str()), (201, Some("confirmed")), "the lapsed hold freed the slot");
    // The job marks it expired; confirming still answers hold_expired.
    assert_eq!(app::bookings::release_lapsed(&server.app, Utc::now()).await.unwrap(), (1, 0));
    let stored = server.app.store.booking(lapsing["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(stored.status, "expired");
    assert_eq!(p.step(&server, &ana, &lapsing["id"], "confirm").await.1["error"]["code"], "hold_expired");
    assert_eq!(app::bookings::release_lapsed(&server.app, Utc::now()).await.unwrap(), (0, 0), "once");
    // Availability lists live holds as busy.
    let (_, live) = p.book(&server, &ana, with(slot(room, later + Span::hours(2), 30), "hold", json!(true))).await;
    let busy: Value = p
        .http
        .get(server.at(&format!(
            "/api/v1/resources/{room}/bookings?{}",
            serde_urlencoded::to_string([("from", at(3, 0).to_rfc3339())]).unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let starts: Vec<&str> = busy["busy"].as_array().unwrap().iter().map(|b| b["starts_at"].as_str().unwrap()).collect();
    assert_eq!(starts.len(), 3, "confirmed, Ben's, the live hold; not the expired one: {busy}");
    assert_eq!(starts[2], live["starts_at"].as_str().unwrap());
    server.shutdown().await;
}
on_both_db!(holds_block_until_they_lapse_and_lapsed_holds_cannot_be_confirmed, holds);

async fn approval(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    let room = p
        .resource(
            &server,
            json!({"kind": "room", "name": "Salle du conseil", "parent_id": venue, "needs_approval": true}),
        )
        .await;
    let desk_room = p.resource(&server, json!({"kind": "room", "name": "Open space", "parent_id": venue})).await;
    let (_, ana) = person(&server, "ana@exemple.fr").await;
    let (_, ben) = person(&server, "ben@exemple.fr").await;
    let other_manager = server.user("autre@exemple.fr", &[(Role::PlaceManager, Some(p.id + 1))]).await;
    let other_manager = server.token(other_manager.id, &[TokenScope::Bookings]).await;

    // Privatising the venue waits for the manager, and blocks meanwhile.
    let (status, privatised) = p.book(&server, &ana, slot(venue, at(4, 8), 240)).await;
    assert_eq!((status, privatised["status"].as_str()), (201, Some("pending")), "{privatised}");
    assert_eq!(p.book(&server, &ben, slot(desk_room, at(4, 9), 60)).await.0, 409, "pending blocks the rooms");
    // Neither the booker, another person nor another place's manager decides.
    for token in [&ana, &ben, &other_manager] {
        let (status, e) = p.step(&server, token, &privatised["id"], "approve").await;
        assert_eq!((status, e["error"]["code"].as_str()), (403, Some("forbidden")), "{e}");
    }
    let (status, approved) = p.step(&server, &p.manager, &privatised["id"], "approve").await;
    assert_eq!((status, approved["status"].as_str()), (200, Some("confirmed")), "{approved}");
    assert_eq!(p.book(&server, &ben, slot(desk_room, at(4, 9), 60)).await.0, 409, "confirmed still blocks");
    let (status, e) = p.step(&server, &p.manager, &privatised["id"], "refuse").await;
    assert_eq!(
        (status, e["error"]["code"].as_str(), e["error"]["details"]["status"].as_str()),
        (409, Some("booking_state"), Some("confirmed"))
    );

    // A resource flagged for approval: refused, the slot is free again.
    let (status, asked) = p.book(&server, &ana, slot(room, at(5, 10), 60)).await;
    assert_eq!((status, asked["status"].as_str()), (201, Some("pending")));
    assert_eq!(p.book(&server, &ben, slot(room, at(5, 10), 60)).await.0, 409);
    let (status, refused) = p.step(&server, &p.manager, &asked["id"], "refuse").await;
    assert_eq!((status, refused["status"].as_str()), (200, Some("refused")), "{refused}");
    let (status, ben_asks) = p.book(&server, &ben, slot(room, at(5, 10), 60)).await;
    assert_eq!((status, ben_asks["status"].as_str()), (201, Some("pending")), "the refused slot is free");
    // A pending booking is not a hold: confirm refuses it.
    assert_eq!(p.step(&server, &ben, &ben_asks["id"], "confirm").await.1["error"]["code"], "booking_state");
    // Unknown ids.
    assert_eq!(p.step(&server, &p.manager, &json!(999_999), "approve").await.0, 404);
    server.shutdown().await;
}
on_both_db!(the_manager_approves_or_refuses_privatisations_and_flagged_resources, approval);

async fn cancellation(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    let room = p
        .resource(
            &server,
            json!({"kind": "room", "name": "Studio", "parent_id": venue, "cancel_deadline_hours": 48, "late_cancel_fee_cents": 2500}),
        )
        .await;
    let (_, ana) = person(&server, "ana@exemple.fr").await;
    let (_, ben) = person(&server, "ben@exemple.fr").await;

    // Five days ahead: free cancellation; the slot is free again.
    let (_, early) = p.book(&server, &ana, slot(room, at(5, 10), 60)).await;
    assert_eq!(p.step(&server, &ben, &early["id"], "cancel").await.0, 403, "not someone else's");
    let (status, cancelled) = p.step(&server, &ana, &early["id"], "cancel").await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")), "{cancelled}");
    assert!(cancelled["cancellation_fee_cents"].is_null(), "{cancelled}");
    assert!(cancelled["cancelled_at"].is_string());
    assert_eq!(p.book(&server, &ben, slot(room, at(5, 10), 60)).await.0, 201, "the slot is free again");
    let (status, twice) = p.step(&server, &ana, &early["id"], "cancel").await;
    assert_eq!((status, twice["error"]["code"].as_str()), (409, Some("booking_state")));

    // Within 48 hours of the start: the late fee, in the answer and stored.
    let soon = Utc::now() + Span::hours(20);
    let (_, late) = p.book(&server, &ana, slot(room, soon, 60)).await;
    let (status, cancelled) = p.step(&server, &ana, &late["id"], "cancel").await;
    assert_eq!((status, cancelled["cancellation_fee_cents"].as_i64()), (200, Some(2500)), "{cancelled}");
    let stored = server.app.store.booking(late["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!((stored.status.as_str(), stored.cancellation_fee_cents), ("cancelled", Some(2500)));
    let (status, fetched) =
        definite(p.http.get(server.at(&format!("/api/v1/bookings/{}", late["id"]))).bearer_auth(&ana)).await;
    assert_eq!((status, fetched["cancellation_fee_cents"].as_i64()), (200, Some(2500)));
    // The manager may cancel anyone's booking; a hold cancelled late costs nothing.
    let (_, held) = p.book(&server, &ben, with(slot(room, soon + Span::hours(2), 60), "hold", json!(true))).await;
    let (status, by_manager) = p.step(&server, &p.manager, &held["id"], "cancel").await;
    assert_eq!((status, by_manager["status"].as_str()), (200, Some("cancelled")));
    assert!(by_manager["cancellation_fee_cents"].is_null(), "{by_manager}");
    // The place cancelling a confirmed booking late (a closure, say) charges the booker nothing.
    let (_, confirmed) = p.book(&server, &ben, slot(room, soon + Span::hours(4), 60)).await;
    let (status, by_place) = p.step(&server, &p.manager, &confirmed["id"], "cancel").await;
    assert_eq!((status, by_place["status"].as_str()), (200, Some("cancelled")), "{by_place}");
    assert!(by_place["cancellation_fee_cents"].is_null(), "the fee is the booker's, not the place's: {by_place}");
    server.shutdown().await;
}
on_both_db!(cancelling_after_the_deadline_carries_the_late_fee, cancellation);

async fn check_in_and_no_show(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    let desks = p.resource(&server, json!({"kind": "room", "name": "Coworking", "parent_id": venue})).await;
    let released = p
        .resource(&server, json!({"kind": "desk", "name": "Poste 1", "parent_id": desks, "no_show_grace_minutes": 10}))
        .await;
    let kept = p
        .resource(&server, json!({"kind": "desk", "name": "Poste 2", "parent_id": desks, "no_show_grace_minutes": 10}))
        .await;
    let never = p.resource(&server, json!({"kind": "desk", "name": "Poste 3", "parent_id": desks})).await;
    let (_, ana) = person(&server, "ana@exemple.fr").await;
    let (_, ben) = person(&server, "ben@exemple.fr").await;
    let start = Utc::now() + Span::minutes(5);
    let (_, a) = p.book(&server, &ana, slot(released, start, 120)).await;
    let (_, b) = p.book(&server, &ana, slot(kept, start, 120)).await;
    let (_, c) = p.book(&server, &ana, slot(never, start, 120)).await;
    let (_, far) = p.book(&server, &ana, slot(kept, at(6, 9), 60)).await;

    // Check-in opens 15 minutes before the start; not days ahead, not by others.
    let (status, e) = p.step(&server, &ana, &far["id"], "check-in").await;
    assert_eq!((status, e["error"]["code"].as_str()), (409, Some("check_in_closed")), "{e}");
    assert!(e["error"]["details"]["opens_at"].is_string());
    assert_eq!(p.step(&server, &ben, &b["id"], "check-in").await.0, 403);
    let (status, checked) = p.step(&server, &ana, &b["id"], "check-in").await;
    assert_eq!(status, 200, "{checked}");
    assert!(checked["checked_in_at"].is_string());
    let (status, again) = p.step(&server, &p.manager, &b["id"], "check-in").await;
    assert_eq!(
        (status, &again["checked_in_at"]),
        (200, &checked["checked_in_at"]),
        "checking in twice keeps the first"
    );

    // Before the grace period ends nothing moves; after it, the booking not
    // checked in is a no-show and frees its slot; the checked-in one stays,
    // and so does the one on a resource without a grace period.
    let job = |minutes: i64| app::bookings::release_lapsed(&server.app, Utc::now() + Span::minutes(minutes));
    assert_eq!(job(10).await.unwrap(), (0, 0), "start + 10 minutes is not reached yet");
    assert_eq!(job(20).await.unwrap(), (0, 1));
    let store = &server.app.store;
    let status_of = |v: &Value| {
        let id = v["id"].as_i64().unwrap();
        async move { store.booking(id).await.unwrap().status }
    };
    assert_eq!(status_of(&a).await, "no_show");
    assert_eq!(status_of(&b).await, "confirmed");
    assert_eq!(status_of(&c).await, "confirmed");
    let (status, taken) = p.book(&server, &ben, slot(released, start + Span::minutes(30), 60)).await;
    assert_eq!(status, 201, "the rest of the no-show's slot is bookable: {taken}");
    assert_eq!(p.book(&server, &ben, slot(kept, start + Span::minutes(30), 60)).await.0, 409);
    assert_eq!(p.book(&server, &ben, slot(never, start + Span::minutes(30), 60)).await.0, 409);
    // A no-show cannot be checked in or cancelled any more.
    assert_eq!(p.step(&server, &ana, &a["id"], "check-in").await.1["error"]["code"], "booking_state");
    assert_eq!(p.step(&server, &ana, &a["id"], "cancel").await.1["error"]["code"], "booking_state");
    server.shutdown().await;
}
on_both_db!(no_shows_are_released_after_the_grace_period_and_checked_in_bookings_are_not, check_in_and_no_show);

async fn organisations_and_access_rules(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    testkit::atlas::import_shared(&server.app, "mairies", "mairies", "organisations/mairies-fr.csv", &["16"]).await;
    let organisation = server
        .app
        .store
        .atlas_records_page(
            store::atlas::RecordCursor {
                kind: Some(domain::atlas::RecordKind::Organisation),
                after_id: 0,
                live_only: true,
            },
            1,
        )
        .await
        .unwrap()[0]
        .id;
    let workshop = p.resource(&server, json!({"kind": "room", "name": "Atelier", "parent_id": venue})).await;
    let members_room =
        p.resource(&server, json!({"kind": "room", "name": "Salon", "parent_id": venue, "access": "members"})).await;
    let residents_room = p
        .resource(&server, json!({"kind": "room", "name": "Bureaux", "parent_id": venue, "access": "residents"}))
        .await;
    let laser = p
        .resource(
            &server,
            json!({"kind": "machine", "name": "Découpe laser", "parent_id": workshop, "training": "laser"}),
        )
        .await;
    let (ana_id, ana) = person(&server, "ana@exemple.fr").await;
    let (ben_id, ben) = person(&server, "ben@exemple.fr").await;

    // On behalf of an organisation: stored and returned; a place is not one.
    let (status, b) =
        p.book(&server, &ana, with(slot(workshop, at(3, 9), 60), "organisation_id", json!(organisation))).await;
    assert_eq!((status, b["organisation_id"].as_i64()), (201, Some(organisation)), "{b}");
    let stored = server.app.store.booking(b["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(stored.organisation_id, Some(organisation));
    for not_an_organisation in [json!(p.id), json!(999_999)] {
        let (status, e) =
            p.book(&server, &ana, with(slot(workshop, at(3, 11), 60), "organisation_id", not_an_organisation)).await;
        assert_eq!(status, 422, "{e}");
        assert!(e["error"]["details"]["organisation_id"].is_string(), "{e}");
    }

    // Members-only and residents-only rooms.
    let refused = |r: (u16, Value), code: &str, detail: &str, value: &str| {
        assert_eq!(r.0, 403, "{}", r.1);
        assert_eq!(r.1["error"]["code"], code, "{}", r.1);
        assert_eq!(r.1["error"]["details"][detail], value, "{}", r.1);
    };
    refused(p.book(&server, &ana, slot(members_room, at(3, 9), 60)).await, "access_restricted", "access", "members");
    let memberships = format!("/api/v1/places/{}/memberships", p.id);
    let (status, e) = p.post(&server, &ben, &memberships, json!({"user_id": ben_id, "role": "resident"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (403, Some("forbidden")), "not by oneself");
    let (status, m) = p
        .post(
            &server,
            &p.manager,
            &memberships,
            json!({"user_id": ana_id, "role": "member", "organisation_id": organisation}),
        )
        .await;
    assert_eq!((status, m["role"].as_str()), (201, Some("member")), "{m}");
    assert_eq!(p.book(&server, &ana, slot(members_room, at(3, 9), 60)).await.0, 201);
    refused(
        p.book(&server, &ana, slot(residents_room, at(3, 9), 60)).await,
        "access_restricted",
        "access",
        "residents",
    );
    let (status, _) = p.post(&server, &p.manager, &memberships, json!({"user_id": ben_id, "role": "resident"})).await;
    assert_eq!(status, 201);
    assert_eq!(p.book(&server, &ben, slot(residents_room, at(3, 9), 60)).await.0, 201);
    assert_eq!(p.book(&server, &ben, slot(members_room, at(3, 11), 60)).await.0, 201, "a resident is a member too");
    // A membership that ended no longer counts.
    let (ex_id, ex) = person(&server, "ancien@exemple.fr").await;
    let ended = json!({"user_id": ex_id, "role": "member", "starts_at": Utc::now() - Span::days(60), "ends_at": Utc::now() - Span::days(1)});
    assert_eq!(p.post(&server, &p.manager, &memberships, ended).await.0, 201);
    refused(p.book(&server, &ex, slot(members_room, at(3, 14), 60)).await, "access_restricted", "access", "members");

    // Someone booking a machine without its training; after it is granted, fine.
    refused(p.book(&server, &ana, slot(laser, at(4, 9), 60)).await, "training_required", "training", "laser");
    let trainings = format!("/api/v1/places/{}/trainings", p.id);
    assert_eq!(p.post(&server, &ana, &trainings, json!({"user_id": ana_id, "training": "laser"})).await.0, 403);
    let (status, t) = p.post(&server, &p.manager, &trainings, json!({"user_id": ana_id, "training": "laser"})).await;
    assert_eq!((status, t["training"].as_str()), (201, Some("laser")), "{t}");
    assert_eq!(
        p.post(&server, &p.manager, &trainings, json!({"user_id": ana_id, "training": "laser"})).await.0,
        201,
        "again: the same grant"
    );
    let (status, booked) = p.book(&server, &ana, slot(laser, at(4, 9), 60)).await;
    assert_eq!((status, booked["status"].as_str()), (201, Some("confirmed")), "{booked}");
    refused(p.book(&server, &ben, slot(laser, at(4, 11), 60)).await, "training_required", "training", "laser");
    // A series obeys the same rules.
    let (status, e) = definite(p.http.post(server.at("/api/v1/bookings/series")).bearer_auth(&ben).json(&json!({
        "resource_id": laser, "local_start": at(7, 9).format("%Y-%m-%dT%H:%M:%S").to_string(), "minutes": 60, "rrule": "FREQ=DAILY;COUNT=2"
    })))
    .await;
    assert_eq!((status, e["error"]["code"].as_str()), (403, Some("training_required")), "{e}");

    // Bad input on the manager's routes; an unknown role is refused with the body.
    let (status, e) = p.post(&server, &p.manager, &memberships, json!({"user_id": ben_id, "role": "owner"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_body")), "{e}");
    for (body, field) in [
        (json!({"user_id": 999_999, "role": "member"}), "user_id"),
        (json!({"user_id": ben_id, "role": "member", "organisation_id": p.id}), "organisation_id"),
        (json!({"user_id": ben_id, "role": "member", "starts_at": at(3, 0), "ends_at": at(2, 0)}), "ends_at"),
    ] {
        let (status, e) = p.post(&server, &p.manager, &memberships, body.clone()).await;
        assert_eq!(status, 422, "{body}: {e}");
        assert!(e["error"]["details"][field].is_string(), "{field}: {e}");
    }
    let (status, e) =
        p.post(&server, &p.manager, &trainings, json!({"user_id": ben_id, "training": "Laser cutter!"})).await;
    assert!(status == 422 && e["error"]["details"]["training"].is_string(), "{e}");
    let (status, _) = p
        .post(&server, &p.manager, "/api/v1/places/999999/trainings", json!({"user_id": ben_id, "training": "laser"}))
        .await;
    assert_eq!(status, 404);
    let (status, e) = p.post(&server, &p.manager, &trainings, json!({"user_id": "ben", "training": "laser"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_body")), "{e}");
    server.shutdown().await;
}
on_both_db!(organisations_members_residents_and_trainings_decide_who_books, organisations_and_access_rules);

async fn bad_input(db: &TestDb) {
    let server = TestServer::start(db).await;
    let (p, venue) = place(&server).await;
    let (_, ana) = person(&server, "ana@exemple.fr").await;
    // Resource settings are checked.
    for (body, field) in [
        (json!({"kind": "room", "name": "S", "parent_id": venue, "hold_minutes": 0}), "hold_minutes"),
        (
            json!({"kind": "room", "name": "S", "parent_id": venue, "late_cancel_fee_cents": -100}),
            "late_cancel_fee_cents",
        ),
        (
            json!({"kind": "room", "name": "S", "parent_id": venue, "cancel_deadline_hours": -1}),
            "cancel_deadline_hours",
        ),
        (
            json!({"kind": "room", "name": "S", "parent_id": venue, "no_show_grace_minutes": -5}),
            "no_show_grace_minutes",
        ),
        (json!({"kind": "room", "name": "S", "parent_id": venue, "access": "everyone"}), "access"),
        (json!({"kind": "room", "name": "S", "parent_id": venue, "training": "laser"}), "training"),
        (json!({"kind": "machine", "name": "S", "parent_id": venue, "training": "Découpe"}), "training"),
    ] {
        let (status, e) =
            p.post(&server, &p.manager, &format!("/api/v1/places/{}/resources", p.id), body.clone()).await;
        assert_eq!(status, 422, "{body}: {e}");
        assert!(e["error"]["details"][field].is_string(), "{field}: {e}");
    }
    let room = p.resource(&server, json!({"kind": "room", "name": "Salle", "parent_id": venue})).await;
    let (status, r) = definite(p.http.get(server.at(&format!("/api/v1/places/{}/resources", p.id)))).await;
    assert_eq!(status, 200);
    let listed = r["items"].as_array().unwrap().iter().find(|x| x["id"] == room).unwrap().clone();
    assert_eq!(
        (listed["hold_minutes"].as_i64(), listed["needs_approval"].as_bool(), listed["access"].as_str()),
        (Some(15), Some(false), Some("public")),
        "defaults: {listed}"
    );
    let venue_doc = r["items"].as_array().unwrap().iter().find(|x| x["id"] == venue).unwrap().clone();
    assert_eq!(venue_doc["needs_approval"], true, "a venue always needs approval");
    // Every step on an unknown booking is 404, a malformed id 400, no token 401.
    for step in ["confirm", "approve", "refuse", "cancel", "check-in"] {
        assert_eq!(p.step(&server, &ana, &json!(999_999), step).await.0, 404, "{step}");
        let (status, e) = p.step(&server, &ana, &json!("abc"), step).await;
        assert_eq!((status, e["error"]["code"].as_str()), (400, Some("invalid_path")), "{step}");
        let anonymous = p.http.post(server.at(&format!("/api/v1/bookings/1/{step}"))).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{step}");
    }
    let (status, e) = p.book(&server, &ana, with(slot(room, at(3, 9), 60), "hold", json!("yes"))).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_body")), "{e}");
    // Refused bookings leave nothing behind.
    assert!(
        server.app.store.blocking_bookings_of_tree(venue, 0, i64::MAX, store::now_micros()).await.unwrap().is_empty()
    );
    server.shutdown().await;
}
on_both_db!(lifecycle_routes_refuse_bad_input_clearly, bad_input);
