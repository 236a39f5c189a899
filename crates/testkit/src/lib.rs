//! Test helpers shared by every crate's integration tests.
//!
//! # Layout
//! - [`db`]: a fresh database per test on SQLite (a temporary file) and on
//!   PostgreSQL (a schema of its own on the local server), and the rule for
//!   when PostgreSQL tests may be skipped.
//! - [`server`]: the app served on port 0 over a test database, and a
//!   browser-like client.
//! - [`smtp`]: an SMTP server that keeps the mails it receives.
//! - [`atlas`]: the shared public files imported with the shipped mappings.

#[cfg(feature = "server")]
pub mod atlas;
pub mod db;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod smtp;

pub use db::{TestDb, postgres, sqlite};
#[cfg(feature = "server")]
pub use server::{PASSWORD, TestServer, browser, csrf_token, signed_in_browser};

/// Defines, for each named async story `fn(&TestDb)`, a test in module
/// `sqlite` and one in module `postgres` running it on a fresh database.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let db = $crate::sqlite().await;
                    super::$story(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let Some(db) = $crate::postgres().await else { return };
                    super::$story(&db).await;
                }
            )*
        }
    };
}
