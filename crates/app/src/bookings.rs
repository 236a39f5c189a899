//! A booking after it was made: confirming a hold, the manager's approval
//! or refusal, cancellation with the resource's policy, check-in; the job
//! that expires lapsed holds and releases no-shows; and the place's
//! members, residents and trainings the access rules read.
//!
//! Every state change runs under the booking's tree lock and re-reads the
//! booking there, so two changes of one booking (or a change racing a new
//! booking of the tree) happen one after the other.

use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::audit::AuditEvent;
use domain::operations::lifecycle::{
    BookingStatus, MembershipRole, cancellation_fee, check_in_window, valid_training_code,
};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::memberships::{Membership, TrainingHeld};
use store::operations::{Booking, Resource};
use store::{StoreError, WriteTx, from_micros, to_micros};

use crate::{App, AppError, FieldErrors};

fn status_of(b: &Booking) -> BookingStatus {
    BookingStatus::parse(&b.status).unwrap_or(BookingStatus::Cancelled)
}

fn wrong_state(b: &Booking, message: &str) -> AppError {
    AppError::BookingState { status: b.status.clone(), message: message.to_owned() }
}

/// The booking, its resource, and whether the actor acts as its booker
/// (else as the place's manager, which policy must allow). Asked from one
/// place's back office (`at_place`), a booking of another place is not
/// found, whoever asks.
async fn load(
    app: &App,
    actor: &Actor,
    id: i64,
    own_allowed: bool,
    at_place: Option<i64>,
) -> Result<(Booking, Resource, bool), AppError> {
    let b = app.store.booking(id).await?;
    let resource = app.store.resource(b.resource_id).await?;
    if at_place.is_some_and(|p| p != resource.place_id) {
        return Err(AppError::NotFound);
    }
    let own = own_allowed && b.user_id.is_some() && b.user_id == actor.user_id();
    if own {
        authorize(actor, Action::Book, On::Place(resource.place_id))?;
    } else {
        authorize(actor, Action::ManageBookings, On::Place(resource.place_id))?;
    }
    Ok((b, resource, own))
}

/// Opens the tree's transaction and re-reads the booking under its lock.
async fn locked(app: &App, resource: &Resource, id: i64) -> Result<(WriteTx, Booking), AppError> {
    let mut tx = app.store.write().await?;
    tx.lock_tree(resource.root_id).await?;
    let b = tx.booking_in_tx(id).await?;
    Ok((tx, b))
}

async fn finish(
    mut tx: WriteTx,
    actor: &Actor,
    what: &'static str,
    b: &Booking,
    summary: String,
) -> Result<(), AppError> {
    tx.audit(AuditEvent::new(actor.audit_actor(), what, "booking", b.id).with_summary(summary)).await?;
    tx.commit().await?;
    Ok(())
}

/// The booker confirms their hold while it lasts. A lapsed hold is
/// refused with [`AppError::HoldExpired`], even before the job marked it:
/// from `held_until` on, others could take the slot.
pub async fn confirm_hold(app: &App, actor: &Actor, id: i64) -> Result<Booking, AppError> {
    let (_, resource, _) = load(app, actor, id, true, None).await?;
    let (mut tx, b) = locked(app, &resource, id).await?;
    let now = store::now_micros();
    match status_of(&b) {
        BookingStatus::Held if b.held_until.is_some_and(|t| t > now) => {}
        BookingStatus::Held | BookingStatus::Expired => {
            tx.rollback().await?;
            return Err(AppError::HoldExpired);
        }
        _ => {
            tx.rollback().await?;
            return Err(wrong_state(&b, "only a held booking can be confirmed"));
        }
    }
    // The hold kept the slot, but a clock running behind on another server
    // could have seen it lapse: look again, leaving the hold itself out.
    let buffer = resource.buffer_minutes * 60_000_000;
    if let Some(taken) = tx.colliding_booking_at(&resource, b.starts_at, b.ends_at, buffer, now, Some(b.id)).await? {
        tx.rollback().await?;
        return Err(AppError::SlotTaken {
            resource_id: taken.resource_id,
            starts_at: from_micros(taken.starts_at),
            ends_at: from_micros(taken.ends_at),
        });
    }
    if !tx.set_booking_status(b.id, "held", "confirmed", None).await? {
        tx.rollback().await?;
        return Err(AppError::HoldExpired);
    }
    let b = Booking { status: "confirmed".into(), held_until: None, ..b };
    finish(tx, actor, "booking.confirm", &b, format!("hold on resource {}", resource.id)).await?;
    Ok(b)
}

