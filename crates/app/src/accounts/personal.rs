//! A person's rights over their data: a copy of it, and its erasure.

use domain::accounts::FieldError;
use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource, authorize};
use store::personal_data::PersonalData;

use crate::secrets::verify_password;
use crate::{App, AppError, FieldErrors};

pub async fn export_personal_data(app: &App, actor: &Actor, user_id: i64) -> Result<PersonalData, AppError> {
    authorize(actor, Action::ViewAccount, Resource::User(user_id))?;
    Ok(app.store.personal_data(user_id).await?)
}

/// Erases the account after checking its password.
pub async fn delete_account(app: &App, actor: &Actor, user_id: i64, password: &str) -> Result<(), AppError> {
    authorize(actor, Action::DeleteAccount, Resource::User(user_id))?;
    if !verify_password(password, app.store.password_hash(user_id).await?).await? {
        let mut errors = FieldErrors::default();
        errors.add("password", FieldError::Invalid);
        return Err(AppError::Invalid(errors));
    }
    let mut tx = app.store.write().await?;
    tx.erase_user(user_id).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "user.delete", "user", user_id)).await?;
    tx.commit().await?;
    Ok(())
}
