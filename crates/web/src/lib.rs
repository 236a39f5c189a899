//! Maillage over HTTP: the JSON API, its OpenAPI document, and the pages.
//!
//! # Layout
//! - [`startup`]: builds the router and runs the server (and the job worker)
//!   until shutdown. Tests and the binary start it the same way.
//! - `api/`: one module per resource under `/api/v1`, each handler annotated
//!   for the OpenAPI document (`api/openapi.rs`).
//! - `pages/`: the server-rendered pages, one module per area, with their
//!   templates in `templates/` (askama, escaped by default).
//! - `error.rs`: the API error format and its stable codes, in one table.
//! - `extract.rs`: request extractors that turn every malformed input into a
//!   4xx with a JSON body.
//! - `auth.rs`: who is asking (session cookie for pages, bearer token for
//!   the API); `csrf.rs`: form protection; `middleware.rs`: security headers,
//!   request ids, metrics; `i18n.rs`: the language of a request.
//!
//! Architecture invariant: handlers stay thin. They extract, ask
//! `domain::policy::authorize` (directly or through an `app` use case), call
//! `app`, and render. No SQL here; no HTTP below this crate.

mod api;
mod auth;
mod csrf;
mod error;
mod extract;
mod health;
mod i18n;
mod metrics;
mod middleware;
mod pages;
pub mod startup;
mod state;

pub use api::openapi_document;
pub use startup::{ServerConfig, build_router, serve};
pub use state::AppState;