/// What a place's back office does to one of its bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerAction {
    Approve,
    Refuse,
    CheckIn,
    Cancel,
}

/// The back office of `place_id` acts on booking `id`. A booking of
/// another place is [`AppError::NotFound`] there, even for a manager of
/// both places: the page names one place and acts on that place only.
pub async fn act_at_place(
    app: &App,
    actor: &Actor,
    place_id: i64,
    id: i64,
    action: ManagerAction,
) -> Result<Booking, AppError> {
    let at = Some(place_id);
    match action {
        ManagerAction::Approve => decide_at(app, actor, id, true, at).await,
        ManagerAction::Refuse => decide_at(app, actor, id, false, at).await,
        ManagerAction::CheckIn => check_in_at(app, actor, id, at).await,
        ManagerAction::Cancel => cancel_at(app, actor, id, at).await,
    }
}

/// The place manager accepts (`approve`) or refuses a pending booking.
pub async fn decide(app: &App, actor: &Actor, id: i64, approve: bool) -> Result<Booking, AppError> {
    decide_at(app, actor, id, approve, None).await
}

async fn decide_at(
    app: &App,
    actor: &Actor,
    id: i64,
    approve: bool,
    at_place: Option<i64>,
) -> Result<Booking, AppError> {
    let (_, resource, _) = load(app, actor, id, false, at_place).await?;
    let (mut tx, b) = locked(app, &resource, id).await?;
    if status_of(&b) != BookingStatus::Pending {
        tx.rollback().await?;
        return Err(wrong_state(&b, "only a pending booking can be approved or refused"));
    }
    // A pending booking blocked its slot all along: approving it needs no new check.
    let to = if approve { BookingStatus::Confirmed } else { BookingStatus::Refused };
    if !tx.set_booking_status(b.id, "pending", to.as_str(), actor.user_id()).await? {
        tx.rollback().await?;
        return Err(wrong_state(&b, "the booking changed meanwhile"));
    }
    let b = Booking { status: to.as_str().into(), ..b };
    let what = if approve { "booking.approve" } else { "booking.refuse" };
    finish(tx, actor, what, &b, format!("resource {}", resource.id)).await?;
    Ok(b)
}

/// Cancels a held, pending or confirmed booking, by its booker or the
/// place manager. A confirmed booking its booker cancels within the
/// resource's deadline carries the late fee; the place cancelling charges
/// nothing.
pub async fn cancel(app: &App, actor: &Actor, id: i64) -> Result<Booking, AppError> {
    cancel_at(app, actor, id, None).await
}

async fn cancel_at(app: &App, actor: &Actor, id: i64, at_place: Option<i64>) -> Result<Booking, AppError> {
    let (_, resource, own) = load(app, actor, id, true, at_place).await?;
    let (mut tx, b) = locked(app, &resource, id).await?;
    let now = store::now_micros();
    let status = status_of(&b);
    if !status.cancellable() || b.ends_at <= now {
        tx.rollback().await?;
        return Err(wrong_state(
            &b,
            "only a booking not yet over and not cancelled, refused or expired can be cancelled",
        ));
    }
    // The fee is the booker's for cancelling late; when the place cancels
    // (a closure, a mistake), nobody owes it.
    let fee = if own && status == BookingStatus::Confirmed {
        cancellation_fee(b.starts_at, now, resource.cancel_deadline_hours, resource.late_cancel_fee_cents)
    } else {
        None
    };
    if !tx.cancel_booking(b.id, now, fee).await? {
        tx.rollback().await?;
        return Err(wrong_state(&b, "the booking changed meanwhile"));
    }
    let b = Booking {
        status: "cancelled".into(),
        held_until: None,
        cancelled_at: Some(now),
        cancellation_fee_cents: fee,
        ..b
    };
    let summary = match fee {
        Some(cents) => format!("late, fee {cents} cents"),
        None => "no fee".into(),
    };
    finish(tx, actor, "booking.cancel", &b, summary).await?;
    Ok(b)
}

