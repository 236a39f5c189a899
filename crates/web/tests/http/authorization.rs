//! Every route of the foundation × every role → the expected status.
//! Later modules add their rows to `TABLE`.

use domain::accounts::{Role, TokenScope};
use serde_json::{Value, json};
use testkit::{TestServer, signed_in_browser};

use crate::on_both;

/// Columns of the matrix, in this order.
const ROLES: [&str; 7] =
    ["anonymous", "person", "place_manager", "org_admin", "org_member", "territory_editor", "admin"];

struct Row {
    method: &'static str,
    /// `{me}`: the caller's own id; `{other}`: another account's id.
    path: &'static str,
    body: Option<fn() -> Value>,
    expected: [u16; 7],
}

const OK: u16 = 200;
const NO_AUTH: u16 = 401;
const DENIED: u16 = 403;

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
    Row { method: "GET", path: "/import/1", body: None, expected: [303, DENIED, DENIED, DENIED, DENIED, 404, 404] },
    Row { method: "GET", path: "/recherche", body: None, expected: [OK; 7] },
    Row { method: "GET", path: "/compte/reservations", body: None, expected: [303, OK, OK, OK, OK, OK, OK] },
];

async fn matrix(server: &TestServer) {
    let other = server.user("autre@exemple.fr", &[]).await;
    let grants: [&[(Role, Option<i64>)]; 7] = [
        &[],
        &[],
        &[(Role::PlaceManager, Some(1))],
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
    for row in PAGES {
        for (i, role) in ROLES.iter().enumerate() {
            let status = browsers[i].get(server.at(row.path)).send().await.unwrap().status().as_u16();
            assert_eq!(status, row.expected[i], "{} {} as {role}", row.method, row.path);
        }
    }
}
on_both!(authorization_matrix, matrix);
