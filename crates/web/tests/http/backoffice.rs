//! The place manager's back office over HTTP, as a browser without
//! JavaScript uses it: who may open it, approving and refusing pending
//! bookings, checking in and cancelling from the dashboard, creating a
//! resource, a plan and an event, setting prices typed in euros, and the
//! attendees of an event with the waitlist in order. What each form did
//! is read back from the store, not from the page that answered.

use app::events::{EventInput, RegistrationInput, create_event, register};
use app::operations::{ResourceInput, create_resource};
use chrono::{DateTime, Duration, Utc};
use domain::accounts::Role;
use domain::policy::{Actor, UserActor};
use testkit::{TestServer, browser, csrf_token, signed_in_browser};

use crate::helpers::any_hour_input;
use crate::on_both;
use crate::operations::place_and_manager;

fn as_user(id: i64) -> Actor {
    Actor::User(UserActor { user_id: id, grants: Vec::new(), token_scopes: None })
}

async fn resource(server: &TestServer, place: i64, name: &str, needs_approval: bool) -> i64 {
    let input = ResourceInput {
        kind: "room".into(),
        name: name.into(),
        capacity: Some(8),
        needs_approval: Some(needs_approval),
        ..ResourceInput::default()
    };
    create_resource(&server.app, &Actor::System, place, &any_hour_input(input)).await.unwrap().id
}

/// A two-hour workshop at the place, tomorrow.
async fn workshop(server: &TestServer, place: i64, title: &str, capacity: i64) -> i64 {
    let input = EventInput {
        title: title.into(),
        kind: "workshop".into(),
        starts_at: Some(soon(60 * 24)),
        ends_at: Some(soon(60 * 26)),
        capacity,
        ..EventInput::default()
    };
    create_event(&server.app, &Actor::System, place, &input).await.unwrap().id
}

