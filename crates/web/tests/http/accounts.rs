//! Sign-up, confirmation, sign-in, password reset, tokens, export, deletion.

use domain::accounts::TokenScope;
use serde_json::Value;
use testkit::{PASSWORD, TestServer, browser, csrf_token, signed_in_browser};

use crate::helpers::{last_mail_to, link_in};
use crate::on_both;

async fn signup_confirm_login_logout(server: &TestServer) {
    let client = browser();
    let page = client.get(server.at("/signup")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(server.at("/signup"))
        .form(&[
            ("csrf", csrf_token(&page).as_str()),
            ("display_name", "Zoé Martin"),
            ("email", "Zoe.Martin@Exemple.fr"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("zoe.martin@exemple.fr"));

    // Not confirmed yet: sign-in is refused with a clear message.
    let login = client.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let refused = client
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&login).as_str()), ("email", "zoe.martin@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("pas encore confirmée"));

    let mail = last_mail_to(server, "zoe.martin@exemple.fr").await;
    assert!(mail.subject.contains("Confirmez"));
    let link = link_in(&mail.body, &server.at("/email/confirm?token="));
    let confirmed = client.get(&link).send().await.unwrap();
    assert_eq!(confirmed.status(), 303);
    assert_eq!(confirmed.headers()["location"], "/login?notice=confirmed");
    // The link is single-use.
    assert_eq!(client.get(&link).send().await.unwrap().status(), 400);

    let signed_in = signed_in_browser(server, "zoe.martin@exemple.fr").await;
    let account = signed_in.get(server.at("/account")).send().await.unwrap();
    assert_eq!(account.status(), 200);
    let html = account.text().await.unwrap();
    assert!(html.contains("Zoé Martin") && html.contains("cette session"));

    let logout =
        signed_in.post(server.at("/logout")).form(&[("csrf", csrf_token(&html).as_str())]).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    let after = signed_in.get(server.at("/account")).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out: the account page sends to the log-in page");
    assert!(after.headers()["location"].to_str().unwrap().starts_with("/login"));
}
on_both!(signup_confirm_login_logout_journey, signup_confirm_login_logout);

async fn signup_errors_are_shown_beside_fields(server: &TestServer) {
    let client = browser();
    let page = client.get(server.at("/signup")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(server.at("/signup"))
        .form(&[
            ("csrf", csrf_token(&page).as_str()),
            ("display_name", ""),
            ("email", "pas-une-adresse"),
            ("password", "azerty"),
            ("password_confirm", "azerty"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"f-email-error\""), "{html}");
    assert!(html.contains("Saisissez une adresse électronique valide"));
    assert!(html.contains("au moins 12 caractères"));
    assert!(html.contains("Ce champ est obligatoire"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("value=\"pas-une-adresse\""), "typed values are kept");
    assert_eq!(server.app.store.count_users().await.unwrap(), 0, "nothing half-written");

    // A taken address gets the same answer; its owner is told by mail.
    server.user("pris@exemple.fr", &[]).await;
    let page = client.get(server.at("/signup")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(server.at("/signup"))
        .form(&[
            ("csrf", csrf_token(&page).as_str()),
            ("display_name", "Intrus"),
            ("email", "pris@exemple.fr"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(last_mail_to(server, "pris@exemple.fr").await.subject.contains("déjà un compte"));
    assert_eq!(server.app.store.count_users().await.unwrap(), 1);
}
on_both!(signup_errors, signup_errors_are_shown_beside_fields);

async fn password_reset(server: &TestServer) {
    server.user("oubli@exemple.fr", &[]).await;
    let other_device = signed_in_browser(server, "oubli@exemple.fr").await;
    let client = browser();
    let page = client.get(server.at("/password/forgot")).send().await.unwrap().text().await.unwrap();
    let sent = client
        .post(server.at("/password/forgot"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", "oubli@exemple.fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    // An unknown address gets the same page and no mail.
    let page = client.get(server.at("/password/forgot")).send().await.unwrap().text().await.unwrap();
    let unknown = client
        .post(server.at("/password/forgot"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", "inconnu@exemple.fr")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("Si un compte existe"));

    let mail = last_mail_to(server, "oubli@exemple.fr").await;
    let link = link_in(&mail.body, &server.at("/password/reset?token="));
    let form = client.get(&link).send().await.unwrap().text().await.unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let new_password = "nouvelle phrase de passe";
    let weak = client
        .post(server.at("/password/reset"))
        .form(&[
            ("csrf", csrf_token(&form).as_str()),
            ("token", token),
            ("password", "court"),
            ("password_confirm", "court"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422, "a weak password is refused and the link stays usable");
    let done = client
        .post(server.at("/password/reset"))
        .form(&[
            ("csrf", csrf_token(&form).as_str()),
            ("token", token),
            ("password", new_password),
            ("password_confirm", new_password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(client.get(&link).send().await.unwrap().status(), 400, "single use");
    assert_eq!(other_device.get(server.at("/account")).send().await.unwrap().status(), 303, "every session was closed");
    let login = client.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let old = client
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&login).as_str()), ("email", "oubli@exemple.fr"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    let new = client
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&login).as_str()), ("email", "oubli@exemple.fr"), ("password", new_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(new.status(), 303);
    assert!(last_mail_to(server, "oubli@exemple.fr").await.subject.contains("a changé"));
}
on_both!(password_reset_journey, password_reset);

async fn api_tokens(server: &TestServer) {
    let user = server.user("prog@exemple.fr", &[]).await;
    let client = signed_in_browser(server, "prog@exemple.fr").await;
    let page = client.get(server.at("/account")).send().await.unwrap().text().await.unwrap();
    let created = client
        .post(server.at("/account/tokens"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("name", "script nocturne"), ("scopes", "account:read")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let html = created.text().await.unwrap();
    let start = html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = html[start..].split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("mlg_"));

    let api = reqwest::Client::new();
    let me: Value = api.get(server.at("/api/v1/me")).bearer_auth(&secret).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], "prog@exemple.fr");
    assert_eq!(me["id"], user.id);
    // The read scope does not allow changes.
    let patch = api
        .patch(server.at("/api/v1/me"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({"display_name": "Autre"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 403);
    let body: Value = patch.json().await.unwrap();
    assert_eq!(body["error"]["code"], "missing_scope");
    assert_eq!(body["error"]["details"]["required_scope"], "account:write");

    let tokens = server.app.store.api_tokens_of(user.id).await.unwrap();
    assert!(tokens[0].last_used_at.is_some(), "last use is recorded");
    let page = client.get(server.at("/account")).send().await.unwrap().text().await.unwrap();
    let revoked = client
        .post(server.at(&format!("/account/tokens/{}/revoke", tokens[0].id)))
        .form(&[("csrf", csrf_token(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 303);
    let after = api.get(server.at("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(after.json::<Value>().await.unwrap()["error"]["code"], "invalid_token");

    // A token can create a token through the API when it may write the account.
    let writer = server.token(user.id, &[TokenScope::AccountRead, TokenScope::AccountWrite]).await;
    let made: Value = api
        .post(server.at("/api/v1/me/tokens"))
        .bearer_auth(&writer)
        .json(&serde_json::json!({"name": "ci", "scopes": ["account:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(made["secret"].as_str().unwrap().starts_with("mlg_"));
    assert_eq!(made["token"]["scopes"], serde_json::json!(["account:read"]));
}
on_both!(api_token_lifecycle, api_tokens);

async fn export_and_delete(server: &TestServer) {
    let user = server.user("rgpd@exemple.fr", &[]).await;
    let token = server.token(user.id, &[TokenScope::AccountRead, TokenScope::AccountWrite]).await;
    let browser_session = signed_in_browser(server, "rgpd@exemple.fr").await;
    let api = reqwest::Client::new();

    let export: Value =
        api.get(server.at("/api/v1/me/export")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["account"]["email"], "rgpd@exemple.fr");
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert!(!export["api_tokens"].as_array().unwrap().is_empty());
    assert!(export["audit_log"].as_array().unwrap().iter().any(|e| e["action"] == "session.open"));
    // The page offers the same document as a download.
    let download = browser_session.get(server.at("/account/export")).send().await.unwrap();
    assert!(download.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let doc: Value = download.json().await.unwrap();
    assert_eq!(doc["account"]["id"], user.id);

    let wrong = api
        .delete(server.at("/api/v1/me"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"password": "pas le bon mot de passe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let deleted = api
        .delete(server.at("/api/v1/me"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    let erased = server.app.store.user(user.id).await.unwrap();
    assert_eq!((erased.email, erased.display_name.as_str()), (None, ""));
    assert_eq!(api.get(server.at("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401);
    assert_eq!(browser_session.get(server.at("/account")).send().await.unwrap().status(), 303);
    assert_eq!(server.app.store.verify_audit_chain().await.unwrap().problem, None);
    // Nothing personal is left in the audit log either.
    for e in server.app.store.audit_entries(None, 1000).await.unwrap() {
        assert!(!e.summary.contains("rgpd@"), "{e:?}");
    }
}
on_both!(export_then_delete_account, export_and_delete);

async fn smtp_delivery(db: &testkit::TestDb) {
    let relay = testkit::smtp::SmtpSink::start().await;
    let server = TestServer::start_with(db, |c| c.smtp = Some(app::SmtpConfig::parse(&relay.url()).unwrap())).await;
    let api = reqwest::Client::new();
    let accepted = api
        .post(server.at("/api/v1/auth/signup"))
        .json(&serde_json::json!({"email": "relai@exemple.fr", "display_name": "Relais", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let mut delivered = Vec::new();
    for _ in 0..100 {
        delivered = relay.mails();
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(delivered.len(), 1, "one mail over SMTP");
    assert_eq!(delivered[0].to, vec!["relai@exemple.fr".to_owned()]);
    assert!(delivered[0].data.contains("/email/confirm?token="));
    // The relay has the mail; the worker marks it sent right after.
    let mut mail = last_mail_to(&server, "relai@exemple.fr").await;
    for _ in 0..100 {
        if mail.status == store::mail::MailStatus::Sent {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        mail = last_mail_to(&server, "relai@exemple.fr").await;
    }
    assert_eq!(mail.status, store::mail::MailStatus::Sent);
    server.shutdown().await;
}
crate::on_both_db!(mail_goes_through_the_smtp_relay, smtp_delivery);
