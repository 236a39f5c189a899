//! Booking pages over HTTP, as a browser without JavaScript uses them: a
//! place's resource tree, a resource's calendar (busy up and down the tree,
//! the booker named only to managers), the booking form (CSRF, sign-in,
//! conflict shown beside the field) and "my bookings and registrations".

use app::operations::{ResourceInput, create_resource};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::policy::{Actor, UserActor};
use testkit::{TestServer, browser, csrf_token, signed_in_browser};

use crate::helpers::any_hour_input;
use crate::on_both;
use crate::operations::place_and_manager;

struct Tree {
    venue: i64,
    room: i64,
    other_room: i64,
    desk: i64,
}

async fn resource(server: &TestServer, place: i64, parent: Option<i64>, kind: &str, name: &str, cap: i64) -> i64 {
    let input = ResourceInput {
        parent_id: parent,
        kind: kind.into(),
        name: name.into(),
        capacity: Some(cap),
        ..ResourceInput::default()
    };
    create_resource(&server.app, &Actor::System, place, &any_hour_input(input)).await.unwrap().id
}

async fn tree(server: &TestServer) -> Tree {
    let (place, _) = place_and_manager(server).await;
    let venue = resource(server, place, None, "venue", "Tout le lieu", 80).await;
    let room = resource(server, place, Some(venue), "room", "Salle Garonne", 12).await;
    let other_room = resource(server, place, Some(venue), "room", "Salle Vienne", 6).await;
    let desk = resource(server, place, Some(room), "desk", "Poste 1", 1).await;
    Tree { venue, room, other_room, desk }
}

/// A day a few days ahead, in Paris (where the test places are).
fn day() -> NaiveDate {
    Utc::now().with_timezone(&chrono_tz::Europe::Paris).date_naive() + Duration::days(3)
}

fn paris(d: NaiveDate, h: u32) -> DateTime<Utc> {
    domain::operations::local_to_utc(d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()), chrono_tz::Europe::Paris)
        .unwrap()
}

fn as_user(id: i64) -> Actor {
    Actor::User(UserActor { user_id: id, grants: Vec::new(), token_scopes: None })
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str) -> (u16, String) {
    let r = client.get(server.at(path)).send().await.unwrap();
    (r.status().as_u16(), unescape(&r.text().await.unwrap()))
}

/// The page's text with the entities askama writes for `'` and `&` read back.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'").replace("&#38;", "&").replace("&amp;", "&")
}

