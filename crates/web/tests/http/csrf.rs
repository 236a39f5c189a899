//! Forms that change state refuse requests without their token, and
//! requests a browser marks as cross-site.

use testkit::{TestServer, browser, csrf_token, signed_in_browser};

use crate::on_both;

async fn forms_need_their_token(server: &TestServer) {
    server.user("csrf@exemple.fr", &[]).await;
    let client = signed_in_browser(server, "csrf@exemple.fr").await;
    let page = client.get(server.at("/account")).send().await.unwrap().text().await.unwrap();
    let token = csrf_token(&page);

    let without = client
        .post(server.at("/account/profile"))
        .form(&[("display_name", "Pirate"), ("locale", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    assert!(without.text().await.unwrap().contains("Le formulaire a expiré"));
    let wrong = client
        .post(server.at("/account/profile"))
        .form(&[("csrf", "0000000000000000000000000000000000000000"), ("display_name", "Pirate"), ("locale", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let cross_site = client
        .post(server.at("/account/profile"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[("csrf", token.as_str()), ("display_name", "Pirate"), ("locale", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "a cross-site post is refused even with a stolen token");
    // Another visitor's token does not work with this visitor's cookie.
    let stranger = browser();
    let stranger_page = stranger.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let borrowed = client
        .post(server.at("/account/profile"))
        .form(&[("csrf", csrf_token(&stranger_page).as_str()), ("display_name", "Pirate"), ("locale", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(borrowed.status(), 403);
    let user = server
        .app
        .store
        .user_by_email(&domain::accounts::Email::parse("csrf@exemple.fr").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.display_name, "Personne Test", "no refused form changed anything");

    let ok = client
        .post(server.at("/account/profile"))
        .form(&[("csrf", token.as_str()), ("display_name", "Nouveau nom"), ("locale", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let page = client.get(server.at("/account")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Nouveau nom") && page.contains("My account"),
        "saved, and the interface follows the chosen language"
    );
    // Log-in itself is a form and needs its token.
    let anonymous = browser();
    anonymous.get(server.at("/login")).send().await.unwrap();
    let login = anonymous
        .post(server.at("/login"))
        .form(&[("email", "csrf@exemple.fr"), ("password", testkit::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
}
on_both!(forms_refuse_missing_or_foreign_tokens, forms_need_their_token);
