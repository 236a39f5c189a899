//! What a resource offers and when it can be booked, over HTTP: equipment
//! and photos, opening hours inherited from above (the resource above it,
//! else the place), closures that shut a resource and what is below it,
//! and a training event whose attendance lets a person book the machine.

use app::events::{EventInput, RegistrationInput, create_event, register};
use app::programmes::{SessionInput, mark_attendance};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::accounts::{Role, TokenScope};
use domain::policy::{Actor, UserActor};
use serde_json::{Value, json};
use testkit::TestServer;

use crate::helpers::definite;
use crate::on_both;
use crate::operations::first_place;

struct Team {
    place: i64,
    manager: String,
    person: String,
    person_id: i64,
    http: reqwest::Client,
}

async fn team(server: &TestServer) -> Team {
    let place = first_place(server).await;
    let manager = server.user("gerante@exemple.fr", &[(Role::PlaceManager, Some(place))]).await;
    let manager = server.token(manager.id, &[TokenScope::AtlasWrite, TokenScope::Bookings]).await;
    let person = server.user("usager@exemple.fr", &[]).await;
    let person_id = person.id;
    let person = server.token(person.id, &[TokenScope::Bookings]).await;
    Team { place, manager, person, person_id, http: reqwest::Client::new() }
}

impl Team {
    async fn call(
        &self,
        method: reqwest::Method,
        server: &TestServer,
        token: &str,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let request = self.http.request(method, server.at(path)).bearer_auth(token);
        let request = if body.is_null() { request } else { request.json(&body) };
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, server: &TestServer, token: &str, path: &str, body: Value) -> (u16, Value) {
        definite(self.http.post(server.at(path)).bearer_auth(token).json(&body)).await
    }

    async fn resource(&self, server: &TestServer, body: Value) -> Value {
        let (status, r) =
            self.post(server, &self.manager, &format!("/api/v1/places/{}/resources", self.place), body).await;
        assert_eq!(status, 201, "{r}");
        r
    }

    async fn book(&self, server: &TestServer, resource: i64, start: DateTime<Utc>, minutes: i64) -> (u16, Value) {
        let body = json!({"resource_id": resource, "starts_at": start, "ends_at": start + Duration::minutes(minutes)});
        self.post(server, &self.person, "/api/v1/bookings", body).await
    }
}

/// `days` ahead at `hour`:00 in Paris, where the test place is.
fn paris(days: i64, hour: u32) -> DateTime<Utc> {
    let day = Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + Duration::days(days);
    domain::operations::local_to_utc(
        day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap()),
        chrono_tz::Europe::Paris,
    )
    .unwrap()
}