async fn resources_page(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let anonymous = browser();
    let (_, record) = get(&anonymous, server, &format!("/atlas/{place}")).await;
    assert!(!record.contains("/reservations"), "no booking link for a place without resources");

    let venue = resource(server, place, None, "venue", "Tout le lieu", 80).await;
    let room = resource(server, place, Some(venue), "room", "Salle Garonne", 12).await;
    let desk = resource(server, place, Some(room), "desk", "Poste 1", 1).await;
    let machine = resource(server, place, Some(room), "machine", "Imprimante 3D", 1).await;
    let (_, record) = get(&anonymous, server, &format!("/atlas/{place}")).await;
    assert!(record.contains(&format!("href=\"/lieux/{place}/reservations\"")), "the place page links to its resources");

    let (status, html) = get(&anonymous, server, &format!("/lieux/{place}/reservations")).await;
    assert_eq!(status, 200);
    for id in [venue, room, desk, machine] {
        assert!(html.contains(&format!("href=\"/ressources/{id}/calendrier\"")), "a calendar link for {id}");
    }
    assert!(html.contains("Salle Garonne") && html.contains("12 personnes") && html.contains("Poste de travail"));
    // Nested as a tree: the desk and the machine sit in a list inside the room's item.
    let (room_at, desk_at, machine_at) =
        (html.find("Salle Garonne").unwrap(), html.find("Poste 1").unwrap(), html.find("Imprimante 3D").unwrap());
    assert!(room_at < desk_at && desk_at < machine_at);
    assert_eq!(html[room_at..desk_at].matches("<ul>").count(), 1, "the room opens a nested list");
    assert_eq!(html.matches("<ul").count(), html.matches("</ul>").count(), "lists are balanced");

    let english = anonymous
        .get(server.at(&format!("/lieux/{place}/reservations")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("12 people") && english.contains("Calendar and booking"));
    assert_eq!(get(&anonymous, server, "/lieux/999999/reservations").await.0, 404);
}
on_both!(the_resources_page_shows_the_tree_and_the_place_links_to_it, resources_page);

async fn calendar(server: &TestServer) {
    let t = tree(server).await;
    let booker = server.user("reserve@exemple.fr", &[]).await;
    let d = day();
    // The whole venue is privatised from 10:00 to 12:00 (local time).
    app::operations::book(&server.app, &as_user(booker.id), t.venue, paris(d, 10), paris(d, 12), false).await.unwrap();
    let date = d.format("%Y-%m-%d").to_string();

    let anonymous = browser();
    let (status, html) =
        get(&anonymous, server, &format!("/ressources/{}/calendrier?vue=jour&date={date}", t.desk)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Occupé par « Tout le lieu »"), "the venue's booking blocks the desk below it");
    assert!(html.contains("10:00") && html.contains("Europe/Paris"), "local times, zone named");
    assert!(!html.contains("réservé par") && !html.contains("Personne Test"), "no booker named to a visitor");
    let free = format!("/ressources/{}/reserver?debut={date}T14:00&fin={date}T15:00", t.desk);
    let sample = html.find("reserver?debut=").and_then(|i| html.get(i.saturating_sub(40)..(i + 80).min(html.len())));
    assert!(html.contains(&free), "a free hour links to the pre-filled form: {sample:?}");
    let busy_hour = format!("/ressources/{}/reserver?debut={date}T10:00", t.desk);
    assert!(!html.contains(&busy_hour), "a busy hour is not offered");
    assert!(html.contains("rel=\"prev\"") && html.contains("rel=\"next\""));

    // A room elsewhere under the venue is blocked too; a booked room blocks the venue.
    app::operations::book(&server.app, &as_user(booker.id), t.room, paris(d, 15), paris(d, 16), false).await.unwrap();
    let (_, venue_week) = get(&anonymous, server, &format!("/ressources/{}/calendrier?date={date}", t.venue)).await;
    assert!(venue_week.contains("Occupé par « Salle Garonne »"), "the room's booking blocks the venue");
    let (_, sibling) =
        get(&anonymous, server, &format!("/ressources/{}/calendrier?vue=jour&date={date}", t.other_room)).await;
    assert!(sibling.contains("Occupé par « Tout le lieu »"));
    assert!(!sibling.contains("Salle Garonne"), "a sibling room's booking does not block it");

    let (status, month) =
        get(&anonymous, server, &format!("/ressources/{}/calendrier?vue=mois&date={date}", t.desk)).await;
    assert_eq!(status, 200);
    assert!(month.contains("10:00–12:00 Occupé par « Tout le lieu »"), "the month lists the day's busy slots");
    let day_link = format!("href=\"/ressources/{}/calendrier?vue=jour&date={date}\" class=\"day-number\"", t.desk);
    assert!(month.contains(&day_link), "each day links to its day view");

    // The place's manager sees who booked.
    let manager = signed_in_browser(server, "gerant@exemple.fr").await;
    let (_, managed) = get(&manager, server, &format!("/ressources/{}/calendrier?vue=jour&date={date}", t.desk)).await;
    assert!(managed.contains("réservé par Personne Test"));

    // A malformed query shows the current week rather than failing.
    let (status, _) =
        get(&anonymous, server, &format!("/ressources/{}/calendrier?vue=annee&date=demain", t.desk)).await;
    assert_eq!(status, 200);
    assert_eq!(get(&anonymous, server, "/ressources/999999/calendrier").await.0, 404);
}
on_both!(the_calendar_shows_the_tree_busy_and_names_bookers_only_to_managers, calendar);

async fn booking_form(server: &TestServer) {
    let t = tree(server).await;
    let d = day();
    let date = d.format("%Y-%m-%d").to_string();
    let form_path = format!("/ressources/{}/reserver?debut={date}T09:00&fin={date}T10:00", t.room);

    let anonymous = browser();
    let r = anonymous.get(server.at(&form_path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/login?next=%2Fressources%2F"), "sign-in first, then back to the form: {to}");

    server.user("client@exemple.fr", &[]).await;
    let client = signed_in_browser(server, "client@exemple.fr").await;
    let (status, html) = get(&client, server, &form_path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("value=\"{date}\""))
            && html.contains("value=\"09:00\"")
            && html.contains("value=\"10:00\"")
    );
    let csrf = csrf_token(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        client.post(server.at(&format!("/ressources/{}/reserver", t.room))).form(&fields).send()
    };
    // The last step of the flow: the price step has its own test.
    let slot = |start: &str, end: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("date", date.clone()),
            ("start", start.to_owned()),
            ("end", end.to_owned()),
            ("step", "confirm".to_owned()),
        ]
    };

    let forged = post(slot("09:00", "10:00").into_iter().filter(|(k, _)| *k != "csrf").collect()).await.unwrap();
    assert_eq!(forged.status(), 403, "no token, no booking");
    let store = &server.app.store;
    assert!(store.bookings_of_tree(t.venue, 0, i64::MAX).await.unwrap().is_empty());

    let ok = post(slot("09:00", "10:00")).await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/compte/reservations?notice=booked");
    let booked = store.bookings_of_tree(t.venue, 0, i64::MAX).await.unwrap();
    assert_eq!(booked.len(), 1);
    assert_eq!((booked[0].resource_id, store::from_micros(booked[0].starts_at)), (t.room, paris(d, 9)));

    let (status, mine) = get(&client, server, "/compte/reservations?notice=booked").await;
    assert_eq!(status, 200);
    assert!(mine.contains("C'est réservé") && mine.contains("Salle Garonne") && mine.contains("de 09:00 à 10:00"));

    // The same slot again, and an overlapping one on the desk inside the room.
    let again = post(slot("09:00", "10:00")).await.unwrap();
    assert_eq!(again.status(), 409);
    let html = unescape(&again.text().await.unwrap());
    let error = html.find("id=\"f-start-error\"").expect("the message sits beside the start field");
    assert!(html[error..].contains("Ce créneau est déjà pris : « Salle Garonne » est réservé de"));
    assert!(html[error..].contains("09:00 à 10:00"), "the conflicting slot, in local time");
    let desk = client
        .post(server.at(&format!("/ressources/{}/reserver", t.desk)))
        .form(&slot("09:30", "11:00"))
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), 409);
    assert!(
        unescape(&desk.text().await.unwrap()).contains("« Salle Garonne » est réservé"),
        "the room above blocks the desk"
    );

    for (fields, field, message) in [
        (slot("11:00", "10:00"), "end", "L'heure de fin doit venir après l'heure de début."),
        (slot("9h", "10:00"), "start", "Saisissez une heure au format HH:MM"),
        (
            vec![
                ("csrf", csrf.clone()),
                ("date", "2020-01-06".into()),
                ("start", "09:00".into()),
                ("end", "10:00".into()),
            ],
            "date",
            "Ce créneau est déjà passé",
        ),
        (
            vec![
                ("csrf", csrf.clone()),
                ("date", "31/12/2099".into()),
                ("start", "09:00".into()),
                ("end", "10:00".into()),
            ],
            "date",
            "Saisissez une date au format AAAA-MM-JJ",
        ),
        (slot("12:00", "12:05"), "end", "Valeur refusée : at least 15 minutes"),
    ] {
        let r = post(fields).await.unwrap();
        assert_eq!(r.status(), 422, "{message}");
        let html = unescape(&r.text().await.unwrap());
        let at = html.find(&format!("id=\"f-{field}-error\"")).unwrap_or_else(|| panic!("a message beside {field}"));
        assert!(html[at..].contains(message), "{message}");
    }
    assert_eq!(store.bookings_of_tree(t.venue, 0, i64::MAX).await.unwrap().len(), 1, "refusals stored nothing");
}
on_both!(the_booking_form_books_refuses_taken_slots_and_needs_its_token, booking_form);

