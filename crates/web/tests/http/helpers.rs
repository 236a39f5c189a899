//! What several test modules need.

use testkit::TestServer;

/// The newest outbox mail to `recipient`, waiting briefly for it.
pub async fn last_mail_to(server: &TestServer, recipient: &str) -> store::mail::Mail {
    for _ in 0..50 {
        let mails = server.app.store.outbox(200).await.unwrap();
        if let Some(m) = mails.into_iter().find(|m| m.recipient == recipient) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {recipient}");
}

/// The first link in a mail body starting with `prefix`.
pub fn link_in(body: &str, prefix: &str) -> String {
    let start = body.find(prefix).unwrap_or_else(|| panic!("no link {prefix} in:\n{body}"));
    body[start..].split_whitespace().next().unwrap().to_owned()
}

/// Sends a request until it gets a definite answer (503 means "busy, retry").
pub async fn definite(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    for _ in 0..50 {
        let r = request.try_clone().unwrap().send().await.unwrap();
        let status = r.status().as_u16();
        if status != 503 {
            return (status, r.json().await.unwrap());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("busy for ever");
}

/// Runs `check` against a fresh server on SQLite, then on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = testkit::sqlite().await;
                let server = testkit::TestServer::start(&db).await;
                ($body)(&server).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = testkit::postgres().await else { return };
                let server = testkit::TestServer::start(&db).await;
                ($body)(&server).await;
            }
        }
    };
}

/// Runs `check` with a fresh database on SQLite, then on PostgreSQL; the
/// test starts its own servers.
#[macro_export]
macro_rules! on_both_db {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = testkit::sqlite().await;
                ($body)(&db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = testkit::postgres().await else { return };
                ($body)(&db).await;
            }
        }
    };
}

/// The test place is a France Services whose reception hours its resources
/// inherit. A test about other rules opens its root resource at any hour;
/// hours given, or a parent, are left alone.
pub fn any_hour(mut body: serde_json::Value) -> serde_json::Value {
    let root = body.get("parent_id").is_none_or(serde_json::Value::is_null);
    if root && body.get("opening_hours").is_none() {
        body["opening_hours"] = "24/7".into();
    }
    body
}

/// [`any_hour`] for a resource created through the use case.
pub fn any_hour_input(mut input: app::operations::ResourceInput) -> app::operations::ResourceInput {
    if input.parent_id.is_none() && input.opening_hours.is_none() {
        input.opening_hours = Some("24/7".into());
    }
    input
}
