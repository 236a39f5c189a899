//! Administrators managing accounts and roles (from pages, API or CLI).

use domain::accounts::{DisplayName, Email, Grant};
use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource, authorize};
use store::accounts::{NewUser, User};
use store::grants::GrantRecord;

use super::check_new_password;
use crate::i18n::Lang;
use crate::secrets::hash_password;
use crate::{App, AppError, FieldErrors};

/// Creates a confirmed account (an administrator vouches for the address).
pub async fn create_user(
    app: &App,
    actor: &Actor,
    email: &str,
    display_name: &str,
    password: &str,
    lang: Lang,
) -> Result<User, AppError> {
    authorize(actor, Action::ManageUsers, Resource::Platform)?;
    let mut errors = FieldErrors::default();
    let email = Email::parse(email).map_err(|e| errors.add("email", e)).ok();
    let name = DisplayName::parse(display_name).map_err(|e| errors.add("display_name", e)).ok();
    let password = check_new_password(&mut errors, "password", password, None, email.as_ref());
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(AppError::Invalid(errors));
    };
    let hash = hash_password(password.expose()).await?;
    let mut tx = app.store.write().await?;
    let user = tx
        .insert_user(NewUser {
            email: &email,
            display_name: &name,
            password_hash: &hash,
            locale: lang.code(),
            confirmed: true,
        })
        .await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "user.create", "user", user.id)).await?;
    tx.commit().await?;
    Ok(user)
}

pub async fn grant_role(app: &App, actor: &Actor, user_id: i64, grant: &Grant) -> Result<GrantRecord, AppError> {
    authorize(actor, Action::ManageRoles, Resource::Platform)?;
    let target = app.store.user(user_id).await?;
    if target.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    let mut tx = app.store.write().await?;
    let record = tx.insert_grant(user_id, grant).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "role.grant", "user", user_id).with_summary(describe(grant))).await?;
    tx.commit().await?;
    Ok(record)
}

pub async fn revoke_role(app: &App, actor: &Actor, user_id: i64, grant: &Grant) -> Result<(), AppError> {
    authorize(actor, Action::ManageRoles, Resource::Platform)?;
    let mut tx = app.store.write().await?;
    if !tx.delete_grant(user_id, grant).await? {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    tx.audit(AuditEvent::new(actor.audit_actor(), "role.revoke", "user", user_id).with_summary(describe(grant)))
        .await?;
    tx.commit().await?;
    Ok(())
}

fn describe(grant: &Grant) -> String {
    match grant.scope_id {
        Some(id) => format!("{} on {} {id}", grant.role.as_str(), grant.role.scope_kind().map_or("", |k| k.as_str())),
        None => grant.role.as_str().to_owned(),
    }
}
