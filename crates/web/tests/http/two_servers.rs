//! Two servers on one database behave as one service: sessions, tokens,
//! throttling counters and the job queue live in the database.

use testkit::{PASSWORD, TestDb, TestServer, browser, csrf_token};

use crate::on_both_db;

async fn login_status(server: &TestServer, client: &reqwest::Client, email: &str, password: &str) -> u16 {
    let page = client.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    client
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn two_servers(db: &TestDb) {
    let relay = testkit::smtp::SmtpSink::start().await;
    let configure = |c: &mut app::AppConfig| {
        c.smtp = Some(app::SmtpConfig::parse(&relay.url()).unwrap());
        c.login_limit_per_account = 5;
    };
    let a = TestServer::start_with(db, configure).await;
    let b = TestServer::start_with(db, configure).await;
    a.user("deux@exemple.fr", &[]).await;

    // A session opened on A is valid on B: the cookie names a row, not memory.
    let set_cookie = a_session_cookie(&a).await;
    let cookie = set_cookie.split(';').next().unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for server in [&a, &b] {
        let page = http.get(server.at("/account")).header("cookie", cookie).send().await.unwrap();
        assert_eq!(page.status(), 200, "the session opened on A works on {}", server.url);
        assert!(page.text().await.unwrap().contains("deux@exemple.fr"));
    }

    // Failed sign-ins count across both servers.
    let attacker = browser();
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            login_status(server, &attacker, "deux@exemple.fr", "mauvais mot de passe").await,
            401,
            "attempt {i}"
        );
    }
    assert_eq!(login_status(&a, &attacker, "deux@exemple.fr", PASSWORD).await, 429, "locked on A");
    assert_eq!(login_status(&b, &attacker, "deux@exemple.fr", PASSWORD).await, 429, "locked on B too");

    // One mail queued through B is delivered once, although both servers run workers.
    let r = http
        .post(b.at("/api/v1/auth/signup"))
        .json(&serde_json::json!({"email": "unique@exemple.fr", "display_name": "Unique", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    for _ in 0..100 {
        if !relay.mails().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mails: Vec<_> = relay.mails().into_iter().filter(|m| m.to == ["unique@exemple.fr"]).collect();
    assert_eq!(mails.len(), 1, "delivered exactly once");

    // A token revoked on A is refused by B at once.
    let user =
        a.app.store.user_by_email(&domain::accounts::Email::parse("deux@exemple.fr").unwrap()).await.unwrap().unwrap();
    let token = a.token(user.id, &[domain::accounts::TokenScope::AccountRead]).await;
    assert_eq!(http.get(b.at("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);
    let id = a.app.store.api_tokens_of(user.id).await.unwrap()[0].id;
    app::accounts::revoke_api_token(&a.app, &domain::policy::Actor::System, user.id, id).await.unwrap();
    assert_eq!(http.get(b.at("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);

    a.shutdown().await;
    b.shutdown().await;
}
on_both_db!(two_servers_on_one_database, two_servers);

/// Signs in on A and returns the session's `Set-Cookie` value, to replay
/// by hand on B (a cookie jar would hide which server saw what).
async fn a_session_cookie(a: &TestServer) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(a.at("/login")).send().await.unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mlg_csrf="))
        .unwrap();
    let html = page.text().await.unwrap();
    let r = client
        .post(a.at("/login"))
        .header("cookie", csrf_cookie.split(';').next().unwrap())
        .form(&[("csrf", csrf_token(&html).as_str()), ("email", "deux@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("mlg_session="))
        .unwrap()
}

/// Each server keeps its own search index; a write through one is
/// searchable on the other within two seconds.
async fn search_follows_writes_of_other_servers(db: &TestDb) {
    let a = TestServer::start(db).await;
    let b = TestServer::start(db).await;
    testkit::atlas::import_shared(
        &a.app,
        "france-services",
        "france-services",
        "places/france-services-2024-08.csv",
        &["16"],
    )
    .await;
    let wait = std::time::Duration::from_secs(2);
    let found = crate::atlas::search_until(&b, "q=ma%20campagne&type=place", wait, |r| {
        r["items"][0]["name"] == "France services d'Angoulême - Ma Campagne"
    })
    .await;
    let id = found["items"][0]["id"].as_i64().unwrap();

    let editor = a.user("territoire@exemple.fr", &[(domain::accounts::Role::TerritoryEditor, None)]).await;
    let token = a.token(editor.id, &[domain::accounts::TokenScope::AtlasWrite]).await;
    let http = reqwest::Client::new();
    for round in 0..3 {
        let name = format!("Maison France services du quartier {}", ["Alpha", "Bravo", "Charlie"][round]);
        let r = http
            .patch(a.at(&format!("/api/v1/atlas/{id}")))
            .bearer_auth(&token)
            .json(&serde_json::json!({"fields": {"name": name}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let word = ["alpha", "bravo", "charlie"][round];
        crate::atlas::search_until(&b, &format!("q={word}&type=place"), wait, |r| r["items"][0]["id"] == id).await;
    }
    a.shutdown().await;
    b.shutdown().await;
}
on_both_db!(search_follows_writes_of_other_servers_within_two_seconds, search_follows_writes_of_other_servers);