/// Now, rounded up to the next minute, plus `minutes`.
fn soon(minutes: i64) -> DateTime<Utc> {
    let now = Utc::now();
    let t = now - Duration::seconds(i64::from(chrono::Timelike::second(&now))) + Duration::minutes(1);
    t + Duration::minutes(minutes)
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str) -> (u16, String) {
    let r = client.get(server.at(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap().replace("&#39;", "'").replace("&#38;", "&"))
}

/// Posts a form; returns (status, location or body).
async fn post(client: &reqwest::Client, server: &TestServer, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = client.post(server.at(path)).form(fields).send().await.unwrap();
    let status = r.status().as_u16();
    let out = match r.headers().get("location") {
        Some(l) => l.to_str().unwrap().to_owned(),
        None => r.text().await.unwrap().replace("&#39;", "'"),
    };
    (status, out)
}

/// The manager's browser and a form token of the back office.
async fn manager(server: &TestServer, place: i64) -> (reqwest::Client, String) {
    let client = signed_in_browser(server, "gerant@exemple.fr").await;
    let (status, html) = get(&client, server, &format!("/lieux/{place}/gestion")).await;
    assert_eq!(status, 200);
    let token = csrf_token(&html);
    (client, token)
}

/// A place of the France Services file in La Réunion (UTC+4, no summer time).
async fn reunion_place(server: &TestServer) -> i64 {
    testkit::atlas::import_shared(
        &server.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["974"],
    )
    .await;
    let cursor =
        store::atlas::RecordCursor { kind: Some(domain::atlas::RecordKind::Place), after_id: 0, live_only: true };
    let places = server.app.store.atlas_records_page(cursor, 10_000).await.unwrap();
    places.iter().find(|p| p.commune_insee.as_deref().is_some_and(|c| c.starts_with("974"))).expect("a place").id
}

async fn who_may_enter(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let room = resource(server, place, "Salle Garonne", false).await;
    let event = workshop(server, place, "Atelier soudure", 4).await;
    let pages = [
        format!("/lieux/{place}/gestion"),
        format!("/lieux/{place}/gestion/ressources"),
        format!("/ressources/{room}/tarifs"),
        format!("/lieux/{place}/gestion/formules"),
        format!("/lieux/{place}/gestion/evenements"),
        format!("/evenements/{event}/inscrits"),
    ];
    let anonymous = browser();
    server.user("voisin@exemple.fr", &[]).await;
    let stranger = signed_in_browser(server, "voisin@exemple.fr").await;
    let manager = signed_in_browser(server, "gerant@exemple.fr").await;
    for path in &pages {
        let r = anonymous.get(server.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}: anonymous is sent to log in");
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{path}: {to}");
        let (status, html) = get(&stranger, server, path).await;
        assert_eq!(status, 403, "{path}: not the place's manager");
        assert!(html.contains("Vous n'avez pas accès à cette page."), "{path}");
        let (status, _) = get(&manager, server, path).await;
        assert_eq!(status, 200, "{path}: the manager");
    }
    // The stranger cannot post either, even with a token of their own.
    let (_, html) = get(&stranger, server, "/account").await;
    let token = csrf_token(&html);
    let (status, _) =
        post(&stranger, server, &format!("/lieux/{place}/gestion/ressources"), &[("csrf", &token), ("name", "X")])
            .await;
    assert_eq!(status, 403);
    assert_eq!(server.app.store.resources_of_place(place).await.unwrap().len(), 1, "nothing created");
    assert_eq!(get(&manager, server, "/lieux/999999/gestion").await.0, 404);

    // The place's record links to the back office for its manager only.
    let (_, record) = get(&manager, server, &format!("/atlas/{place}")).await;
    assert!(record.contains(&format!("href=\"/lieux/{place}/gestion\"")), "the manager sees the link");
    let (_, record) = get(&stranger, server, &format!("/atlas/{place}")).await;
    assert!(!record.contains("/gestion\""), "nobody else does");
    let (_, record) = get(&anonymous, server, &format!("/atlas/{place}")).await;
    assert!(!record.contains("/gestion\""));

    // The dashboard links to every part of the back office, in English too.
    let (_, html) = get(&manager, server, &format!("/lieux/{place}/gestion")).await;
    for link in ["/gestion/ressources", "/gestion/formules", "/gestion/evenements", "/recettes", "/factures"] {
        assert!(html.contains(&format!("href=\"/lieux/{place}{link}\"")), "{link}");
    }
    assert!(html.contains("À valider") && html.contains("À venir"));
    assert!(html.contains(&format!("href=\"/ressources/{room}/tarifs\"")), "each resource's prices");
    // Signed in, the language follows the switch (a cookie), not the browser's header.
    let r = manager.get(server.at(&format!("/lang/en?next=%2Flieux%2F{place}%2Fgestion"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, english) = get(&manager, server, &format!("/lieux/{place}/gestion")).await;
    assert!(english.contains("To approve") && english.contains("Coming up"));
}
on_both!(only_the_place_manager_opens_the_back_office, who_may_enter);

async fn approve_and_refuse(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let room = resource(server, place, "Salle sur validation", true).await;
    let booker = server.user("membre@exemple.fr", &[]).await;
    let actor = as_user(booker.id);
    let book = |h: i64| app::operations::book(&server.app, &actor, room, soon(h * 60), soon(h * 60 + 60), false);
    let first = book(48).await.unwrap();
    let second = book(50).await.unwrap();
    assert_eq!((first.status.as_str(), second.status.as_str()), ("pending", "pending"));

    let (client, token) = manager(server, place).await;
    let (_, html) = get(&client, server, &format!("/lieux/{place}/gestion")).await;
    let pending_at = html.find("À valider").unwrap();
    let upcoming_at = html.find("À venir").unwrap();
    for b in [&first, &second] {
        let at = html.find(&format!("id=\"booking-{}\"", b.id)).expect("the pending booking is listed");
        assert!(pending_at < at && at < upcoming_at, "under « À valider »");
    }
    assert!(html.contains("Salle sur validation") && html.contains("Personne Test"), "resource and booker named");
    let local = soon(48 * 60).with_timezone(&chrono_tz::Europe::Paris).format("%H:%M").to_string();
    assert!(html.contains(&local), "the local time {local} of the place");

    // Without the form token nothing happens.
    let approve = format!("/lieux/{place}/gestion/reservations/{}/approuver", first.id);
    let (status, _) = post(&client, server, &approve, &[]).await;
    assert_eq!(status, 403, "no token, no approval");
    assert_eq!(server.app.store.booking(first.id).await.unwrap().status, "pending");

    let (status, to) = post(&client, server, &approve, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_approved").as_str()));
    assert_eq!(server.app.store.booking(first.id).await.unwrap().status, "confirmed");
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("La réservation est validée."));
    let at = html.find(&format!("id=\"booking-{}\"", first.id)).unwrap();
    assert!(at > html.find("À venir").unwrap(), "now among the upcoming ones");

    let refuse = format!("/lieux/{place}/gestion/reservations/{}/refuser", second.id);
    let (status, to) = post(&client, server, &refuse, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_refused").as_str()));
    assert_eq!(server.app.store.booking(second.id).await.unwrap().status, "refused");
    let (_, html) = get(&client, server, &to).await;
    assert!(!html.contains(&format!("id=\"booking-{}\"", second.id)), "a refused booking leaves the dashboard");

    // Deciding again is a notice, not an error page.
    let (status, to) = post(&client, server, &refuse, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_state").as_str()));
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("Cette réservation a changé entre-temps"));
    assert_eq!(server.app.store.booking(second.id).await.unwrap().status, "refused");
    let (status, _) = post(
        &client,
        server,
        &format!("/lieux/{place}/gestion/reservations/{}/effacer", first.id),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(status, 404, "an unknown action");
}
on_both!(pending_bookings_are_approved_or_refused_from_the_dashboard, approve_and_refuse);

async fn check_in_and_cancel(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let room = resource(server, place, "Salle Vienne", false).await;
    let booker = server.user("client@exemple.fr", &[]).await;
    let actor = as_user(booker.id);
    // Starts within the quarter of an hour: check-in is open.
    let now_one = app::operations::book(&server.app, &actor, room, soon(5), soon(65), false).await.unwrap();
    // In three days: too early to check in, but it can be cancelled.
    let later = app::operations::book(&server.app, &actor, room, soon(3 * 24 * 60), soon(3 * 24 * 60 + 90), false)
        .await
        .unwrap();
    // In three weeks: beyond the dashboard's fortnight.
    let far = app::operations::book(&server.app, &actor, room, soon(21 * 24 * 60), soon(21 * 24 * 60 + 60), false)
        .await
        .unwrap();

    let (client, token) = manager(server, place).await;
    let (_, html) = get(&client, server, &format!("/lieux/{place}/gestion")).await;
    assert!(
        html.contains(&format!("id=\"booking-{}\"", now_one.id))
            && html.contains(&format!("id=\"booking-{}\"", later.id))
    );
    assert!(!html.contains(&format!("id=\"booking-{}\"", far.id)), "only the next 14 days");

    let check_in = |id: i64| format!("/lieux/{place}/gestion/reservations/{id}/arrivee");
    assert!(html.contains(&check_in(now_one.id)), "check-in is offered from a quarter of an hour before");
    let (status, to) = post(&client, server, &check_in(now_one.id), &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_checked_in").as_str()));
    assert!(server.app.store.booking(now_one.id).await.unwrap().checked_in_at.is_some());
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("Arrivée enregistrée"));
    assert!(!html.contains(&check_in(now_one.id)), "no second check-in button");

    assert!(!html.contains(&check_in(later.id)), "no check-in button before its window");
    assert!(html.contains("Arrivée à enregistrer à partir du"), "but when it opens");
    let (status, to) = post(&client, server, &check_in(later.id), &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_check_in_closed").as_str()));
    assert!(server.app.store.booking(later.id).await.unwrap().checked_in_at.is_none());
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("du quart d'heure avant le début"), "said as a notice");

    let cancel = format!("/lieux/{place}/gestion/reservations/{}/annuler", later.id);
    let (status, to) = post(&client, server, &cancel, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_cancelled").as_str()));
    assert_eq!(server.app.store.booking(later.id).await.unwrap().status, "cancelled");
    let (status, to) = post(&client, server, &cancel, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{place}/gestion?notice=bo_state").as_str()), "twice");
    let (_, html) = get(&client, server, &format!("/lieux/{place}/gestion")).await;
    assert!(!html.contains(&format!("id=\"booking-{}\"", later.id)));
}
on_both!(the_dashboard_checks_in_and_cancels_upcoming_bookings, check_in_and_cancel);

async fn resources_form(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let venue = {
        let input = ResourceInput { kind: "venue".into(), name: "Tout le lieu".into(), ..ResourceInput::default() };
        create_resource(&server.app, &Actor::System, place, &any_hour_input(input)).await.unwrap().id
    };
    let (client, token) = manager(server, place).await;
    let path = format!("/lieux/{place}/gestion/ressources");
    let (_, html) = get(&client, server, &path).await;
    assert!(html.contains("Tout le lieu") && html.contains(&format!("<option value=\"{venue}\"")));

    // A capacity is a number; a venue cannot sit under a venue.
    let venue_id = venue.to_string();
    let bad = [
        ("csrf", token.as_str()),
        ("name", "Poste 1"),
        ("kind", "desk"),
        ("parent_id", venue_id.as_str()),
        ("capacity", "douze"),
        ("min_minutes", "30"),
    ];
    let (status, html) = post(&client, server, &path, &bad).await;
    assert_eq!(status, 422);
    let error = html.find("id=\"f-capacity-error\"").expect("the message beside the capacity");
    assert!(
        html[error..].starts_with("id=\"f-capacity-error\">Saisissez un nombre entier"),
        "{}",
        &html[error..error + 80]
    );
    assert!(html.contains("value=\"Poste 1\""), "what was typed is kept");
    assert_eq!(server.app.store.resources_of_place(place).await.unwrap().len(), 1, "nothing created");

    let bad = [
        ("csrf", token.as_str()),
        ("name", "Poste 1"),
        ("kind", "venue"),
        ("parent_id", venue_id.as_str()),
        ("capacity", "1"),
        ("min_minutes", "30"),
        ("max_minutes", "10"),
    ];
    let (status, html) = post(&client, server, &path, &bad).await;
    assert_eq!(status, 422);
    let kind_error = html.find("id=\"f-kind-error\"").expect("the use case's message beside the kind");
    assert!(html[kind_error..].contains("a venue cannot sit under a venue"));
    assert!(html.contains("id=\"f-max_minutes-error\""), "and beside the longest booking");
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(server.app.store.resources_of_place(place).await.unwrap().len(), 1, "nothing created");

    let good = [
        ("csrf", token.as_str()),
        ("name", "Salle Charente"),
        ("kind", "room"),
        ("parent_id", venue_id.as_str()),
        ("capacity", "14"),
        ("min_minutes", "60"),
        ("max_minutes", "480"),
        ("opening_hours", "Mo-Fr 09:00-18:00"),
        ("needs_approval", "1"),
        ("access", "members"),
    ];
    let (status, to) = post(&client, server, &path, &good).await;
    assert_eq!((status, to.as_str()), (303, format!("{path}?notice=bo_resource_created").as_str()));
    let all = server.app.store.resources_of_place(place).await.unwrap();
    let room = all.iter().find(|r| r.name == "Salle Charente").expect("created");
    assert_eq!(
        (room.parent_id, room.kind.as_str(), room.capacity, room.min_minutes, room.max_minutes),
        (Some(venue), "room", Some(14), 60, Some(480))
    );
    assert!(room.needs_approval);
    assert_eq!((room.access.as_str(), room.opening_hours.as_deref()), ("members", Some("Mo-Fr 09:00-18:00")));
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("La ressource est ajoutée.") && html.contains("Salle Charente"));
    assert!(html.contains(&format!("href=\"/ressources/{}/tarifs\"", room.id)), "each resource links to its prices");
}
on_both!(the_resource_form_shows_field_errors_and_creates_nothing_until_valid, resources_form);

async fn tariffs_form(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let room = resource(server, place, "Salle Garonne", false).await;
    let (client, token) = manager(server, place).await;
    let path = format!("/ressources/{room}/tarifs");
    let (status, html) = get(&client, server, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Aucun tarif"));
    assert!(html.contains("name=\"price_5\"") && !html.contains("name=\"price_6\""), "six rows");

    let rows = |prices: [&'static str; 3]| -> Vec<(&'static str, String)> {
        let mut f = vec![("csrf", token.clone())];
        let set = [("public", "hour", "2000"), ("public", "day", "2000"), ("association", "hour", "550")];
        for (i, ((audience, unit, vat), price)) in set.iter().zip(prices).enumerate() {
            f.extend([
                (["audience_0", "audience_1", "audience_2"][i], (*audience).to_owned()),
                (["unit_0", "unit_1", "unit_2"][i], (*unit).to_owned()),
                (["price_0", "price_1", "price_2"][i], price.to_owned()),
                (["vat_0", "vat_1", "vat_2"][i], (*vat).to_owned()),
            ]);
        }
        for i in 3..6 {
            f.extend([
                (["audience_3", "audience_4", "audience_5"][i - 3], "public".to_owned()),
                (["unit_3", "unit_4", "unit_5"][i - 3], "hour".to_owned()),
                (["price_3", "price_4", "price_5"][i - 3], String::new()),
                (["vat_3", "vat_4", "vat_5"][i - 3], "2000".to_owned()),
            ]);
        }
        f
    };
    let send = |fields: Vec<(&'static str, String)>| client.post(server.at(&path)).form(&fields).send();

    let r = send(rows(["25", "150,50", "12.5"])).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("{path}?notice=bo_tariffs_saved").as_str());
    let mut stored: Vec<(String, String, i64, i64)> = server
        .app
        .store
        .tariffs(room)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.audience, t.unit, t.unit_cents, t.vat_bp))
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        vec![
            ("association".into(), "hour".into(), 1250, 550),
            ("public".into(), "day".into(), 15050, 2000),
            ("public".into(), "hour".into(), 2500, 2000),
        ],
        "euros typed with a comma or a point become cents; empty rows are ignored"
    );
    let (_, html) = get(&client, server, &format!("{path}?notice=bo_tariffs_saved")).await;
    assert!(html.contains("Les tarifs sont enregistrés.") && html.contains("150,50"), "shown back in euros");

    // A bad price is said beside its field and changes nothing.
    let r = send(rows(["25", "cent", "12.5"])).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let at = html.find("id=\"f-price_1-error\"").expect("beside the second price");
    assert!(html[at..].contains("Saisissez un montant en euros"));
    assert!(html.contains("value=\"cent\""), "what was typed is kept");
    let r = send(rows(["25", "-3", "12.5"])).await.unwrap();
    assert_eq!(r.status(), 422, "a negative price");
    // Two prices for the same audience and unit: the use case refuses, beside the second one.
    let mut dup = rows(["25", "30", "12.5"]);
    for (k, v) in &mut dup {
        if *k == "unit_1" {
            *v = "hour".into();
        }
    }
    let r = send(dup).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap().replace("&#39;", "'");
    let at = html.find("id=\"f-price_1-error\"").expect("beside the duplicate");
    assert!(html[at..].contains("ce public a déjà un prix pour cette unité"), "{}", &html[at..at + 160]);
    assert_eq!(server.app.store.tariffs(room).await.unwrap().len(), 3, "nothing changed");
    assert_eq!(
        server.app.store.tariffs(room).await.unwrap().iter().map(|t| t.unit_cents).sum::<i64>(),
        2500 + 15050 + 1250
    );
}
on_both!(the_tariff_form_turns_euros_into_cents_and_refuses_bad_prices, tariffs_form);

async fn plans_form(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let (client, token) = manager(server, place).await;
    let path = format!("/lieux/{place}/gestion/formules");
    let (_, html) = get(&client, server, &path).await;
    assert!(html.contains("Aucune formule"));
    let (status, html) = post(
        &client,
        server,
        &path,
        &[
            ("csrf", &token),
            ("kind", "membership"),
            ("name", ""),
            ("fee", "30"),
            ("vat", "2000"),
            ("credit_unit", "minutes"),
            ("credit", "600"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"f-name-error\">Ce champ est obligatoire."), "the name is required");
    let (status, html) = post(
        &client,
        server,
        &path,
        &[
            ("csrf", &token),
            ("kind", "pack"),
            ("name", "Carnet 10 h"),
            ("fee", "dix"),
            ("vat", "2000"),
            ("credit_unit", "minutes"),
            ("credit", "600"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"f-fee-error\">Saisissez un montant en euros"));
    assert!(server.app.store.plans_of_place(place).await.unwrap().is_empty(), "nothing created");

    let (status, to) = post(
        &client,
        server,
        &path,
        &[
            ("csrf", &token),
            ("kind", "membership"),
            ("name", "Résident nomade"),
            ("fee", "49,90"),
            ("vat", "2000"),
            ("credit_unit", "minutes"),
            ("credit", "600"),
        ],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, format!("{path}?notice=bo_plan_created").as_str()));
    let (status, _) = post(
        &client,
        server,
        &path,
        &[
            ("csrf", &token),
            ("kind", "pack"),
            ("name", "Carnet 50 €"),
            ("fee", "45"),
            ("vat", "2000"),
            ("credit_unit", "cents"),
            ("credit", "50"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let plans = server.app.store.plans_of_place(place).await.unwrap();
    let got: Vec<(&str, &str, i64, &str, i64)> = plans
        .iter()
        .map(|p| (p.kind.as_str(), p.name.as_str(), p.fee_cents, p.credit_unit.as_str(), p.credit_amount))
        .collect();
    assert_eq!(
        got,
        vec![("membership", "Résident nomade", 4990, "minutes", 600), ("pack", "Carnet 50 €", 4500, "cents", 5000)]
    );
    let (_, html) = get(&client, server, &to).await;
    assert!(html.contains("La formule est créée.") && html.contains("Résident nomade") && html.contains("49,90"));
}
on_both!(plans_are_created_from_the_back_office, plans_form);

async fn events_and_attendees(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let (client, token) = manager(server, place).await;
    let path = format!("/lieux/{place}/gestion/evenements");
    let day = (Utc::now().with_timezone(&chrono_tz::Europe::Paris) + Duration::days(10)).format("%Y-%m-%d").to_string();
    let form = |end_time: &'static str, price: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("title", "Atelier impression 3D".to_owned()),
            ("kind", "workshop".to_owned()),
            ("start_date", day.clone()),
            ("start_time", "14:00".to_owned()),
            ("end_date", day.clone()),
            ("end_time", end_time.to_owned()),
            ("capacity", "1".to_owned()),
            ("min_age", String::new()),
            ("max_age", String::new()),
            ("description", "Venez découvrir.".to_owned()),
            ("cat_name_0", "Plein tarif".to_owned()),
            ("cat_price_0", price.to_owned()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| client.post(server.at(&path)).form(&f).send();
    let r = send(form("12:00", "10")).await.unwrap();
    assert_eq!(r.status(), 422, "the end before the start");
    assert!(r.text().await.unwrap().contains("id=\"f-end_date-error\""));
    let r = send(form("17:00", "dix")).await.unwrap();
    assert_eq!(r.status(), 422, "a bad price");
    assert!(r.text().await.unwrap().contains("id=\"f-cat_price_0-error\">Saisissez un montant en euros"));
    assert!(server.app.store.events_of_place(place, 0).await.unwrap().is_empty(), "nothing created");

    let r = send(form("17:00", "10")).await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("{path}?notice=bo_event_created").as_str());
    let events = server.app.store.events_of_place(place, 0).await.unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!((event.title.as_str(), event.kind.as_str(), event.capacity), ("Atelier impression 3D", "workshop", 1));
    let local = store::from_micros(event.starts_at).with_timezone(&chrono_tz::Europe::Paris);
    assert_eq!(local.format("%Y-%m-%d %H:%M").to_string(), format!("{day} 14:00"), "local time of the place");
    assert_eq!(event.ends_at - event.starts_at, 3 * 3_600_000_000);
    let categories = server.app.store.ticket_categories(event.id).await.unwrap();
    assert_eq!(
        categories.iter().map(|c| (c.name.as_str(), c.price_cents)).collect::<Vec<_>>(),
        vec![("Plein tarif", 1000)]
    );

    // One seat, four people: one confirmed, three waiting in the order they came.
    for (i, name) in ["Alice", "Bruno", "Chloé", "Dimitri"].iter().enumerate() {
        let u = server.user(&format!("p{i}@exemple.fr"), &[]).await;
        let input = RegistrationInput { participant: Some((*name).into()), ..RegistrationInput::default() };
        register(&server.app, &as_user(u.id), event.id, &input, "Personne Test").await.unwrap();
    }
    let (_, list) = get(&client, server, &path).await;
    assert!(list.contains("Atelier impression 3D") && list.contains(&format!("/evenements/{}/inscrits", event.id)));
    assert!(list.contains("1 places prises sur 1"));

    let (status, html) = get(&client, server, &format!("/evenements/{}/inscrits", event.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("1 places prises sur 1 ; 3 en liste d'attente."), "the counts");
    let confirmed = html.find("Inscriptions confirmées (1)").expect("confirmed section");
    let waitlist = html.find("Liste d'attente (3)").expect("waitlist section");
    assert!(confirmed < html.find("Alice").unwrap() && html.find("Alice").unwrap() < waitlist);
    let (b, c, d) = (html.rfind("Bruno").unwrap(), html.rfind("Chloé").unwrap(), html.rfind("Dimitri").unwrap());
    assert!(waitlist < b && b < c && c < d, "the waitlist in order of arrival");
    assert!(html[waitlist..b].contains("n° 1") && html[b..c].contains("n° 2") && html[c..d].contains("n° 3"));
    assert!(html.contains("Plein tarif"), "the category and its seats");
}
on_both!(events_are_created_and_their_attendees_listed_with_the_waitlist_in_order, events_and_attendees);

async fn another_places_booking(server: &TestServer) {
    let (here, _) = place_and_manager(server).await;
    let there = reunion_place(server).await;
    server.user("deux-lieux@exemple.fr", &[(Role::PlaceManager, Some(here)), (Role::PlaceManager, Some(there))]).await;
    let room = resource(server, there, "Salle Cilaos", true).await;
    let booker = server.user("membre@exemple.fr", &[]).await;
    let pending = app::operations::book(&server.app, &as_user(booker.id), room, soon(48 * 60), soon(49 * 60), false)
        .await
        .unwrap();
    assert_eq!(pending.status, "pending");

    let client = signed_in_browser(server, "deux-lieux@exemple.fr").await;
    let (_, html) = get(&client, server, "/account").await;
    let token = csrf_token(&html);
    for action in ["approuver", "refuser", "arrivee", "annuler"] {
        let path = format!("/lieux/{here}/gestion/reservations/{}/{action}", pending.id);
        let (status, _) = post(&client, server, &path, &[("csrf", &token)]).await;
        assert_eq!(status, 404, "{action}: the booking is another place's, though this manager manages both");
    }
    let b = server.app.store.booking(pending.id).await.unwrap();
    assert_eq!((b.status.as_str(), b.cancelled_at), ("pending", None), "nothing was done");

    // From its own place's back office, the same manager approves it.
    let path = format!("/lieux/{there}/gestion/reservations/{}/approuver", pending.id);
    let (status, to) = post(&client, server, &path, &[("csrf", &token)]).await;
    assert_eq!((status, to.as_str()), (303, format!("/lieux/{there}/gestion?notice=bo_approved").as_str()));
    assert_eq!(server.app.store.booking(pending.id).await.unwrap().status, "confirmed");
}
on_both!(a_booking_of_another_place_is_not_found_in_this_back_office, another_places_booking);

async fn attendees_in_the_place_zone(server: &TestServer) {
    let place = reunion_place(server).await;
    server.user("gerant@exemple.fr", &[(Role::PlaceManager, Some(place))]).await;
    let event = workshop(server, place, "Atelier vanille", 1).await;
    for (i, name) in ["Alice", "Bruno"].iter().enumerate() {
        let u = server.user(&format!("p{i}@exemple.fr"), &[]).await;
        let input = RegistrationInput { participant: Some((*name).into()), ..RegistrationInput::default() };
        register(&server.app, &as_user(u.id), event, &input, "Personne Test").await.unwrap();
    }
    let client = signed_in_browser(server, "gerant@exemple.fr").await;
    let (status, html) = get(&client, server, &format!("/evenements/{event}/inscrits")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Indian/Reunion"), "the page names the zone of its times");
    for r in server.app.store.registrations_of(event).await.unwrap() {
        let at = store::from_micros(r.created_at);
        let shown = |tz: chrono_tz::Tz| at.with_timezone(&tz).format("%Y, %H:%M</span>").to_string();
        assert!(html.contains(&shown(chrono_tz::Indian::Reunion)), "{}: in Réunion time", r.participant);
        assert!(!html.contains(&shown(chrono_tz::Europe::Paris)), "{}: not in Paris time", r.participant);
    }
}
on_both!(attendees_are_listed_with_times_in_the_place_zone, attendees_in_the_place_zone);
