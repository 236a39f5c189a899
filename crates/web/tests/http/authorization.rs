//! Every route of the foundation × every role → the expected status.
//! Later modules add their rows to `API` or `PAGES`.

use domain::accounts::{Role, TokenScope};
use serde_json::{Value, json};
use testkit::{TestServer, signed_in_browser};

use crate::on_both;
use crate::operations::first_place;

/// Columns of the matrix, in this order.
const ROLES: [&str; 7] =
    ["anonymous", "person", "place_manager", "org_admin", "org_member", "territory_editor", "admin"];

struct Row {
    method: &'static str,
    /// `{me}`: the caller's own id; `{other}`: another account's id; in
    /// `PAGES`, `{place}`, `{resource}`, `{event}`, `{booking}`: a live place
    /// (the place manager's), one of its resources, events and bookings.
    path: &'static str,
    /// JSON for the API; for pages, an object of strings sent as a form
    /// with the caller's form token.
    body: Option<fn() -> Value>,
    expected: [u16; 7],
}

const OK: u16 = 200;
const NO_AUTH: u16 = 401;
const DENIED: u16 = 403;
/// Pages: sent elsewhere (to log in, or back with a notice).
const MOVED: u16 = 303;
/// Pages: a form shown again with its messages (the caller got past the policy).
const INVALID: u16 = 422;
/// Who may open a place's back office: its manager, territory editors, admins.
const BACK_OFFICE: [u16; 7] = [MOVED, DENIED, OK, DENIED, DENIED, OK, OK];
/// The same door for a form sent with nothing valid in it.
const BACK_OFFICE_FORM: [u16; 7] = [MOVED, DENIED, INVALID, DENIED, DENIED, INVALID, INVALID];

/// API routes, called with a token holding every scope.
const API: &[Row] = &[
    Row { method: "GET", path: "/api/v1/me", body: None, expected: [NO_AUTH, OK, OK, OK, OK, OK, OK] },
    Row {
        method: "PATCH",
        path: "/api/v1/me",
        body: Some(|| json!({"locale": "fr"})),
        expected: [NO_AUTH, OK, OK, OK, OK, OK, OK],
    },
    Row { method: "GET", path: "/api/v1/me/export", body: None, expected: [NO_AUTH, OK, OK, OK, OK, OK, OK] },
    Row { method: "GET", path: "/api/v1/me/sessions", body: None, expected: [NO_AUTH, OK, OK, OK, OK, OK, OK] },
    Row {
        method: "DELETE",
        path: "/api/v1/me/sessions/999999",
        body: None,
        expected: [NO_AUTH, 404, 404, 404, 404, 404, 404],
    },
    Row { method: "GET", path: "/api/v1/me/tokens", body: None, expected: [NO_AUTH, OK, OK, OK, OK, OK, OK] },
    Row {
        method: "POST",
        path: "/api/v1/me/tokens",
        body: Some(|| json!({"name": "m", "scopes": ["account:read"]})),
        expected: [NO_AUTH, 201, 201, 201, 201, 201, 201],
    },
    Row {
        method: "DELETE",
        path: "/api/v1/me/tokens/999999",
        body: None,
        expected: [NO_AUTH, 404, 404, 404, 404, 404, 404],
    },
    Row {
        method: "DELETE",
        path: "/api/v1/me",
        body: Some(|| json!({"password": "faux mot de passe"})),
        expected: [NO_AUTH, 422, 422, 422, 422, 422, 422],
    },
    Row {
        method: "GET",
        path: "/api/v1/users",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, OK],
    },
    Row {
        method: "POST",
        path: "/api/v1/users",
        body: Some(
            || json!({"email": "nouveau-{n}@exemple.fr", "display_name": "Nouveau", "password": "cheval agrafe batterie"}),
        ),
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, 201],
    },
    Row {
        method: "GET",
        path: "/api/v1/users/{other}/roles",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, OK],
    },
    Row {
        method: "POST",
        path: "/api/v1/users/{other}/roles",
        body: Some(|| json!({"role": "organisation_member", "scope_id": 9})),
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, 201],
    },
    Row {
        method: "DELETE",
        path: "/api/v1/users/{other}/roles/organisation_member?scope_id=9",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, 204],
    },
    Row {
        method: "GET",
        path: "/api/v1/audit",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, OK],
    },
    Row {
        method: "GET",
        path: "/api/v1/audit/verify",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, OK],
    },
    Row {
        method: "GET",
        path: "/api/v1/outbox",
        body: None,
        expected: [NO_AUTH, DENIED, DENIED, DENIED, DENIED, DENIED, OK],
    },
    Row {
        method: "POST",
        path: "/api/v1/auth/password-reset",
        body: Some(|| json!({"email": "personne-{n}@exemple.fr"})),
        expected: [202, 202, 202, 202, 202, 202, 202],
    },
];

