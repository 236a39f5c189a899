//! Bad input on every API route answers a 4xx with a JSON error a developer
//! can act on; never a 500, never a half-written record.

use domain::accounts::{Role, TokenScope};
use serde_json::{Value, json};
use testkit::TestServer;

use crate::on_both;

/// Every API operation, with a valid body where it takes one. The coverage
/// test below fails when a route is added to the API without a row here.
pub fn routes(user_id: i64) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        (
            "POST",
            "/api/v1/auth/signup".into(),
            Some(
                json!({"email": "n@exemple.fr", "display_name": "N", "password": "cheval agrafe batterie", "locale": "fr"}),
            ),
        ),
        ("POST", "/api/v1/auth/password-reset".into(), Some(json!({"email": "n@exemple.fr"}))),
        ("GET", "/api/v1/me".into(), None),
        ("PATCH", "/api/v1/me".into(), Some(json!({"display_name": "N", "locale": "en"}))),
        ("DELETE", "/api/v1/me".into(), Some(json!({"password": "pas le bon"}))),
        ("GET", "/api/v1/me/export".into(), None),
        ("GET", "/api/v1/me/sessions".into(), None),
        ("DELETE", "/api/v1/me/sessions/999999".into(), None),
        ("GET", "/api/v1/me/tokens".into(), None),
        ("POST", "/api/v1/me/tokens".into(), Some(json!({"name": "t", "scopes": ["account:read"]}))),
        ("DELETE", "/api/v1/me/tokens/999999".into(), None),
        ("GET", "/api/v1/users".into(), None),
        (
            "POST",
            "/api/v1/users".into(),
            Some(json!({"email": "m@exemple.fr", "display_name": "M", "password": "cheval agrafe batterie"})),
        ),
        ("GET", format!("/api/v1/users/{user_id}/roles"), None),
        ("POST", format!("/api/v1/users/{user_id}/roles"), Some(json!({"role": "place_manager", "scope_id": 5}))),
        ("DELETE", format!("/api/v1/users/{user_id}/roles/place_manager?scope_id=5"), None),
        ("GET", "/api/v1/audit".into(), None),
        ("GET", "/api/v1/audit/verify".into(), None),
        ("GET", "/api/v1/outbox".into(), None),
        ("PATCH", "/api/v1/atlas/999999".into(), Some(json!({"fields": {"summary": "Un lieu ouvert à tous"}}))),
        ("POST", "/api/v1/atlas/999999/verify".into(), None),
        ("PUT", "/api/v1/atlas/999999/figures/2025".into(), Some(json!({"figures": {"visitors": 1200}}))),
        ("POST", "/api/v1/places/999999/resources".into(), Some(json!({"kind": "room", "name": "Salle Ada"}))),
        (
            "POST",
            "/api/v1/places/999999/events".into(),
            Some(json!({"title": "Atelier", "kind": "workshop", "starts_at": "2030-01-07T09:00:00Z",
                        "ends_at": "2030-01-07T12:00:00Z", "capacity": 12})),
        ),
        ("POST", "/api/v1/events/999999/registrations".into(), Some(json!({"participant": "Lou"}))),
        ("DELETE", "/api/v1/registrations/999999".into(), None),
        ("POST", "/api/v1/registrations/999999/accept".into(), None),
        (
            "POST",
            "/api/v1/places/999999/invoices".into(),
            Some(
                json!({"customer": "Coop", "lines": [{"label": "Salle", "quantity": 1, "unit_cents": 100, "vat_bp": 2000}]}),
            ),
        ),
        ("GET", "/api/v1/invoices/999999".into(), None),
        ("POST", "/api/v1/invoices/999999/credit-note".into(), None),
        ("GET", "/api/v1/me/calendar.ics".into(), None),
        (
            "POST",
            "/api/v1/bookings/series".into(),
            Some(
                json!({"resource_id": 999999, "local_start": "2030-01-07T09:00:00", "minutes": 60, "rrule": "FREQ=DAILY;COUNT=2"}),
            ),
        ),
        (
            "POST",
            "/api/v1/bookings".into(),
            Some(
                json!({"resource_id": 999999, "starts_at": "2030-01-07T09:00:00Z", "ends_at": "2030-01-07T10:00:00Z"}),
            ),
        ),
        ("GET", "/api/v1/bookings/999999".into(), None),
        ("GET", "/api/v1/bookings/999999/charge".into(), None),
        ("POST", "/api/v1/bookings/999999/confirm".into(), None),
        ("POST", "/api/v1/bookings/999999/approve".into(), None),
        ("POST", "/api/v1/bookings/999999/refuse".into(), None),
        ("POST", "/api/v1/bookings/999999/cancel".into(), None),
        ("POST", "/api/v1/bookings/999999/check-in".into(), None),
        ("POST", "/api/v1/places/999999/memberships".into(), Some(json!({"user_id": 5, "role": "member"}))),
        ("POST", "/api/v1/places/999999/trainings".into(), Some(json!({"user_id": 5, "training": "laser"}))),
        (
            "POST",
            "/api/v1/resources/999999/closures".into(),
            Some(json!({"starts_at": "2030-01-07T09:00:00Z", "ends_at": "2030-01-07T18:00:00Z", "reason": "Travaux"})),
        ),
        ("DELETE", "/api/v1/closures/999999".into(), None),
        (
            "PUT",
            "/api/v1/resources/999999/tariffs".into(),
            Some(json!({"tariffs": [{"audience": "public", "unit": "hour", "unit_cents": 1500, "vat_bp": 2000}]})),
        ),
        (
            "POST",
            "/api/v1/resources/999999/quote".into(),
            Some(json!({"starts_at": "2030-01-07T09:00:00Z", "ends_at": "2030-01-07T10:00:00Z"})),
        ),
        (
            "POST",
            "/api/v1/places/999999/plans".into(),
            Some(json!({"kind": "membership", "name": "Adhésion", "fee_cents": 3000, "credit_unit": "hours",
                        "credit_amount": 10})),
        ),
        ("POST", "/api/v1/plans/999999/subscribe".into(), None),
        ("GET", "/api/v1/places/999999/credits".into(), None),
        ("GET", "/api/v1/events/999999/attendance".into(), None),
        ("GET", "/api/v1/events/999999/answers".into(), None),
        ("POST", "/api/v1/events/999999/check-in".into(), Some(json!({"code": "ABCD-EFGH"}))),
        // `present` holds a word so that the wrong-type case has a value to break.
        ("PUT", "/api/v1/registrations/999999/attendance/999999".into(), Some(json!({"present": "yes"}))),
        ("POST", "/api/v1/places/999999/periods/2026-01/close".into(), None),
        ("GET", "/api/v1/places/999999/accounting.csv".into(), None),
        ("GET", "/api/v1/places/999999/revenue".into(), None),
    ]
}