fn tariff(audience: &str, unit: &str, cents: i64) -> app::tariffs::TariffInput {
    app::tariffs::TariffInput { audience: audience.into(), unit: unit.into(), unit_cents: cents, vat_bp: 2000 }
}

/// The section of "my bookings" about one booking.
fn booking_item(html: &str, id: i64) -> &str {
    let at = html.find(&format!("data-booking=\"{id}\"")).unwrap_or_else(|| panic!("booking {id} listed"));
    let end = html[at..].find("</li>").map_or(html.len(), |e| at + e);
    &html[at..end]
}

async fn price_step(server: &TestServer) {
    let t = tree(server).await;
    let place = server.app.store.resource(t.room).await.unwrap().place_id;
    // 25 € an hour, 80 € a half-day for the public; members pay 15 € an hour.
    let grid = [tariff("public", "hour", 2_500), tariff("public", "half_day", 8_000), tariff("member", "hour", 1_500)];
    app::tariffs::set_tariffs(&server.app, &Actor::System, t.room, &grid).await.unwrap();
    let store = &server.app.store;
    let me = server.user("payeuse@exemple.fr", &[]).await;
    let client = signed_in_browser(server, "payeuse@exemple.fr").await;
    let d = day();
    let date = d.format("%Y-%m-%d").to_string();
    let (_, form) = get(&client, server, &format!("/ressources/{}/reserver", t.room)).await;
    let csrf = csrf_token(&form);
    let post = |fields: Vec<(&'static str, &str)>| {
        let mut all = vec![("csrf", csrf.as_str()), ("date", date.as_str())];
        all.extend(fields);
        client.post(server.at(&format!("/ressources/{}/reserver", t.room))).form(&all).send()
    };

    // Five hours: a half-day and an hour (105 €) beat five hours (125 €).
    let r = post(vec![("start", "09:00"), ("end", "14:00"), ("step", "quote")]).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("Tarif appliqué : tout public"));
    assert!(html.contains("Demi-journée (4 h)") && html.contains("80,00"), "the cheapest mix, line by line");
    let gross = html.find("id=\"quote-gross\"").map(|i| &html[i..i + 40]).unwrap();
    assert!(gross.contains("126,00"), "105 € excl. VAT is 126 € with 20 % VAT: {gross}");
    assert!(html.contains("Annulation gratuite jusqu'au début du créneau."), "the conditions before confirming");
    assert!(!html.contains("name=\"credits\""), "no credits, no checkbox");
    assert!(html.contains("name=\"step\" value=\"confirm\""));
    assert!(store.bookings_of_tree(t.venue, 0, i64::MAX).await.unwrap().is_empty(), "a quote books nothing");

    // A member with 2 h of monthly credit pays 15 €/h and uses the credit first.
    let plan = app::tariffs::create_plan(
        &server.app,
        &Actor::System,
        place,
        &app::tariffs::PlanInput {
            kind: "membership".into(),
            name: "Résident nomade".into(),
            fee_cents: 3_000,
            vat_bp: Some(2000),
            credit_unit: "minutes".into(),
            credit_amount: 120,
        },
    )
    .await
    .unwrap();
    let (_, plans) = get(&client, server, &format!("/lieux/{place}/formules")).await;
    assert!(plans.contains("Résident nomade") && plans.contains("36,00") && plans.contains("2 h 00"));
    let r = client
        .post(server.at(&format!("/formules/{}/souscrire", plan.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], format!("/lieux/{place}/formules?notice=subscribed").as_str());
    let (_, plans) = get(&client, server, &format!("/lieux/{place}/formules")).await;
    assert!(plans.contains("Solde : 2 h 00") && plans.contains("Vous êtes abonné·e"));

    let r = post(vec![("start", "09:00"), ("end", "12:00"), ("step", "quote")]).await.unwrap();
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("Tarif appliqué : membre") && html.contains("name=\"credits\""));
    assert!(html.contains("checked"), "credits are used unless the person unticks them");
    let due = html.find("id=\"quote-due\"").map(|i| &html[i..i + 60]).unwrap();
    assert!(due.contains("18,00"), "3 h at 15 €, 2 h paid by credit: 15 € + VAT left: {due}");
    // Unticked: the whole price is due.
    let r = post(vec![("start", "09:00"), ("end", "12:00"), ("step", "quote"), ("credits_shown", "1")]).await.unwrap();
    let html = unescape(&r.text().await.unwrap());
    let due = html.find("id=\"quote-due\"").map(|i| &html[i..i + 60]).unwrap();
    assert!(due.contains("54,00") && !html.contains("id=\"quote-credits\""), "{due}");

    // Confirmed with the credits: what was quoted is what is charged.
    let r =
        post(vec![("start", "09:00"), ("end", "12:00"), ("step", "confirm"), ("credits_shown", "1"), ("credits", "1")])
            .await
            .unwrap();
    assert_eq!(r.headers()["location"], "/compte/reservations?notice=booked");
    let booking = store.bookings_of_user(me.id).await.unwrap().pop().unwrap();
    let charge = store.booking_charge(booking.id).await.unwrap();
    assert_eq!((charge.gross_cents, charge.minutes_used, charge.due_cents), (5_400, 120, 1_800));
    assert_eq!(store.credit_balances(me.id, place).await.unwrap().minutes, 0);

    // The same slot again is refused at the price step, before any confirmation.
    let r = post(vec![("start", "10:00"), ("end", "11:00"), ("step", "quote")]).await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(unescape(&r.text().await.unwrap()).contains("Ce créneau est déjà pris"));

    let (_, mine) = get(&client, server, "/compte/reservations").await;
    let item = booking_item(&mine, booking.id);
    assert!(item.contains("Prix : 54,00") && item.contains("reste à payer 18,00"), "{item}");
    assert!(item.contains(&format!("/compte/reservations/{}/annuler", booking.id)));
}
on_both!(the_price_step_quotes_the_cheapest_mix_uses_credits_and_charges_what_it_showed, price_step);