/// Checks in a confirmed booking, from 15 minutes before its start until
/// its end; checking in twice answers the first check-in.
pub async fn check_in(app: &App, actor: &Actor, id: i64) -> Result<Booking, AppError> {
    check_in_at(app, actor, id, None).await
}

async fn check_in_at(app: &App, actor: &Actor, id: i64, at_place: Option<i64>) -> Result<Booking, AppError> {
    let (_, resource, _) = load(app, actor, id, true, at_place).await?;
    let (mut tx, b) = locked(app, &resource, id).await?;
    if status_of(&b) != BookingStatus::Confirmed {
        tx.rollback().await?;
        return Err(wrong_state(&b, "only a confirmed booking can be checked in"));
    }
    if b.checked_in_at.is_some() {
        tx.rollback().await?;
        return Ok(b);
    }
    let now = store::now_micros();
    let (opens, closes) = check_in_window(b.starts_at, b.ends_at);
    if now < opens || now >= closes {
        tx.rollback().await?;
        return Err(AppError::CheckInClosed { opens_at: from_micros(opens), closes_at: from_micros(closes) });
    }
    tx.check_in_booking(b.id, now).await?;
    let b = Booking { checked_in_at: Some(now), ..b };
    finish(tx, actor, "booking.check_in", &b, format!("resource {}", resource.id)).await?;
    Ok(b)
}

/// The periodic job: holds lapsed at `now` become `expired`, confirmed
/// bookings not checked in by their grace period become `no_show`.
/// Returns (expired, released). Neither needs the tree lock: both only
/// free slots, and each row changes in one conditional update.
pub async fn release_lapsed(app: &App, now: DateTime<Utc>) -> Result<(u64, u64), AppError> {
    let mut tx = app.store.write().await?;
    let now = to_micros(now);
    let expired = tx.expire_holds(now).await?;
    let released = tx.release_no_shows(now).await?;
    if expired + released == 0 {
        tx.rollback().await?;
        return Ok((0, 0));
    }
    tx.audit(
        AuditEvent::new(Actor::System.audit_actor(), "booking.release", "booking", 0)
            .with_summary(format!("{expired} holds expired, {released} no-shows released")),
    )
    .await?;
    tx.commit().await?;
    Ok((expired, released))
}

/// A member or resident of a place, as its manager records them.
#[derive(Debug, Clone)]
pub struct MembershipInput {
    pub user_id: i64,
    /// member or resident.
    pub role: String,
    /// The organisation they come with, an atlas organisation record.
    pub organisation_id: Option<i64>,
    /// Now when absent.
    pub starts_at: Option<DateTime<Utc>>,
    /// Open-ended when absent.
    pub ends_at: Option<DateTime<Utc>>,
}

async fn live_place(app: &App, place_id: i64) -> Result<(), AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    Ok(())
}

