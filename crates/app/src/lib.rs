//! Maillage's use cases, shared by the web server and the command line.
//!
//! # Layout
//! - [`App`]: the services handle (store, configuration, instance secret).
//! - [`backoffice`]: what the place manager's pages read, behind the policy.
//! - [`accounts`]: sign-up, sign-in with throttling, email confirmation,
//!   password reset, API tokens, roles, data export and account deletion.
//! - [`atlas`]: imports, duplicates, edits, search and exports of the atlas.
//! - [`i18n`]: the French and English message catalogue.
//! - [`mail`]: mails we send, and their delivery through the SMTP relay.
//! - [`jobs`]: the background worker that runs queued jobs.
//! - [`secrets`]: random tokens, their hashes, password hashing.
//!
//! Every change goes through one store write transaction that also writes its
//! audit entry, so a use case either happens completely or not at all.

pub mod accounting;
pub mod accounts;
pub mod atlas;
pub mod backoffice;
pub mod bookings;
pub mod closures;
mod config;
mod error;
pub mod events;
pub mod i18n;
pub mod invoices;
pub mod jobs;
pub mod mail;
pub mod operations;
pub mod programmes;
pub mod secrets;
pub mod tariffs;

pub use config::{AppConfig, SmtpConfig};
pub use error::{AppError, FieldErrors};

use store::Store;

/// Everything a use case needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub config: std::sync::Arc<AppConfig>,
    secret: secrets::InstanceSecret,
}

impl App {
    /// Loads (or creates, on first start) the instance secret shared by all servers.
    pub async fn new(store: Store, config: AppConfig) -> Result<Self, AppError> {
        let secret = secrets::InstanceSecret::load(&store).await?;
        Ok(Self { store, config: std::sync::Arc::new(config), secret })
    }

    pub fn secret(&self) -> &secrets::InstanceSecret {
        &self.secret
    }
}