async fn my_bookings_states(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let store = &server.app.store;
    let make = |parent: Option<i64>, kind: &str, name: &str, deadline: Option<i64>| {
        let input = ResourceInput {
            parent_id: parent,
            kind: kind.into(),
            name: name.into(),
            cancel_deadline_hours: deadline,
            late_cancel_fee_cents: deadline.map(|_| 1_000),
            ..ResourceInput::default()
        };
        async move { create_resource(&server.app, &Actor::System, place, &any_hour_input(input)).await.unwrap().id }
    };
    let venue = make(None, "venue", "Tout le lieu", None).await;
    // A late cancellation costs 10 €: within 96 hours of the start here, 1 hour there.
    let room = make(Some(venue), "room", "Salle Garonne", Some(96)).await;
    let other_room = make(Some(venue), "room", "Salle Vienne", Some(1)).await;
    let desk = make(Some(room), "desk", "Poste 1", None).await;
    let t = Tree { venue, room, other_room, desk };
    let me = server.user("etats@exemple.fr", &[]).await;
    let actor = as_user(me.id);
    let d = day();
    let book = |resource, h, hold| app::operations::BookingRequest {
        resource_id: resource,
        start: paris(d, h),
        end: paris(d, h + 1),
        hold,
        organisation_id: None,
        use_credits: false,
    };
    let late = app::operations::book_with(&server.app, &actor, &book(t.room, 9, false)).await.unwrap();
    let free = app::operations::book_with(&server.app, &actor, &book(t.other_room, 9, false)).await.unwrap();
    let held = app::operations::book_with(&server.app, &actor, &book(t.desk, 14, true)).await.unwrap();
    let pending = app::operations::book_with(&server.app, &actor, &book(t.venue, 18, false)).await.unwrap();
    assert_eq!((held.status.as_str(), pending.status.as_str()), ("held", "pending"));

    let client = signed_in_browser(server, "etats@exemple.fr").await;
    let (_, mine) = get(&client, server, "/compte/reservations").await;
    assert!(booking_item(&mine, pending.id).contains("En attente de validation par le lieu"));
    let hold = booking_item(&mine, held.id);
    assert!(
        hold.contains("Créneau retenu jusqu'à")
            && hold.contains(&format!("/compte/reservations/{}/confirmer", held.id))
    );
    assert!(booking_item(&mine, late.id).contains("Annuler maintenant coûte 10,00"), "three days ahead, within 96 h");
    assert!(!booking_item(&mine, free.id).contains("Annuler maintenant coûte"), "outside its 1 h deadline");
    let csrf = csrf_token(&mine);
    let press = |path: String| client.post(server.at(&path)).form(&[("csrf", csrf.as_str())]).send();

    let r = press(format!("/compte/reservations/{}/confirmer", held.id)).await.unwrap();
    assert_eq!(r.headers()["location"], "/compte/reservations?notice=hold_confirmed");
    assert_eq!(store.booking(held.id).await.unwrap().status, "confirmed");
    let r = press(format!("/compte/reservations/{}/annuler", late.id)).await.unwrap();
    assert_eq!(r.headers()["location"], "/compte/reservations?notice=booking_cancelled_fee");
    assert_eq!(store.booking(late.id).await.unwrap().cancellation_fee_cents, Some(1_000));
    let r = press(format!("/compte/reservations/{}/annuler", free.id)).await.unwrap();
    assert_eq!(r.headers()["location"], "/compte/reservations?notice=booking_cancelled");
    // Twice: the page says it is settled rather than failing.
    let r = press(format!("/compte/reservations/{}/annuler", free.id)).await.unwrap();
    assert_eq!(r.headers()["location"], "/compte/reservations?notice=booking_settled");

    // Someone else's booking is not theirs to cancel.
    let other = server.user("autre-etat@exemple.fr", &[]).await;
    let theirs =
        app::operations::book(&server.app, &as_user(other.id), t.other_room, paris(d, 15), paris(d, 16), false)
            .await
            .unwrap();
    assert_eq!(press(format!("/compte/reservations/{}/annuler", theirs.id)).await.unwrap().status(), 403);
    assert_eq!(store.booking(theirs.id).await.unwrap().status, "confirmed");

    let (_, after) = get(&client, server, "/compte/reservations").await;
    let others = &after[after.find("id=\"other-bookings\"").expect("cancelled bookings listed apart")..];
    assert!(others.contains("Annulée, 10,00") && others.contains("Annulée"));
}
on_both!(my_bookings_show_every_state_and_confirm_or_cancel_with_the_policy, my_bookings_states);

