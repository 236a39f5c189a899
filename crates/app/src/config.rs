//! Settings that come from flags and environment variables.

use chrono::Duration;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The address people use to reach the site, e.g. `https://maillage.example.fr`.
    /// Links in mails start with it; `https` makes cookies `Secure`.
    pub public_url: String,
    /// `None`: mails stay in the outbox (`maillage admin outbox`).
    pub smtp: Option<SmtpConfig>,
    pub mail_from: String,
    pub session_ttl: Duration,
    pub confirm_ttl: Duration,
    pub reset_ttl: Duration,
    /// Failed sign-ins allowed per account, and per address, in `login_window`.
    pub login_limit_per_account: i64,
    pub login_limit_per_ip: i64,
    pub login_window: Duration,
    /// Atlas records not updated or verified for this many days are stale:
    /// they rank lower, carry a warning, and their managers are asked to
    /// confirm them.
    pub stale_after_days: i64,
    /// A map tile URL template (`https://tile.example.org/{z}/{x}/{y}.png`);
    /// without one, maps show the territory's outlines we ship.
    pub tile_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl SmtpConfig {
    /// Parses `smtp://[user:password@]host[:port]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("smtp://").ok_or("the SMTP URL must start with smtp://")?;
        let rest = rest.trim_end_matches('/');
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((a, h)) => (Some(a), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("invalid SMTP port {p:?}"))?),
            None => (hostport, 25),
        };
        if host.is_empty() {
            return Err("the SMTP URL lacks a host".into());
        }
        let (username, password) = match auth.map(|a| a.split_once(':')) {
            Some(Some((u, p))) => (Some(u.to_owned()), Some(p.to_owned())),
            Some(None) => (auth.map(str::to_owned), None),
            None => (None, None),
        };
        Ok(Self { host: host.to_owned(), port, username, password })
    }
}

impl AppConfig {
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            smtp: None,
            mail_from: "Maillage <no-reply@maillage.localhost>".into(),
            session_ttl: Duration::days(30),
            confirm_ttl: Duration::days(3),
            reset_ttl: Duration::hours(1),
            login_limit_per_account: 10,
            login_limit_per_ip: 100,
            login_window: Duration::minutes(15),
            stale_after_days: 365,
            tile_url: None,
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        assert_eq!(
            SmtpConfig::parse("smtp://relay.local:2525").unwrap(),
            SmtpConfig { host: "relay.local".into(), port: 2525, username: None, password: None }
        );
        let c = SmtpConfig::parse("smtp://u:p%w@mx.example.fr").unwrap();
        assert_eq!((c.port, c.username.as_deref(), c.password.as_deref()), (25, Some("u"), Some("p%w")));
        assert!(SmtpConfig::parse("http://x").is_err());
        assert!(SmtpConfig::parse("smtp://x:notaport").is_err());
    }
}
