//! Sending one outbox mail through the configured SMTP relay.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{AppConfig, SmtpConfig};

/// Sends `subject`/`body` to `recipient` through `smtp`. The error text is
/// stored with the mail; it never contains the recipient.
pub async fn send(
    config: &AppConfig,
    smtp: &SmtpConfig,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let from: Mailbox = config.mail_from.parse().map_err(|e| format!("invalid sender address: {e}"))?;
    let to: Mailbox = recipient.parse().map_err(|_| "invalid recipient address".to_owned())?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| format!("building the message: {e}"))?;
    // Plain SMTP to a relay the operator controls (localhost or a private
    // network); the relay handles TLS towards the internet.
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        transport = transport.credentials(Credentials::new(user.clone(), password.clone()));
    }
    transport.build().send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
}
