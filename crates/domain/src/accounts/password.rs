//! What the platform accepts as a password. Hashing lives with the store's
//! caller (argon2id); this module only decides acceptability.

use std::collections::HashSet;
use std::sync::OnceLock;

/// CNIL's recommendation for password-only authentication is 12 characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Bounds the argon2 work an attacker can ask for with one request.
const MAX_PASSWORD_CHARS: usize = 256;

/// A password that passed the policy. It never implements `Debug` with its
/// content, so it cannot leak into logs by accident.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("at least {MIN_PASSWORD_CHARS} characters are required")]
    TooShort,
    #[error("at most {MAX_PASSWORD_CHARS} characters are accepted")]
    TooLong,
    #[error("this password is among the most common ones")]
    Common,
    #[error("this password repeats too few different characters")]
    TooRepetitive,
    #[error("this password contains your email address")]
    ContainsEmail,
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

impl Password {
    /// Checks `input` against the policy. `email_local_part` lets the policy
    /// refuse passwords built from the person's own address.
    pub fn parse(input: &str, email_local_part: Option<&str>) -> Result<Self, PasswordRejection> {
        let chars = input.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordRejection::TooShort);
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordRejection::TooLong);
        }
        let lower = input.to_lowercase();
        let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
        let stem = stem.trim_start_matches(|c: char| c.is_ascii_digit());
        let list = common_passwords();
        if list.contains(lower.as_str()) || list.contains(stem) || is_repeated_common(&lower, list) {
            return Err(PasswordRejection::Common);
        }
        let distinct: HashSet<char> = lower.chars().collect();
        if distinct.len() < 5 {
            return Err(PasswordRejection::TooRepetitive);
        }
        if let Some(local) = email_local_part
            && local.chars().count() >= 4
            && lower.contains(&local.to_lowercase())
        {
            return Err(PasswordRejection::ContainsEmail);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// "azertyazerty" and "soleilsoleil" are as weak as their halves.
fn is_repeated_common(lower: &str, list: &HashSet<&str>) -> bool {
    let n = lower.len();
    (1..=n / 2).any(|len| {
        n.is_multiple_of(len)
            && lower.is_char_boundary(len)
            && lower.as_bytes().chunks(len).all(|c| c == &lower.as_bytes()[..len])
            && list.contains(&lower[..len])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_long_passphrase() {
        assert!(Password::parse("cheval agrafe batterie correcte", None).is_ok());
        assert!(Password::parse("Lieu-Partage#2026", Some("zoe")).is_ok());
    }

    #[test]
    fn refuses_short_common_repetitive_and_personal_passwords() {
        assert_eq!(Password::parse("court", None).unwrap_err(), PasswordRejection::TooShort);
        assert_eq!(Password::parse("Motdepasse2024!", None).unwrap_err(), PasswordRejection::Common);
        assert_eq!(Password::parse("AZERTYUIOP123", None).unwrap_err(), PasswordRejection::Common);
        assert_eq!(Password::parse("123456789012", None).unwrap_err(), PasswordRejection::Common);
        assert_eq!(Password::parse("soleilsoleil", None).unwrap_err(), PasswordRejection::Common);
        assert_eq!(Password::parse("aaaaaaaaaaaaaaa", None).unwrap_err(), PasswordRejection::TooRepetitive);
        assert_eq!(
            Password::parse("camille.durand!", Some("camille.durand")).unwrap_err(),
            PasswordRejection::ContainsEmail
        );
        assert_eq!(Password::parse(&"ab1!x".repeat(60), None).unwrap_err(), PasswordRejection::TooLong);
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let p = Password::parse("cheval agrafe batterie", None).unwrap();
        assert!(!format!("{p:?}").contains("cheval"));
    }
}
