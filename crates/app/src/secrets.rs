//! Random tokens, their stored hashes, and password hashing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::AppError;

/// 32 random bytes, URL-safe: the secret part of cookies, links and API tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What we store for a token: its SHA-256. The tokens are random and long,
/// so a fast hash suffices (unlike passwords).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A key generated at first start and kept in the database, so that every
/// server derives the same keyed hashes (throttle keys, CSRF tokens).
#[derive(Clone)]
pub struct InstanceSecret(std::sync::Arc<[u8]>);

impl std::fmt::Debug for InstanceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstanceSecret(<redacted>)")
    }
}

impl InstanceSecret {
    pub async fn load(store: &store::Store) -> Result<Self, AppError> {
        let key = store.setting_or_init("instance_secret", random_token).await?;
        Ok(Self(key.into_bytes().into()))
    }

    /// HMAC-SHA256 of `parts` joined by a separator, hex-encoded.
    pub fn keyed_hash(&self, parts: &[&str]) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(&[0x1f]);
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes): OWASP's baseline.
/// Runs on the blocking pool: a hash takes tens of milliseconds.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash. With no hash (unknown account),
/// a dummy verification runs so that timing does not reveal which accounts exist.
pub async fn verify_password(password: &str, stored: Option<String>) -> Result<bool, AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    Argon2::default().hash_password(b"dummy password").map(|h| h.to_string()).unwrap_or_default()
                })
                .clone()
        });
        let Ok(parsed) = PasswordHash::new(&phc) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("cheval agrafe batterie").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("cheval agrafe batterie", Some(h.clone())).await.unwrap());
        assert!(!verify_password("cheval agrafe batteriE", Some(h)).await.unwrap());
        assert!(!verify_password("dummy password", None).await.unwrap(), "no account, no success");
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