async fn equipment_and_photos(server: &TestServer) {
    let t = team(server).await;
    let room = t
        .resource(
            server,
            json!({"kind": "room", "name": "Salle Charente", "opening_hours": "24/7",
                   "equipment": ["Vidéoprojecteur", "  Tableau blanc  ", ""],
                   "photos": ["https://exemple.fr/salle.jpg"]}),
        )
        .await;
    assert_eq!(room["equipment"], json!(["Vidéoprojecteur", "Tableau blanc"]), "trimmed, empty labels dropped");
    assert_eq!(room["photos"], json!(["https://exemple.fr/salle.jpg"]));
    let listed = t.http.get(server.at(&format!("/api/v1/places/{}/resources", t.place))).send().await.unwrap();
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["items"][0]["equipment"][1], "Tableau blanc", "read back from the database");

    let path = format!("/api/v1/places/{}/resources", t.place);
    for (body, field) in [
        (json!({"kind": "room", "name": "S", "photos": ["http://exemple.fr/en-clair.jpg"]}), "photos"),
        (json!({"kind": "room", "name": "S", "photos": ["pas une adresse"]}), "photos"),
        (json!({"kind": "room", "name": "S", "equipment": ["x".repeat(61)]}), "equipment"),
        (json!({"kind": "room", "name": "S", "equipment": vec!["écran"; 31]}), "equipment"),
    ] {
        let (status, e) = t.post(server, &t.manager, &path, body.clone()).await;
        assert!(status == 422 && e["error"]["details"][field].is_string(), "{body} → {status} {e}");
    }
    let (status, e) =
        t.post(server, &t.manager, &path, json!({"kind": "room", "name": "S", "equipment": "écran"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (422, Some("invalid_body")), "a list, not a word: {e}");
    let count = server.app.store.resources_of_place(t.place).await.unwrap().len();
    assert_eq!(count, 1, "refusals stored nothing");
}
on_both!(resources_carry_equipment_and_https_photos, equipment_and_photos);

async fn inherited_hours(server: &TestServer) {
    let t = team(server).await;
    let place = server.app.store.atlas_record(t.place).await.unwrap();
    let place_hours = place.text("opening_hours").expect("the France Services file gives hours").to_owned();
    // Without hours of its own, a venue takes the place's; at 03:00 every place is shut.
    let venue = t.resource(server, json!({"kind": "venue", "name": "Tout le lieu"})).await["id"].as_i64().unwrap();
    let (status, e) = t.book(server, venue, paris(3, 3), 60).await;
    assert_eq!(status, 422, "{e}");
    let why = e["error"]["details"]["starts_at"].as_str().unwrap();
    assert!(why.contains("outside the opening hours") && why.contains(&place_hours), "{why}");

    // A room with hours of its own: those; a desk under it: the room's.
    let room = t
        .resource(
            server,
            json!({"kind": "room", "name": "Salle de nuit", "parent_id": venue, "opening_hours": "Mo-Su 00:00-06:00"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let desk =
        t.resource(server, json!({"kind": "desk", "name": "Poste", "parent_id": room})).await["id"].as_i64().unwrap();
    let (status, e) = t.book(server, desk, paris(3, 3), 60).await;
    assert_eq!(status, 201, "the desk inherits the room's night hours: {e}");
    let (status, e) = t.book(server, desk, paris(3, 10), 60).await;
    assert!(status == 422 && e["error"]["details"]["starts_at"].as_str().unwrap().contains("00:00-06:00"), "{e}");

    // The booking form names the hours that apply.
    let client = testkit::browser();
    let form = client.get(server.at(&format!("/ressources/{desk}/reserver"))).send().await.unwrap();
    assert_eq!(form.status(), 303, "sign-in first");
    server.user("formulaire@exemple.fr", &[]).await;
    let client = testkit::signed_in_browser(server, "formulaire@exemple.fr").await;
    let html =
        client.get(server.at(&format!("/ressources/{desk}/reserver"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Horaires de réservation : Mo-Su 00:00-06:00"), "the inherited hours are shown");
}
on_both!(opening_hours_come_from_the_resource_above_else_the_place, inherited_hours);

async fn closures(server: &TestServer) {
    let t = team(server).await;
    let venue = t.resource(server, json!({"kind": "venue", "name": "Tout le lieu", "opening_hours": "24/7"})).await;
    let venue = venue["id"].as_i64().unwrap();
    let room = t.resource(server, json!({"kind": "room", "name": "Salle Vienne", "parent_id": venue})).await;
    let room = room["id"].as_i64().unwrap();
    let desk = t.resource(server, json!({"kind": "desk", "name": "Poste 2", "parent_id": room})).await;
    let desk = desk["id"].as_i64().unwrap();
    let (status, before) = t.book(server, desk, paris(5, 9), 60).await;
    assert_eq!(status, 201, "{before}");

    let path = format!("/api/v1/resources/{room}/closures");
    let works = json!({"starts_at": paris(5, 0), "ends_at": paris(6, 0), "reason": "Travaux de peinture"});
    let (status, e) = t.post(server, &t.person, &path, works.clone()).await;
    assert_eq!(status, 403, "only the place's team closes: {e}");
    for (body, field) in [
        (json!({"starts_at": paris(6, 0), "ends_at": paris(5, 0)}), "ends_at"),
        (json!({"starts_at": paris(5, 0), "ends_at": paris(6, 0), "reason": "x".repeat(201)}), "reason"),
    ] {
        let (status, e) = t.post(server, &t.manager, &path, body).await;
        assert!(status == 422 && e["error"]["details"][field].is_string(), "{e}");
    }
    let (status, created) = t.post(server, &t.manager, &path, works).await;
    assert_eq!(status, 201, "{created}");
    let affected: Vec<i64> =
        created["affected_bookings"].as_array().unwrap().iter().map(|b| b["id"].as_i64().unwrap()).collect();
    assert_eq!(affected, vec![before["id"].as_i64().unwrap()], "the booking made before is reported, not removed");
    assert_eq!(server.app.store.booking(affected[0]).await.unwrap().status, "confirmed");

    // The room and the desk below it are shut; the venue above is not.
    for resource in [room, desk] {
        let (status, e) = t.book(server, resource, paris(5, 14), 60).await;
        assert_eq!(status, 409, "{e}");
        let closure = &e["error"]["details"]["closure"];
        assert_eq!(
            (closure["resource_id"].as_i64(), closure["reason"].as_str()),
            (Some(room), Some("Travaux de peinture"))
        );
    }
    let (status, e) = t.book(server, desk, paris(6, 9), 60).await;
    assert_eq!(status, 201, "the day after is open: {e}");
    let (status, e) = t.book(server, venue, paris(5, 20), 60).await;
    assert_eq!(status, 201, "a closed room does not shut the venue above it: {e}");
    // A series reports the closed occurrence and books the others.
    let series = json!({"resource_id": desk, "local_start": format!("{}T11:00:00", paris(4, 12).with_timezone(&chrono_tz::Europe::Paris).date_naive()),
                        "minutes": 60, "rrule": "FREQ=DAILY;COUNT=3"});
    let (status, s) = t.post(server, &t.person, "/api/v1/bookings/series", series).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!((s["booked"].as_array().unwrap().len(), s["refused"].as_array().unwrap().len()), (2, 1), "{s}");
    assert!(s["refused"][0]["reason"].as_str().unwrap().contains("closed"), "{s}");

    // Everyone sees the closure: in the availability and on the calendar.
    // In UTC with a Z: a `+` in a query would read as a space.
    let z = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let window = format!("/api/v1/resources/{desk}/bookings?from={}&to={}", z(paris(5, 0)), z(paris(6, 0)));
    let availability: Value = t.http.get(server.at(&window)).send().await.unwrap().json().await.unwrap();
    assert_eq!(availability["closed"][0]["reason"], "Travaux de peinture", "{availability}");
    let day = paris(5, 12).with_timezone(&chrono_tz::Europe::Paris).date_naive();
    let calendar = testkit::browser()
        .get(server.at(&format!("/ressources/{desk}/calendrier?vue=jour&date={day}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(calendar.contains("Fermé : Travaux de peinture"), "the calendar says why");
    assert!(!calendar.contains(&format!("reserver?debut={day}T14:00")), "a closed hour is not offered");

    // Reopened: bookable again; reopening twice is a 404.
    let closure = format!("/api/v1/closures/{}", created["closure"]["id"]);
    assert_eq!(t.call(reqwest::Method::DELETE, server, &t.person, &closure, Value::Null).await.0, 403);
    assert_eq!(t.call(reqwest::Method::DELETE, server, &t.manager, &closure, Value::Null).await.0, 204);
    assert_eq!(t.call(reqwest::Method::DELETE, server, &t.manager, &closure, Value::Null).await.0, 404);
    let (status, e) = t.book(server, room, paris(5, 14), 60).await;
    assert_eq!(status, 201, "{e}");
}
on_both!(closures_shut_a_resource_and_what_is_below_it, closures);

async fn training_event(server: &TestServer) {
    let t = team(server).await;
    let venue = t.resource(server, json!({"kind": "venue", "name": "Fablab", "opening_hours": "24/7"})).await;
    let workshop = t.resource(server, json!({"kind": "room", "name": "Atelier", "parent_id": venue["id"]})).await["id"]
        .as_i64()
        .unwrap();
    let laser = t
        .resource(
            server,
            json!({"kind": "machine", "name": "Découpeuse laser", "parent_id": workshop, "training": "laser"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, e) = t.book(server, laser, paris(20, 10), 60).await;
    assert_eq!((status, e["error"]["code"].as_str()), (403, Some("training_required")), "{e}");

    let session =
        |days: i64| SessionInput { title: None, starts_at: Some(paris(days, 9)), ends_at: Some(paris(days, 12)) };
    let input = EventInput {
        title: "Formation découpe laser".into(),
        kind: "training".into(),
        capacity: 8,
        sessions: vec![session(7), session(8)],
        grants_training: Some("laser".into()),
        ..EventInput::default()
    };
    let event = create_event(&server.app, &Actor::System, t.place, &input).await.unwrap();
    assert_eq!(event.grants_training.as_deref(), Some("laser"));
    let bad = EventInput { grants_training: Some("Découpe laser !".into()), ..input.clone() };
    let Err(app::AppError::Invalid(fields)) = create_event(&server.app, &Actor::System, t.place, &bad).await else {
        panic!("a malformed training code is refused")
    };
    assert!(fields.0.iter().any(|(f, _)| *f == "grants_training"));

    let as_user = |user_id| Actor::User(UserActor { user_id, grants: Vec::new(), token_scopes: None });
    // Registered under their account's name, as the event page does.
    let name = server.app.store.user(t.person_id).await.unwrap().display_name;
    let reg =
        register(&server.app, &as_user(t.person_id), event.id, &RegistrationInput::default(), &name).await.unwrap();
    let sessions = server.app.store.event_sessions(event.id).await.unwrap();
    // Present at the first session only: not trained yet.
    mark_attendance(&server.app, &Actor::System, reg.registration.id, sessions[0].id, true).await.unwrap();
    let (status, _) = t.book(server, laser, paris(20, 10), 60).await;
    assert_eq!(status, 403, "half the training is no training");
    mark_attendance(&server.app, &Actor::System, reg.registration.id, sessions[1].id, true).await.unwrap();
    let (status, e) = t.book(server, laser, paris(20, 10), 60).await;
    assert_eq!(status, 201, "every session attended grants the training: {e}");
    assert!(server.app.store.holds_training(t.person_id, t.place, "laser").await.unwrap());

    // A parent registers their child: the child attends, the parent's account gains nothing.
    let parent = server.user("parent@exemple.fr", &[]).await;
    let child = RegistrationInput { participant: Some("Camille".into()), ..RegistrationInput::default() };
    let reg = register(&server.app, &as_user(parent.id), event.id, &child, &parent.display_name).await.unwrap();
    for s in &sessions {
        mark_attendance(&server.app, &Actor::System, reg.registration.id, s.id, true).await.unwrap();
    }
    assert!(!server.app.store.holds_training(parent.id, t.place, "laser").await.unwrap());
}
on_both!(attending_a_training_event_lets_a_person_book_its_machine, training_event);

async fn back_office_closures(server: &TestServer) {
    let t = team(server).await;
    let venue = t.resource(server, json!({"kind": "venue", "name": "Tout le lieu", "opening_hours": "24/7"})).await;
    let room = t.resource(server, json!({"kind": "room", "name": "Salle Vienne", "parent_id": venue["id"]})).await;
    let room = room["id"].as_i64().unwrap();
    let page = format!("/lieux/{}/gestion/fermetures", t.place);
    server.user("gerant-fermetures@exemple.fr", &[(Role::PlaceManager, Some(t.place))]).await;
    let manager = testkit::signed_in_browser(server, "gerant-fermetures@exemple.fr").await;
    let html = manager.get(server.at(&page)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Aucune fermeture prévue.") && html.contains("Salle Vienne"));
    let csrf = testkit::csrf_token(&html);
    let day = (Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + Duration::days(9)).to_string();

    let post = |fields: Vec<(&'static str, String)>| manager.post(server.at(&page)).form(&fields).send();
    let r = post(vec![("csrf", csrf.clone()), ("resource_id", room.to_string()), ("first_day", "le 9".into())]).await;
    let r = r.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html[html.find("id=\"f-first_day-error\"").expect("beside the field")..].contains("AAAA-MM-JJ"));
    let before = (Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + Duration::days(8)).to_string();
    // The last date chrono knows: the day after it would overflow.
    for last in [before.as_str(), "+262142-12-31"] {
        let fields = vec![
            ("csrf", csrf.clone()),
            ("resource_id", room.to_string()),
            // The day in Paris, as `before`: near midnight the UTC date is the day before.
            ("first_day", day.clone()),
            ("last_day", last.to_owned()),
        ];
        let r = post(fields).await.unwrap();
        assert_eq!(r.status(), 422, "{last}: {}", r.status());
        let html = r.text().await.unwrap();
        let at = html.find("id=\"f-last_day-error\"").unwrap_or_else(|| panic!("beside the last day: {last}"));
        assert!(html[at..].contains("Le dernier jour ne peut précéder le premier."), "{last}");
    }
    let r = post(vec![
        ("csrf", csrf.clone()),
        ("resource_id", room.to_string()),
        ("first_day", day.clone()),
        ("reason", "Inventaire".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("{page}?notice=bo_closed").as_str());
    let (status, e) = t.book(server, room, paris(9, 10), 60).await;
    assert_eq!((status, e["error"]["details"]["closure"]["reason"].as_str()), (409, Some("Inventaire")), "{e}");
    let (status, _) = t.book(server, room, paris(10, 0), 60).await;
    assert_eq!(status, 201, "the closure ends at the midnight after its last day");

    let html = manager.get(server.at(&page)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Inventaire"));
    let closure = server.app.store.closures_of_tree(venue["id"].as_i64().unwrap(), 0, i64::MAX).await.unwrap()[0].id;
    let reopen = format!("{page}/{closure}/supprimer");
    // Someone else's form, and a form without its token, change nothing.
    server.user("curieux@exemple.fr", &[]).await;
    let other = testkit::signed_in_browser(server, "curieux@exemple.fr").await;
    let other_html = other.get(server.at("/account")).send().await.unwrap().text().await.unwrap();
    let other_csrf = testkit::csrf_token(&other_html);
    assert_eq!(
        other.post(server.at(&reopen)).form(&[("csrf", other_csrf.as_str())]).send().await.unwrap().status(),
        403
    );
    assert_eq!(manager.post(server.at(&reopen)).form(&[("x", "y")]).send().await.unwrap().status(), 403);
    assert_eq!(server.app.store.closure(closure).await.unwrap().reason, "Inventaire", "still there");
    let r = manager.post(server.at(&reopen)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.headers()["location"], format!("{page}?notice=bo_reopened").as_str());
    let (status, e) = t.book(server, room, paris(9, 10), 60).await;
    assert_eq!(status, 201, "reopened: {e}");
}
on_both!(the_back_office_closes_a_space_for_whole_days_and_reopens_it, back_office_closures);