async fn check_user(app: &App, errors: &mut FieldErrors, user_id: i64) -> Result<(), AppError> {
    match app.store.user(user_id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => {
            errors.add("user_id", FieldError::Malformed("no such account".into()));
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a member or resident of a place (its manager).
pub async fn add_membership(
    app: &App,
    actor: &Actor,
    place_id: i64,
    input: &MembershipInput,
) -> Result<Membership, AppError> {
    live_place(app, place_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    check_user(app, &mut errors, input.user_id).await?;
    let role = MembershipRole::parse(input.role.trim());
    if role.is_none() {
        errors.add("role", FieldError::Malformed("member or resident".into()));
    }
    if let Some(org) = input.organisation_id {
        match app.store.atlas_record(org).await {
            Ok(r) if r.is_live() && r.kind == RecordKind::Organisation => {}
            Ok(_) | Err(StoreError::NotFound) => {
                errors.add("organisation_id", FieldError::Malformed("not an organisation of the atlas".into()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let starts_at = input.starts_at.unwrap_or_else(Utc::now);
    if input.ends_at.is_some_and(|e| e <= starts_at) {
        errors.add("ends_at", FieldError::Malformed("must come after starts_at".into()));
    }
    errors.into_result()?;
    let Some(role) = role else { return Err(AppError::Internal("role checked above".into())) };
    let mut tx = app.store.write().await?;
    let m = tx
        .insert_membership(
            place_id,
            input.user_id,
            role.as_str(),
            input.organisation_id,
            to_micros(starts_at),
            input.ends_at.map(to_micros),
        )
        .await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "membership.add", "place", place_id).with_summary(format!(
        "user {} as {}",
        input.user_id,
        role.as_str()
    )))
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Records that a person holds a training at a place (its manager).
pub async fn grant_training(
    app: &App,
    actor: &Actor,
    place_id: i64,
    user_id: i64,
    training: &str,
) -> Result<TrainingHeld, AppError> {
    live_place(app, place_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    check_user(app, &mut errors, user_id).await?;
    let training = training.trim();
    if !valid_training_code(training) {
        errors.add("training", FieldError::Malformed("lowercase letters, digits, - and _, at most 40".into()));
    }
    errors.into_result()?;
    let mut tx = app.store.write().await?;
    let t = tx.grant_training(user_id, place_id, training, actor.user_id()).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "training.grant", "place", place_id)
            .with_summary(format!("user {user_id}: {training}")),
    )
    .await?;
    tx.commit().await?;
    Ok(t)
}

/// One booking, for its booker or the place's manager.
pub async fn booking(app: &App, actor: &Actor, id: i64) -> Result<Booking, AppError> {
    Ok(load(app, actor, id, true, None).await?.0)
}

/// A booking as the place's manager sees it: with its resource's name and
/// the booker's display name.
#[derive(Debug, Clone)]
pub struct ManagedBooking {
    pub booking: Booking,
    pub resource: String,
    pub booker: Option<String>,
}

/// What waits for the place's manager: pending bookings not yet over, and
/// the confirmed bookings and live holds of the next `days` days.
#[derive(Debug, Clone, Default)]
pub struct PlaceBookings {
    pub pending: Vec<ManagedBooking>,
    pub upcoming: Vec<ManagedBooking>,
    /// The place's resources, each after its parent.
    pub resources: Vec<Resource>,
}

/// The manager's dashboard of a place's bookings (the place's manager, the
/// territory team or an administrator).
pub async fn bookings_to_manage(app: &App, actor: &Actor, place_id: i64, days: i64) -> Result<PlaceBookings, AppError> {
    live_place(app, place_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(place_id))?;
    let now = store::now_micros();
    let pending = app.store.bookings_of_place(place_id, &["pending"], now, i64::MAX).await?;
    let until = now + days.max(0) * 24 * 3_600_000_000;
    let upcoming = app
        .store
        .bookings_of_place(place_id, &["confirmed", "held"], now, until)
        .await?
        .into_iter()
        .filter(|b| b.status != "held" || b.held_until.is_some_and(|t| t > now))
        .collect::<Vec<_>>();
    let tree = app.store.resources_of_place(place_id).await?;
    let resources: std::collections::HashMap<i64, &str> = tree.iter().map(|r| (r.id, r.name.as_str())).collect();
    let mut names: std::collections::HashMap<i64, Option<String>> = std::collections::HashMap::new();
    for id in pending.iter().chain(&upcoming).filter_map(|b| b.user_id) {
        if names.contains_key(&id) {
            continue;
        }
        let name = match app.store.user(id).await {
            Ok(u) if u.deleted_at.is_none() => Some(u.display_name),
            Ok(_) | Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        names.insert(id, name);
    }
    let managed = |list: Vec<Booking>| {
        list.into_iter()
            .map(|b| ManagedBooking {
                resource: resources.get(&b.resource_id).map(|n| (*n).to_owned()).unwrap_or_default(),
                booker: b.user_id.and_then(|u| names.get(&u).cloned().flatten()),
                booking: b,
            })
            .collect()
    };
    let (pending, upcoming) = (managed(pending), managed(upcoming));
    Ok(PlaceBookings { pending, upcoming, resources: tree })
}
