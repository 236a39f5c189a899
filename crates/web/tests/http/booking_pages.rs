//! Booking pages over HTTP, as a browser without JavaScript uses them: a
//! place's resource tree, a resource's calendar (busy up and down the tree,
//! the booker named only to managers), the booking form (CSRF, sign-in,
//! conflict shown beside the field) and "my bookings and registrations".

use app::operations::{ResourceInput, create_resource};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::policy::{Actor, UserActor};
use testkit::{TestServer, browser, csrf_token, signed_in_browser};

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
    create_resource(&server.app, &Actor::System, place, &input).await.unwrap().id
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
    let slot = |start: &str, end: &str| {
        vec![("csrf", csrf.clone()), ("date", date.clone()), ("start", start.to_owned()), ("end", end.to_owned())]
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
