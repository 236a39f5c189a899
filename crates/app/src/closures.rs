//! Closing a resource for a period (works, holidays, private use). A
//! closure refuses new bookings of the resource and of everything below it
//! (checked under the tree lock, like collisions); bookings already made in
//! the period stay, and are returned so the manager can deal with them.

use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use domain::audit::AuditEvent;
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::closures::Closure;
use store::operations::Booking;
use store::{StoreError, to_micros};

use crate::{App, AppError, FieldErrors};

/// What a reason may hold.
const MAX_REASON: usize = 200;

/// Closes `[start, end)` of a resource (the place's booking manager).
/// Returns the closure and the blocking bookings it overlaps.
pub async fn close(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reason: &str,
) -> Result<(Closure, Vec<Booking>), AppError> {
    let resource = app.store.resource(resource_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(resource.place_id))?;
    let mut errors = FieldErrors::default();
    if end <= start {
        errors.add("ends_at", FieldError::Malformed("must come after starts_at".into()));
    }
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON {
        errors.add("reason", FieldError::TooLong { max: MAX_REASON });
    }
    errors.into_result()?;
    let (from, to) = (to_micros(start), to_micros(end));
    let mut tx = app.store.write().await?;
    tx.lock_tree(resource.root_id).await?;
    let closure = tx.insert_closure(&resource, from, to, reason, actor.user_id()).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "resource.close", "resource", resource.id)
            .with_summary(format!("closure {}", closure.id)),
    )
    .await?;
    tx.commit().await?;
    // Only the resource and what is below it are shut.
    let tree = app.store.resources_of_place(resource.place_id).await?;
    let below = |id: i64| tree.iter().any(|r| r.id == id && r.path.starts_with(&resource.path));
    let affected = app
        .store
        .blocking_bookings_of_tree(resource.root_id, from, to, store::now_micros())
        .await?
        .into_iter()
        .filter(|b| below(b.resource_id))
        .collect();
    Ok((closure, affected))
}

/// Reopens: removes a closure.
pub async fn reopen(app: &App, actor: &Actor, closure_id: i64) -> Result<(), AppError> {
    let closure = match app.store.closure(closure_id).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let resource = app.store.resource(closure.resource_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(resource.place_id))?;
    let mut tx = app.store.write().await?;
    if !tx.delete_closure(closure.id).await? {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    }
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "resource.reopen", "resource", resource.id)
            .with_summary(format!("closure {}", closure.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closures that shut the resource over `[from, to)`: its own and those of
/// the resources above it. Public: a calendar shows them as closed.
pub async fn closures_of(app: &App, resource_id: i64, from: i64, to: i64) -> Result<Vec<Closure>, AppError> {
    let resource = app.store.resource(resource_id).await?;
    let tree = app.store.resources_of_place(resource.place_id).await?;
    let shuts = |c: &Closure| tree.iter().any(|r| r.id == c.resource_id && resource.path.starts_with(&r.path));
    Ok(app.store.closures_of_tree(resource.root_id, from, to).await?.into_iter().filter(shuts).collect())
}

/// The closures of a place ending after `now`, each with its resource's
/// name, for its booking manager.
pub async fn upcoming_of_place(
    app: &App,
    actor: &Actor,
    place_id: i64,
    now: i64,
) -> Result<Vec<(Closure, String)>, AppError> {
    authorize(actor, Action::ManageBookings, On::Place(place_id))?;
    let tree = app.store.resources_of_place(place_id).await?;
    let mut out = Vec::new();
    for root in tree.iter().filter(|r| r.parent_id.is_none()) {
        for c in app.store.closures_of_tree(root.id, now, i64::MAX).await? {
            let name = tree.iter().find(|r| r.id == c.resource_id).map(|r| r.name.clone()).unwrap_or_default();
            out.push((c, name));
        }
    }
    out.sort_by_key(|(c, _)| (c.starts_at, c.id));
    Ok(out)
}
