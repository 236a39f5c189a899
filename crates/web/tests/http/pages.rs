//! Pages: language, accessibility landmarks, security headers, cookies,
//! health and metrics, sign-in limits.

use testkit::{PASSWORD, TestServer, browser, csrf_token};

use crate::on_both;

async fn language(server: &TestServer) {
    let http = browser();
    let fr = http.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    assert!(fr.contains("<html lang=\"fr\">") && fr.contains("Se connecter"));
    let en = http
        .get(server.at("/login"))
        .header("accept-language", "en-GB,en;q=0.9,fr;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Log in"));
    // The switch is a plain link that sets a cookie and comes back.
    let switched = http.get(server.at("/lang/en?next=/login")).send().await.unwrap();
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/login");
    let after = http.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("<html lang=\"en\">"), "the choice beats the browser's default");
    assert!(after.contains("href=\"/lang/fr?next=%2Flogin\""), "the switch offers French back");
    // The switch never redirects off-site.
    let evil = http.get(server.at("/lang/fr?next=//evil.example/")).send().await.unwrap();
    assert_eq!(evil.headers()["location"], "/");
    assert_eq!(http.get(server.at("/lang/xx")).send().await.unwrap().status(), 404);
}
on_both!(french_by_default_english_on_request, language);

async fn structure_and_headers(server: &TestServer) {
    let http = browser();
    let response = http.get(server.at("/")).send().await.unwrap();
    let h = response.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(h.contains_key("x-request-id"));
    let csrf_cookie =
        h.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("mlg_csrf=")).unwrap();
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));
    assert!(!csrf_cookie.contains("Secure"), "plain http in tests");
    let html = response.text().await.unwrap();
    assert!(html.contains("class=\"skip-link\" href=\"#main\""));
    assert!(html.contains("<main id=\"main\""));
    assert!(html.contains("<nav aria-label=\"Navigation principale\">"));
    // The map is an enhancement: scripts are external and deferred (the CSP
    // forbids inline ones) and searching is a plain form that works without them.
    assert!(html.contains("<form method=\"get\" action=\"/recherche\""));
    for script in html.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(tag.contains(" src=\"/static/") && tag.contains(" defer"), "external deferred script: {tag}");
    }

    server.user("cookie@exemple.fr", &[]).await;
    let page = http.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let login = http
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", "cookie@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mlg_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"));
    let token = session.trim_start_matches("mlg_session=").split(';').next().unwrap();
    let stored = server.app.store.session_by_token_hash(token).await.unwrap();
    assert!(stored.is_none(), "the database holds a hash of the token, not the token");
    assert!(server.app.store.session_by_token_hash(&app::secrets::token_hash(token)).await.unwrap().is_some());

    let missing = http.get(server.at("/nowhere")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Cette page n&#39;existe pas"));
    let css = http.get(server.at("/static/maillage.css")).send().await.unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}
on_both!(pages_have_landmarks_headers_and_safe_cookies, structure_and_headers);

async fn health_and_metrics(server: &TestServer) {
    let http = reqwest::Client::new();
    let health: serde_json::Value = http.get(server.at("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["status"], "ok");
    http.get(server.at("/api/v1/me")).send().await.unwrap();
    let metrics = http.get(server.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains("maillage_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"401\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("maillage_http_request_duration_seconds_count"));
    assert!(metrics.contains("maillage_jobs_pending"));
    assert!(metrics.contains("maillage_mails{status=\"held\"}"));
}
on_both!(health_and_prometheus_metrics, health_and_metrics);

async fn sign_in_limits(server: &TestServer) {
    server.user("limite@exemple.fr", &[]).await;
    let http = browser();
    let attempt = |password: &'static str| {
        let http = http.clone();
        let url = server.at("/login");
        async move {
            let page = http.get(&url).send().await.unwrap().text().await.unwrap();
            http.post(&url)
                .form(&[("csrf", csrf_token(&page).as_str()), ("email", "limite@exemple.fr"), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..10 {
        let r = attempt("mauvais mot de passe").await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("Adresse électronique ou mot de passe incorrect"));
    }
    let locked = attempt(PASSWORD).await;
    assert_eq!(locked.status(), 429, "even the right password waits once the account is locked");
    assert!(locked.text().await.unwrap().contains("Trop de tentatives"));
    // An unknown address gets the same answer as a wrong password.
    let page = http.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let unknown = http
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", "inconnu@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}
on_both!(sign_in_is_throttled_per_account, sign_in_limits);

async fn per_address_limit(db: &testkit::TestDb) {
    let server = TestServer::start_with(db, |c| {
        c.login_limit_per_ip = 3;
        c.login_limit_per_account = 100;
    })
    .await;
    server.user("vraie@exemple.fr", &[]).await;
    let http = browser();
    let attempt = |email: &'static str, password: &'static str| {
        let http = http.clone();
        let url = server.at("/login");
        async move {
            let page = http.get(&url).send().await.unwrap().text().await.unwrap();
            http.post(&url)
                .form(&[("csrf", csrf_token(&page).as_str()), ("email", email), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Guessing across many accounts from one address is limited too.
    for email in ["a@exemple.fr", "b@exemple.fr", "c@exemple.fr"] {
        assert_eq!(attempt(email, "mauvais mot de passe").await, 401);
    }
    assert_eq!(attempt("vraie@exemple.fr", PASSWORD).await, 429);
}
crate::on_both_db!(sign_in_is_throttled_per_client_address, per_address_limit);

#[tokio::test]
async fn https_deployments_get_secure_cookies_and_hsts() {
    let db = testkit::sqlite().await;
    let server = TestServer::start_with(&db, |c| c.public_url = "https://maillage.example.fr".into()).await;
    let response = browser().get(server.at("/login")).send().await.unwrap();
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("mlg_csrf="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}
