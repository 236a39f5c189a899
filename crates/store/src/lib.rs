//! Persistence for Maillage on two backends: SQLite (embedded, the default)
//! and PostgreSQL (several app servers on one database).
//!
//! # Layout
//! - [`db`]: connecting, migrating, and the write transaction every change
//!   goes through (which also appends to the audit log).
//! - [`accounts`], [`sessions`], [`api_tokens`], [`grants`], [`one_time`]:
//!   people, their sign-ins and what they may do.
//! - [`mail`], [`jobs`], [`throttle`]: state that several servers share.
//! - [`audit`]: the hash-chained log and its verification.
//! - [`personal_data`]: export and erasure of one person's data (GDPR).
//! - [`backup`]: a logical, backend-neutral dump and its restore.
//! - [`atlas`]: places, organisations and services with their sources,
//!   edits, links, duplicates and merges; [`outbox`]: the change feed
//!   search indexes follow.
//!
//! Both backends run the same SQL through sqlx's `Any` driver: `$n`
//! placeholders, `RETURNING`, `ON CONFLICT`, integers for times. What differs
//! lives in the `migrations/<backend>/` files and in [`db::Backend`]. Nothing
//! from sqlx crosses this crate's API.

pub mod accounting;
pub mod accounts;
pub mod api_tokens;
pub mod atlas;
pub mod audit;
pub mod backup;
pub mod closures;
pub mod db;
mod error;
pub mod events;
pub mod grants;
pub mod invoices;
pub mod jobs;
pub mod mail;
pub mod memberships;
pub mod one_time;
pub mod operations;
pub mod outbox;
pub mod personal_data;
pub mod pool;
pub mod programmes;
pub mod sessions;
pub mod settings;
mod sql;
pub mod tariffs;
pub mod throttle;
mod time;

pub use db::{Backend, Store, WriteTx};
pub use error::StoreError;
pub use time::{from_micros, now_micros, to_micros};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