/// Pages, called with a signed-in browser. 303: sent to the log-in page.
const PAGES: &[Row] = &[
    Row { method: "GET", path: "/", body: None, expected: [OK; 7] },
    Row { method: "GET", path: "/api/docs", body: None, expected: [OK; 7] },
    Row { method: "GET", path: "/login", body: None, expected: [OK, 303, 303, 303, 303, 303, 303] },
    Row { method: "GET", path: "/account", body: None, expected: [303, OK, OK, OK, OK, OK, OK] },
    Row { method: "GET", path: "/admin", body: None, expected: [303, DENIED, DENIED, DENIED, DENIED, DENIED, OK] },
    Row { method: "GET", path: "/account/export", body: None, expected: [303, OK, OK, OK, OK, OK, OK] },
    Row { method: "GET", path: "/doublons", body: None, expected: [303, DENIED, DENIED, DENIED, DENIED, OK, OK] },
    Row { method: "GET", path: "/import", body: None, expected: [303, DENIED, DENIED, DENIED, DENIED, OK, OK] },
    Row {
        method: "GET",
        path: "/import/999999",
        body: None,
        expected: [303, DENIED, DENIED, DENIED, DENIED, 404, 404],
    },
    Row { method: "GET", path: "/recherche", body: None, expected: [OK; 7] },
    Row { method: "GET", path: "/compte/reservations", body: None, expected: [303, OK, OK, OK, OK, OK, OK] },
    // The back office of a place.
    Row { method: "GET", path: "/lieux/{place}/gestion", body: None, expected: BACK_OFFICE },
    Row {
        // The booking is confirmed already: who may act gets the notice saying so.
        method: "POST",
        path: "/lieux/{place}/gestion/reservations/{booking}/approuver",
        body: Some(|| json!({})),
        expected: [MOVED, DENIED, MOVED, DENIED, DENIED, MOVED, MOVED],
    },
    Row { method: "GET", path: "/lieux/{place}/gestion/ressources", body: None, expected: BACK_OFFICE },
    Row {
        method: "POST",
        path: "/lieux/{place}/gestion/ressources",
        body: Some(|| json!({"name": "", "kind": "room", "capacity": "douze"})),
        expected: BACK_OFFICE_FORM,
    },
    Row { method: "GET", path: "/lieux/{place}/gestion/fermetures", body: None, expected: BACK_OFFICE },
    Row {
        method: "POST",
        path: "/lieux/{place}/gestion/fermetures",
        body: Some(|| json!({"resource_id": "", "first_day": "demain"})),
        expected: BACK_OFFICE_FORM,
    },
    Row { method: "GET", path: "/ressources/{resource}/tarifs", body: None, expected: BACK_OFFICE },
    Row {
        method: "POST",
        path: "/ressources/{resource}/tarifs",
        body: Some(|| json!({"audience_0": "public", "unit_0": "hour", "price_0": "dix", "vat_0": "2000"})),
        expected: BACK_OFFICE_FORM,
    },
    Row { method: "GET", path: "/lieux/{place}/gestion/formules", body: None, expected: BACK_OFFICE },
    Row {
        method: "POST",
        path: "/lieux/{place}/gestion/formules",
        body: Some(|| json!({"kind": "pack", "name": "Carnet", "fee": "dix", "vat": "2000", "credit_unit": "minutes"})),
        expected: BACK_OFFICE_FORM,
    },
    Row {
        // A valid plan: the policy of the use case that writes decides, not the page's.
        method: "POST",
        path: "/lieux/{place}/gestion/formules",
        body: Some(
            || json!({"kind": "pack", "name": "Carnet", "fee": "10", "vat": "2000", "credit_unit": "minutes", "credit": "60"}),
        ),
        expected: [MOVED, DENIED, MOVED, DENIED, DENIED, MOVED, MOVED],
    },
    Row { method: "GET", path: "/lieux/{place}/gestion/evenements", body: None, expected: BACK_OFFICE },
    Row {
        method: "POST",
        path: "/lieux/{place}/gestion/evenements",
        body: Some(|| json!({"title": "Atelier", "kind": "workshop", "start_date": "demain"})),
        expected: BACK_OFFICE_FORM,
    },
    Row { method: "GET", path: "/evenements/{event}/inscrits", body: None, expected: BACK_OFFICE },
];

