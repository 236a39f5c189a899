//! People who sign in and what they may be granted.

mod display_name;
mod email;
mod password;
mod role;
mod token_scope;

pub use display_name::DisplayName;
pub use email::Email;
pub use password::{MIN_PASSWORD_CHARS, Password, PasswordRejection};
pub use role::{Grant, InvalidGrant, Role, ScopeKind, UnknownRole};
pub use token_scope::{TokenScope, TokenScopes, UnknownScope};

/// Why a field of an account form was refused. Each variant maps to a
/// translated message next to the field in pages and to a stable code in the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("this field is required")]
    Required,
    #[error("too long (at most {max} characters)")]
    TooLong { max: usize },
    #[error("not a valid email address")]
    InvalidEmail,
    #[error(transparent)]
    Password(#[from] PasswordRejection),
    /// A confirmation field differs from the field it confirms.
    #[error("the two entries differ")]
    Mismatch,
    /// A value outside the accepted set (a language, a scope, a role).
    #[error("not an accepted value")]
    Invalid,
    /// A value of the wrong form for its field (hours, phone, SIRET…); the
    /// text says what is wrong, in English, for developers and logs.
    #[error("{0}")]
    Malformed(String),
}
