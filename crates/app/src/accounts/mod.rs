//! What people do with their accounts, and what administrators do with them.
//!
//! Each function checks its input (returning [`crate::FieldErrors`] keyed by
//! form field name), asks [`domain::policy::authorize`] when the action needs
//! a right, and commits one audited transaction.

mod identity;
mod personal;
mod profile;
mod recovery;
mod roles;
mod signin;
mod signup;
mod tokens;

pub use identity::{Identity, Via, authenticate_bearer, authenticate_session};
pub use personal::{delete_account, export_personal_data};
pub use profile::{change_password, revoke_session, update_profile};
pub use recovery::{confirm_email, request_password_reset, reset_link_is_valid, reset_password};
pub use roles::{create_user, grant_role, revoke_role};
pub use signin::{NewSession, login, logout};
pub use signup::{SignupForm, signup};
pub use tokens::{CreatedToken, create_api_token, revoke_api_token};

use domain::accounts::{Email, FieldError, Password};

use crate::{App, FieldErrors};

impl App {
    /// An absolute link to `path` on this site, for mails.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.config.public_url, path)
    }
}

/// Checks a new password and its confirmation, adding problems to `errors`.
pub(crate) fn check_new_password(
    errors: &mut FieldErrors,
    field: &'static str,
    password: &str,
    confirm: Option<&str>,
    email: Option<&Email>,
) -> Option<Password> {
    match Password::parse(password, email.map(Email::local_part)) {
        Ok(p) => {
            if confirm.is_some_and(|c| c != password) {
                errors.add("password_confirm", FieldError::Mismatch);
                None
            } else {
                Some(p)
            }
        }
        Err(e) => {
            errors.add(field, e.into());
            None
        }
    }
}