async fn my_registrations(server: &TestServer) {
    let (place, _) = place_and_manager(server).await;
    let start = Utc::now() + Duration::days(5);
    let input = app::events::EventInput {
        title: "Atelier soudure".into(),
        kind: "workshop".into(),
        starts_at: Some(start),
        ends_at: Some(start + Duration::hours(3)),
        capacity: 10,
        ..Default::default()
    };
    let event = app::events::create_event(&server.app, &Actor::System, place, &input).await.unwrap();
    let me = server.user("inscrite@exemple.fr", &[]).await;
    let other = server.user("autre@exemple.fr", &[]).await;
    let mine = app::events::register(&server.app, &as_user(me.id), event.id, &Default::default(), "Personne Test")
        .await
        .unwrap()
        .registration;
    let theirs = app::events::register(&server.app, &as_user(other.id), event.id, &Default::default(), "Personne Test")
        .await
        .unwrap()
        .registration;

    assert_eq!(browser().get(server.at("/compte/reservations")).send().await.unwrap().status(), 303, "sign-in first");
    let client = signed_in_browser(server, "inscrite@exemple.fr").await;
    let (status, html) = get(&client, server, "/compte/reservations").await;
    assert_eq!(status, 200);
    assert!(html.contains("Atelier soudure") && html.contains("Confirmée"));
    assert!(html.contains("href=\"/api/v1/me/calendar.ics\""), "the iCal feed is offered");
    assert!(html.contains(&format!("/compte/inscriptions/{}/annuler", mine.id)));
    assert!(!html.contains(&format!("/compte/inscriptions/{}/annuler", theirs.id)), "only one's own");
    let csrf = csrf_token(&html);

    let someone_elses = client
        .post(server.at(&format!("/compte/inscriptions/{}/annuler", theirs.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(someone_elses.status(), 403);
    assert_eq!(server.app.store.registration(theirs.id).await.unwrap().status, "confirmed");

    let cancel = client
        .post(server.at(&format!("/compte/inscriptions/{}/annuler", mine.id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 303);
    assert_eq!(cancel.headers()["location"], "/compte/reservations?notice=registration_cancelled");
    assert_eq!(server.app.store.registration(mine.id).await.unwrap().status, "cancelled");
    let (_, after) = get(&client, server, "/compte/reservations?notice=registration_cancelled").await;
    assert!(after.contains("L'inscription est annulée.") && !after.contains("Atelier soudure"));
}
on_both!(my_bookings_page_lists_registrations_and_cancels_one_s_own, my_registrations);