/// A place with a resource, an event and a confirmed booking, for the back
/// office rows; returns (place, resource, event, booking).
async fn place_with_bookings(server: &TestServer, booker: i64) -> [i64; 4] {
    use chrono::DurationRound;
    use domain::policy::{Actor, UserActor};
    let place = first_place(server).await;
    let room = app::operations::ResourceInput {
        kind: "room".into(),
        name: "Salle du tableau".into(),
        ..app::operations::ResourceInput::default()
    };
    let room = crate::helpers::any_hour_input(room);
    let resource = app::operations::create_resource(&server.app, &Actor::System, place, &room).await.unwrap().id;
    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let event = app::events::EventInput {
        title: "Atelier du tableau".into(),
        kind: "workshop".into(),
        starts_at: Some(start),
        ends_at: Some(start + chrono::Duration::hours(2)),
        capacity: 4,
        ..app::events::EventInput::default()
    };
    let event = app::events::create_event(&server.app, &Actor::System, place, &event).await.unwrap().id;
    let booker = Actor::User(UserActor { user_id: booker, grants: Vec::new(), token_scopes: None });
    let start = start.duration_trunc(chrono::Duration::hours(1)).unwrap();
    let booking =
        app::operations::book(&server.app, &booker, resource, start, start + chrono::Duration::hours(1), false)
            .await
            .unwrap();
    assert_eq!(booking.status, "confirmed");
    [place, resource, event, booking.id]
}

async fn matrix(server: &TestServer) {
    let other = server.user("autre@exemple.fr", &[]).await;
    let [place, resource, event, booking] = place_with_bookings(server, other.id).await;
    let ids = |path: &str| {
        path.replace("{place}", &place.to_string())
            .replace("{resource}", &resource.to_string())
            .replace("{event}", &event.to_string())
            .replace("{booking}", &booking.to_string())
    };
    let grants: [&[(Role, Option<i64>)]; 7] = [
        &[],
        &[],
        &[(Role::PlaceManager, Some(place))],
        &[(Role::OrganisationAdmin, Some(2))],
        &[(Role::OrganisationMember, Some(2))],
        &[(Role::TerritoryEditor, None)],
        &[(Role::PlatformAdmin, None)],
    ];
    let mut tokens = Vec::new();
    let mut browsers = Vec::new();
    for (i, roles) in grants.iter().enumerate() {
        if i == 0 {
            tokens.push(None);
            browsers.push(testkit::browser());
            continue;
        }
        let email = format!("{}@exemple.fr", ROLES[i]);
        let user = server.user(&email, roles).await;
        tokens.push(Some(server.token(user.id, &TokenScope::ALL).await));
        browsers.push(signed_in_browser(server, &email).await);
    }
    let api = reqwest::Client::new();
    for (n, row) in API.iter().enumerate() {
        for (i, role) in ROLES.iter().enumerate() {
            let path = row.path.replace("{other}", &other.id.to_string());
            let mut req = api.request(row.method.parse().unwrap(), server.at(&path));
            if let Some(token) = &tokens[i] {
                req = req.bearer_auth(token);
            }
            if let Some(body) = row.body {
                let text = body().to_string().replace("{n}", &format!("{n}-{i}"));
                req = req.header("content-type", "application/json").body(text);
            }
            let status = req.send().await.unwrap().status().as_u16();
            assert_eq!(status, row.expected[i], "{} {} as {role}", row.method, row.path);
        }
    }
    // Each browser's form token: anonymous ones have one on the log-in page.
    let mut form_tokens = Vec::new();
    for (i, b) in browsers.iter().enumerate() {
        let page = if i == 0 { "/login" } else { "/account" };
        let html = b.get(server.at(page)).send().await.unwrap().text().await.unwrap();
        form_tokens.push(testkit::csrf_token(&html));
    }
    for row in PAGES {
        for (i, role) in ROLES.iter().enumerate() {
            let url = server.at(&ids(row.path));
            let req = match row.body {
                None => browsers[i].get(url),
                Some(body) => {
                    let mut form = vec![("csrf".to_owned(), form_tokens[i].clone())];
                    if let Value::Object(fields) = body() {
                        form.extend(fields.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned())));
                    }
                    browsers[i].post(url).form(&form)
                }
            };
            let status = req.send().await.unwrap().status().as_u16();
            assert_eq!(status, row.expected[i], "{} {} as {role}", row.method, row.path);
        }
    }
    assert_eq!(server.app.store.booking(booking).await.unwrap().status, "confirmed", "the rows changed nothing");
    assert_eq!(server.app.store.resources_of_place(place).await.unwrap().len(), 1);
    // The valid plan: created by the manager, the territory editor and the administrator only.
    assert_eq!(server.app.store.plans_of_place(place).await.unwrap().len(), 3);
}
on_both!(authorization_matrix, matrix);