/// The routes anyone may call, with a query that breaks each one.
pub fn public_routes() -> Vec<(&'static str, String, &'static str)> {
    let mut rows = Vec::new();
    for list in ["search", "places", "organisations", "services"] {
        rows.push(("GET", format!("/api/v1/{list}?limit=0"), "limit"));
    }
    rows.push(("GET", "/api/v1/search/clusters?zoom=8".into(), "bbox"));
    for one in ["places", "organisations", "services"] {
        rows.push(("GET", format!("/api/v1/{one}/999999"), "id"));
    }
    rows.push(("GET", "/api/v1/exports/klingon".into(), "id"));
    rows.push(("GET", "/api/v1/places/999999/resources".into(), "id"));
    rows.push(("GET", "/api/v1/resources/999999/bookings".into(), "id"));
    rows.push(("GET", "/api/v1/events/999999".into(), "id"));
    rows.push(("GET", "/api/v1/events/999999/calendar.ics".into(), "id"));
    rows.push(("GET", "/api/v1/places/999999/events.ics".into(), "id"));
    rows.push(("GET", "/api/v1/resources/999999/tariffs".into(), "id"));
    rows.push(("GET", "/api/v1/places/999999/plans".into(), "id"));
    rows
}

async fn assert_json_error(response: reqwest::Response, status: u16, code: &str, what: &str) {
    assert_eq!(response.status().as_u16(), status, "{what}");
    assert!(
        response.headers()["content-type"].to_str().unwrap().starts_with("application/json"),
        "{what}: JSON body expected"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{what}");
    assert!(body["error"]["details"].is_object(), "{what}");
}

/// Replaces the first string, object or array value of an object with a number.
fn with_wrong_type(body: &Value) -> Value {
    let mut b = body.clone();
    let breakable = |v: &Value| v.is_string() || v.is_object() || v.is_array();
    if let Some((_, v)) = b.as_object_mut().unwrap().iter_mut().find(|(_, v)| breakable(v)) {
        *v = json!(42);
    }
    b
}

async fn malformed_bodies(server: &TestServer) {
    let admin = server.user("admin@exemple.fr", &[(Role::PlatformAdmin, None)]).await;
    let token = server.token(admin.id, &TokenScope::ALL).await;
    let users_before = server.app.store.count_users().await.unwrap();
    let http = reqwest::Client::new();
    for (method, path, body) in routes(admin.id) {
        let Some(valid) = body else { continue };
        let what = |case: &str| format!("{method} {path}: {case}");
        let send = |bytes: Vec<u8>, content_type: Option<&str>| {
            let mut r = http.request(method.parse().unwrap(), server.at(&path)).bearer_auth(&token).body(bytes);
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            r.send()
        };
        let json_ct = Some("application/json");
        assert_json_error(
            send(b"{\"unterminated".to_vec(), json_ct).await.unwrap(),
            400,
            "malformed_json",
            &what("truncated"),
        )
        .await;
        assert_json_error(
            send(b"{\"\xff\xfe\": 1}".to_vec(), json_ct).await.unwrap(),
            400,
            "malformed_json",
            &what("invalid UTF-8"),
        )
        .await;
        assert_json_error(send(Vec::new(), json_ct).await.unwrap(), 400, "malformed_json", &what("empty")).await;
        assert_json_error(send(b"[1, 2]".to_vec(), json_ct).await.unwrap(), 422, "invalid_body", &what("array")).await;
        assert_json_error(
            send(with_wrong_type(&valid).to_string().into_bytes(), json_ct).await.unwrap(),
            422,
            "invalid_body",
            &what("wrong type"),
        )
        .await;
        let mut unknown = valid.clone();
        unknown["surprise"] = json!(true);
        assert_json_error(
            send(unknown.to_string().into_bytes(), json_ct).await.unwrap(),
            422,
            "invalid_body",
            &what("unknown field"),
        )
        .await;
        for enum_field in ["locale", "role"] {
            if valid.get(enum_field).is_some() {
                let mut bad = valid.clone();
                bad[enum_field] = json!("klingon");
                let r = send(bad.to_string().into_bytes(), json_ct).await.unwrap();
                assert_json_error(r, 422, "invalid_body", &what("unknown enum value")).await;
            }
        }
        if valid.get("scopes").is_some() {
            let mut bad = valid.clone();
            bad["scopes"] = json!(["root"]);
            assert_json_error(
                send(bad.to_string().into_bytes(), json_ct).await.unwrap(),
                422,
                "invalid_body",
                &what("unknown scope"),
            )
            .await;
        }
        let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
        assert_json_error(send(huge.into_bytes(), json_ct).await.unwrap(), 413, "payload_too_large", &what("oversize"))
            .await;
        assert_json_error(
            send(valid.to_string().into_bytes(), None).await.unwrap(),
            415,
            "unsupported_media_type",
            &what("no content type"),
        )
        .await;
        assert_json_error(
            send(valid.to_string().into_bytes(), Some("text/plain")).await.unwrap(),
            415,
            "unsupported_media_type",
            &what("wrong content type"),
        )
        .await;
    }
    assert_eq!(server.app.store.count_users().await.unwrap(), users_before, "no bad request wrote anything");
}
on_both!(malformed_bodies_on_every_route, malformed_bodies);

async fn bad_paths_queries_methods_and_auth(server: &TestServer) {
    let admin = server.user("admin@exemple.fr", &[(Role::PlatformAdmin, None)]).await;
    let token = server.token(admin.id, &TokenScope::ALL).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(server.at(path)).bearer_auth(&token).send();

    assert_json_error(get("/api/v1/users/abc/roles").await.unwrap(), 400, "invalid_path", "word for an id").await;
    assert_json_error(
        http.delete(server.at("/api/v1/me/tokens/9999999999999999999999")).bearer_auth(&token).send().await.unwrap(),
        400,
        "invalid_path",
        "overflowing id",
    )
    .await;
    assert_json_error(
        http.delete(server.at(&format!("/api/v1/users/{}/roles/superuser", admin.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        400,
        "invalid_path",
        "unknown role",
    )
    .await;
    assert_json_error(
        http.delete(server.at(&format!("/api/v1/users/{}/roles/place_manager", admin.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
        "scoped role without its scope",
    )
    .await;
    assert_json_error(get("/api/v1/users?limit=abc").await.unwrap(), 400, "invalid_query", "non-numeric limit").await;
    assert_json_error(get("/api/v1/users?limit=0").await.unwrap(), 400, "invalid_query", "zero limit").await;
    assert_json_error(get("/api/v1/audit?limit=100000").await.unwrap(), 400, "invalid_query", "huge limit").await;
    assert_json_error(get("/api/v1/nothing-here").await.unwrap(), 404, "not_found", "unknown route").await;
    assert_json_error(get("/api/v1/users/999999/roles").await.unwrap(), 404, "not_found", "unknown user").await;
    let put = http.put(server.at("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert!(put.headers().contains_key("allow"));
    assert_json_error(put, 405, "method_not_allowed", "PUT on /me").await;

    for (method, path, _) in routes(admin.id) {
        if path.contains("/auth/") {
            continue;
        }
        let r = http.request(method.parse().unwrap(), server.at(&path)).send().await.unwrap();
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"maillage\"");
        assert_json_error(r, 401, "authentication_required", &format!("{method} {path} without a token")).await;
        for header in ["Bearer", "Bearer mlg_notarealtoken", "Basic dXNlcjpwYXNz", "mlg_x"] {
            let r = http
                .request(method.parse().unwrap(), server.at(&path))
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            assert_json_error(r, 401, "invalid_token", &format!("{method} {path} with {header:?}")).await;
        }
    }

    let signup = |body: Value| http.post(server.at("/api/v1/auth/signup")).json(&body).send();
    let r = signup(json!({"email": "x", "display_name": "", "password": "court"})).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    for field in ["email", "display_name", "password"] {
        assert!(body["error"]["details"][field].is_string(), "{field} explained: {body}");
    }
    let r = http
        .post(server.at("/api/v1/me/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "t", "scopes": ["account:read"], "expires_at": "hier"}))
        .send()
        .await
        .unwrap();
    assert_json_error(r, 422, "invalid_body", "a date that is not a date").await;
    let r = http
        .post(server.at("/api/v1/me/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "t", "scopes": ["account:read"], "expires_at": "2001-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_json_error(r, 422, "validation_failed", "an expiry in the past").await;
    let r = http
        .post(server.at("/api/v1/me/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "", "scopes": []}))
        .send()
        .await
        .unwrap();
    assert_json_error(r, 422, "validation_failed", "no name, no scope").await;
}
on_both!(bad_paths_queries_methods_and_tokens, bad_paths_queries_methods_and_auth);

async fn bad_public_queries(server: &TestServer) {
    let http = reqwest::Client::new();
    for (method, path, parameter) in public_routes() {
        let r = http.request(method.parse().unwrap(), server.at(&path)).send().await.unwrap();
        if parameter == "id" {
            assert_json_error(r, 404, "not_found", &path).await;
            continue;
        }
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query", "{path}");
        assert_eq!(body["error"]["details"]["parameter"], parameter, "{path}: {body}");
    }
    let get = |q: &str| http.get(server.at(&format!("/api/v1/search?{q}"))).send();
    for (query, parameter) in [
        ("near=abc", "near"),
        ("near=91,2", "near"),
        ("near=45.6,0.15&radius_km=-3", "radius_km"),
        ("bbox=1,2,3", "bbox"),
        ("open=hier", "open"),
        ("sort=price", "sort"),
        ("limit=5000", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("type=planet", "type"),
        ("commune=00000", "commune"),
        ("sort=distance", "sort"),
    ] {
        let r = get(query).await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_query", "{query}");
        assert_eq!(body["error"]["details"]["parameter"], parameter, "{query}: {body}");
    }
    assert_json_error(
        http.get(server.at("/api/v1/places/abc")).send().await.unwrap(),
        400,
        "invalid_path",
        "a word for a record id",
    )
    .await;
}
on_both!(public_reads_refuse_bad_queries, bad_public_queries);

/// The table above lists exactly the operations of the OpenAPI document.
#[test]
fn every_documented_operation_has_bad_input_coverage() {
    let doc = serde_json::to_value(web::openapi_document()).unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.push(format!("{} {}", method.to_uppercase(), path));
            }
        }
    }
    let mut tested: Vec<String> = routes(7)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .chain(public_routes().into_iter().map(|(m, p, _)| (m, p)))
        .map(|(m, p)| {
            let p = p.split('?').next().unwrap().to_owned();
            let generic = p
                .replace("/users/7/roles/place_manager", "/users/{id}/roles/{role}")
                .replace("/users/7/", "/users/{id}/")
                .replace("/999999", "/{id}")
                .replace("/exports/klingon", "/exports/{format}")
                .replace("/figures/2025", "/figures/{year}")
                .replace("/periods/2026-01/", "/periods/{period}/")
                .replace("/attendance/{id}", "/attendance/{session_id}");
            format!("{m} {generic}")
        })
        .collect();
    documented.sort();
    tested.sort();
    assert_eq!(tested, documented);
}
