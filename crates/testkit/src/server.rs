//! The app served on a random local port, as `maillage serve` runs it.

use std::net::SocketAddr;

use app::{App, AppConfig};
use domain::accounts::{Grant, Role, TokenScope, TokenScopes};
use domain::policy::Actor;

use crate::db::TestDb;

/// A password that passes the policy, for test accounts.
pub const PASSWORD: &str = "cheval agrafe batterie";

pub struct TestServer {
    pub url: String,
    pub app: App,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Serves the database of `db` with the default configuration.
    pub async fn start(db: &TestDb) -> Self {
        Self::start_with(db, |_| {}).await
    }

    /// Serves `db`; `configure` may set SMTP, limits… before start.
    pub async fn start_with(db: &TestDb, configure: impl FnOnce(&mut AppConfig)) -> Self {
        let store = store::Store::open(&db.url, 8).await.expect("open database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let addr: SocketAddr = listener.local_addr().expect("local address");
        let url = format!("http://{addr}");
        let mut config = AppConfig::new(url.clone());
        configure(&mut config);
        let app = App::new(store, config).await.expect("build app");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        let handle = tokio::spawn(async move {
            web::serve(served, listener, web::ServerConfig::default(), async move {
                let _ = stopped.await;
            })
            .await
        });
        Self { url, app, stop: Some(stop), handle: Some(handle) }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Asks the server to stop and waits until in-flight requests finished.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }

    /// A confirmed account, with `roles` granted (unscoped roles, or `scope`).
    pub async fn user(&self, email: &str, roles: &[(Role, Option<i64>)]) -> store::accounts::User {
        let user = app::accounts::create_user(
            &self.app,
            &Actor::System,
            email,
            "Personne Test",
            PASSWORD,
            app::i18n::Lang::Fr,
        )
        .await
        .expect("create user");
        for (role, scope) in roles {
            let grant = Grant::new(*role, *scope).expect("valid grant");
            app::accounts::grant_role(&self.app, &Actor::System, user.id, &grant).await.expect("grant");
        }
        user
    }

    /// An API token of `user_id` with `scopes`.
    pub async fn token(&self, user_id: i64, scopes: &[TokenScope]) -> String {
        app::accounts::create_api_token(
            &self.app,
            &Actor::System,
            user_id,
            "test",
            TokenScopes::new(scopes.iter().copied()),
            None,
        )
        .await
        .expect("create token")
        .secret
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests
/// assert them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).map(|i| i + marker.len()).expect("the page has a form with a CSRF token");
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// Signs `email` in with a browser client; returns the client, signed in.
pub async fn signed_in_browser(server: &TestServer, email: &str) -> reqwest::Client {
    let client = browser();
    let page = client.get(server.at("/login")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(server.at("/login"))
        .form(&[("csrf", csrf_token(&page).as_str()), ("email", email), ("password", PASSWORD), ("next", "/account")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "sign-in of {email} should redirect");
    client
}
