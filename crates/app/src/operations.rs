//! Operations of a place: its bookable resources and booking them.
//!
//! A booking checks the slot against the resource's rules, then, in one
//! audited transaction, locks the resource tree, looks for a colliding
//! confirmed booking (on the resource, an ancestor or a descendant) and
//! inserts. Under contention the answer may be "busy, retry", never a wrong
//! one.

use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::atlas::hours::{OpeningHours, timezone_for_commune};
use domain::audit::AuditEvent;
use domain::operations::lifecycle::{Access, BookingStatus, MembershipRole, initial_status, valid_training_code};
use domain::operations::resources::in_same_line;
use domain::operations::{ResourceKind, ResourceRules, Slot, SlotError};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::operations::{Booking, NewBooking, NewResource, PlaceOfResource, Resource};
use store::{StoreError, WriteTx, from_micros, to_micros};

use crate::{App, AppError, FieldErrors};

/// A resource as a manager describes it.
#[derive(Debug, Clone, Default)]
pub struct ResourceInput {
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub capacity: Option<i64>,
    pub opening_hours: Option<String>,
    pub min_minutes: Option<i64>,
    pub max_minutes: Option<i64>,
    pub advance_days: Option<i64>,
    pub buffer_minutes: Option<i64>,
    /// Minutes a hold keeps the slot during checkout (default 15).
    pub hold_minutes: Option<i64>,
    /// Bookings wait for the manager's approval (always so for a venue).
    pub needs_approval: Option<bool>,
    pub cancel_deadline_hours: Option<i64>,
    pub late_cancel_fee_cents: Option<i64>,
    /// Minutes after the start a booking not checked in is released; none: never.
    pub no_show_grace_minutes: Option<i64>,
    /// public (default), members or residents.
    pub access: Option<String>,
    /// Training code a booker must hold (machines only).
    pub training: Option<String>,
    /// Short labels of what the resource offers.
    pub equipment: Vec<String>,
    /// https URLs of pictures.
    pub photos: Vec<String>,
}

/// At most this many labels and photos, each label at most this long.
const MAX_EQUIPMENT: usize = 30;
const MAX_PHOTOS: usize = 10;
const MAX_LABEL: usize = 60;

/// Equipment labels trimmed, empty ones dropped, each at most [`MAX_LABEL`].
fn equipment_of(input: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let labels: Vec<String> = input.iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
    if labels.len() > MAX_EQUIPMENT {
        errors.add("equipment", FieldError::Malformed(format!("at most {MAX_EQUIPMENT} items")));
    } else if labels.iter().any(|l| l.chars().count() > MAX_LABEL) {
        errors.add("equipment", FieldError::Malformed(format!("each item at most {MAX_LABEL} characters")));
    }
    labels
}

/// Photos as https URLs only: a page must not load a picture in clear.
fn photos_of(input: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut photos = Vec::new();
    for raw in input.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        match domain::atlas::ids::normalize_url(raw) {
            Some(url) if url.starts_with("https://") => photos.push(url),
            _ => {
                errors.add("photos", FieldError::Malformed(format!("not an https URL: {raw}")));
                return photos;
            }
        }
    }
    if photos.len() > MAX_PHOTOS {
        errors.add("photos", FieldError::Malformed(format!("at most {MAX_PHOTOS} photos")));
    }
    photos
}

/// A resource to book and what the booking needs of its place, in one
/// read; not found once the place is retired or merged away.
pub(crate) async fn bookable(app: &App, resource_id: i64) -> Result<(Resource, PlaceOfResource), AppError> {
    let (resource, place) = app.store.resource_with_place(resource_id).await?;
    if !place.live {
        return Err(AppError::NotFound);
    }
    Ok((resource, place))
}

async fn live_place(app: &App, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    Ok(place)
}

/// Adds a resource to a place's tree; the place's manager, the territory
/// team or an administrator may.
pub async fn create_resource(
    app: &App,
    actor: &Actor,
    place_id: i64,
    input: &ResourceInput,
) -> Result<Resource, AppError> {
    live_place(app, place_id).await?;
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    let name = input.name.trim();
    if name.is_empty() {
        errors.add("name", FieldError::Required);
    } else if name.chars().count() > 120 {
        errors.add("name", FieldError::TooLong { max: 120 });
    }
    let kind = ResourceKind::parse(&input.kind);
    if kind.is_none() {
        errors.add("kind", FieldError::Malformed("venue, zone, room, desk or machine".into()));
    }
    let parent = match input.parent_id {
        Some(id) => match app.store.resource(id).await {
            Ok(p) if p.place_id == place_id => Some(p),
            Ok(_) | Err(StoreError::NotFound) => {
                errors.add("parent_id", FieldError::Malformed("no such resource at this place".into()));
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    if let (Some(kind), Some(parent)) = (kind, &parent)
        && !ResourceKind::parse(&parent.kind).is_some_and(|pk| kind.fits_under(pk))
    {
        errors.add("kind", FieldError::Malformed(format!("a {} cannot sit under a {}", kind.as_str(), parent.kind)));
    }
    let hours = input.opening_hours.as_deref().map(str::trim).filter(|h| !h.is_empty());
    if let Some(h) = hours
        && let Err(e) = OpeningHours::parse(h)
    {
        errors.add("opening_hours", FieldError::Malformed(e.to_string()));
    }
    let min_minutes = input.min_minutes.unwrap_or(15);
    let non_negative = [
        ("capacity", input.capacity),
        ("min_minutes", Some(min_minutes)),
        ("max_minutes", input.max_minutes),
        ("advance_days", input.advance_days),
        ("buffer_minutes", input.buffer_minutes),
        ("cancel_deadline_hours", input.cancel_deadline_hours),
        ("late_cancel_fee_cents", input.late_cancel_fee_cents),
        ("no_show_grace_minutes", input.no_show_grace_minutes),
    ];
    for (field, value) in non_negative {
        if value.is_some_and(|v| v < 0) {
            errors.add(field, FieldError::Malformed("must not be negative".into()));
        }
    }
    if min_minutes < 1 {
        errors.add("min_minutes", FieldError::Malformed("at least one minute".into()));
    }
    if input.max_minutes.is_some_and(|max| max < min_minutes) {
        errors.add("max_minutes", FieldError::Malformed("must not be below min_minutes".into()));
    }
    let hold_minutes = input.hold_minutes.unwrap_or(15);
    if !(1..=24 * 60).contains(&hold_minutes) {
        errors.add("hold_minutes", FieldError::Malformed("from 1 to 1440 minutes".into()));
    }
    let access = match input.access.as_deref().map(str::trim) {
        None | Some("") => Some(Access::Public),
        Some(a) => Access::parse(a),
    };
    if access.is_none() {
        errors.add("access", FieldError::Malformed("public, members or residents".into()));
    }
    let training = input.training.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = training {
        if !valid_training_code(t) {
            errors.add("training", FieldError::Malformed("lowercase letters, digits, - and _, at most 40".into()));
        } else if kind.is_some_and(|k| k != ResourceKind::Machine) {
            errors.add("training", FieldError::Malformed("only a machine requires a training".into()));
        }
    }
    let equipment = equipment_of(&input.equipment, &mut errors);
    let photos = photos_of(&input.photos, &mut errors);
    errors.into_result()?;
    let (Some(kind), Some(access)) = (kind, access) else {
        return Err(AppError::Internal("kind and access checked above".into()));
    };
    let mut tx = app.store.write().await?;
    let r = tx
        .create_resource(NewResource {
            place_id,
            parent: parent.as_ref(),
            kind: kind.as_str(),
            name,
            capacity: input.capacity,
            opening_hours: hours,
            min_minutes,
            max_minutes: input.max_minutes,
            advance_days: input.advance_days,
            buffer_minutes: input.buffer_minutes.unwrap_or(0),
            hold_minutes,
            needs_approval: input.needs_approval.unwrap_or(false),
            cancel_deadline_hours: input.cancel_deadline_hours,
            late_cancel_fee_cents: input.late_cancel_fee_cents.unwrap_or(0),
            no_show_grace_minutes: input.no_show_grace_minutes,
            access: access.as_str(),
            training,
            equipment: &equipment,
            photos: &photos,
        })
        .await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "resource.create", "resource", r.id)
            .with_summary(format!("{} at place {place_id}", kind.as_str())),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// The opening hours a resource is booked in: its own, else those of the
/// nearest resource above it that has some, else the place's. None: any
/// hour.
pub fn effective_hours<'a>(resource: &'a Resource, place_hours: Option<&'a str>) -> Option<&'a str> {
    // Inherited hours are read with the resource (a subquery of its
    // columns): no extra round trip on a booking.
    resource.opening_hours.as_deref().or(resource.inherited_hours.as_deref()).or(place_hours)
}

/// The rules a booking of the resource is checked against (hours inherited,
/// see [`effective_hours`]).
pub(crate) fn rules_for(r: &Resource, place: &PlaceOfResource) -> ResourceRules {
    ResourceRules {
        min_minutes: r.min_minutes,
        max_minutes: r.max_minutes,
        advance_days: r.advance_days,
        buffer_minutes: r.buffer_minutes,
        opening_hours: effective_hours(r, place.opening_hours.as_deref()).and_then(|h| OpeningHours::parse(h).ok()),
    }
}

fn slot_error(e: SlotError) -> AppError {
    let field = match e {
        SlotError::EndBeforeStart | SlotError::TooShort(_) | SlotError::TooLong(_) => "ends_at",
        _ => "starts_at",
    };
    let mut errors = FieldErrors::default();
    errors.add(field, FieldError::Malformed(e.to_string()));
    AppError::Invalid(errors)
}

/// Refuses what [`book`] would refuse of a slot beyond its rules: a
/// resource the actor may not use (members only, training), a closure, or
/// a slot something already blocks in the resource's line (its buffer included),
/// for a form to warn before its last step. Only a hint: the booking looks
/// again under the tree lock.
pub async fn check_bookable(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), AppError> {
    let resource = app.store.resource(resource_id).await?;
    check_access(app, actor, &resource).await?;
    if let Some(c) = crate::closures::closures_of(app, resource_id, to_micros(start), to_micros(end)).await?.first() {
        return Err(closed(c));
    }
    let buffer = resource.buffer_minutes * MINUTE;
    let (from, to) = (to_micros(start) - buffer, to_micros(end) + buffer);
    let blocking = app.store.blocking_bookings_of_tree(resource.root_id, from, to, store::now_micros()).await?;
    if blocking.is_empty() {
        return Ok(());
    }
    let tree = app.store.resources_of_place(resource.place_id).await?;
    let path_of = |id: i64| tree.iter().find(|r| r.id == id).map(|r| r.path.as_str());
    match blocking.iter().find(|b| path_of(b.resource_id).is_some_and(|p| in_same_line(p, &resource.path))) {
        Some(taken) => Err(AppError::SlotTaken {
            resource_id: taken.resource_id,
            starts_at: from_micros(taken.starts_at),
            ends_at: from_micros(taken.ends_at),
        }),
        None => Ok(()),
    }
}

fn closed(c: &store::closures::Closure) -> AppError {
    AppError::Closed {
        resource_id: c.resource_id,
        starts_at: from_micros(c.starts_at),
        ends_at: from_micros(c.ends_at),
        reason: c.reason.clone(),
    }
}

/// Attempts at a booking transaction that found the database busy.
const BUSY_RETRIES: usize = 3;

/// Books `[start, end)` of a resource for the actor: booked, or refused
/// with the colliding slot. A venue or a resource that needs approval gives
/// a `pending` booking, which blocks the slot like a confirmed one.
pub async fn book(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    use_credits: bool,
) -> Result<Booking, AppError> {
    book_with(app, actor, &BookingRequest { resource_id, start, end, hold: false, organisation_id: None, use_credits })
        .await
}

/// A booking as asked for, with the lifecycle options.
#[derive(Debug, Clone)]
pub struct BookingRequest {
    pub resource_id: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Keep the slot `held` for the resource's hold minutes, to confirm later.
    pub hold: bool,
    /// Booked on behalf of this atlas organisation.
    pub organisation_id: Option<i64>,
    /// Pay with the actor's credits at the place (membership, packs).
    pub use_credits: bool,
}

/// [`book`] with a hold or on behalf of an organisation.
pub async fn book_with(app: &App, actor: &Actor, request: &BookingRequest) -> Result<Booking, AppError> {
    let (resource, place) = bookable(app, request.resource_id).await?;
    authorize(actor, Action::Book, On::Place(place.id))?;
    check_organisation(app, request.organisation_id).await?;
    let tz = place.commune_insee.as_deref().map_or(chrono_tz::Europe::Paris, timezone_for_commune);
    let slot = Slot::new(request.start, request.end).map_err(slot_error)?;
    slot.check(&rules_for(&resource, &place), Utc::now(), tz).map_err(slot_error)?;
    check_access(app, actor, &resource).await?;
    let buffer = resource.buffer_minutes * 60_000_000;
    let kind = ResourceKind::parse(&resource.kind).unwrap_or(ResourceKind::Room);
    let status = initial_status(kind, resource.needs_approval, request.hold);
    let (from, to) = (to_micros(slot.start), to_micros(slot.end));
    let mut attempt = 0;
    loop {
        let new = NewBooking {
            user_id: actor.user_id(),
            starts_at: from,
            ends_at: to,
            status: status.as_str(),
            held_until: (status == BookingStatus::Held).then(|| store::now_micros() + resource.hold_minutes * MINUTE),
            organisation_id: request.organisation_id,
        };
        match try_book(app, actor, &resource, new, buffer, request.use_credits).await {
            Err(AppError::Busy) if attempt < BUSY_RETRIES => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt as u64)).await;
            }
            other => return other,
        }
    }
}

const MINUTE: i64 = 60_000_000;

async fn try_book(
    app: &App,
    actor: &Actor,
    resource: &Resource,
    new: NewBooking,
    buffer: i64,
    use_credits: bool,
) -> Result<Booking, AppError> {
    let mut tx = app.store.write().await?;
    tx.lock_tree(resource.root_id).await?;
    let Some(booking) = tx.insert_booking_if_free(resource, new, buffer).await? else {
        let why = why_blocked(&mut tx, resource, &new, buffer).await;
        tx.rollback().await?;
        return Err(why?);
    };
    crate::tariffs::charge_booking(&mut tx, actor, resource, &booking, use_credits).await?;
    let what = match new.status {
        "held" => "booking.hold",
        "pending" => "booking.request",
        _ => "booking.confirm",
    };
    tx.audit(
        AuditEvent::new(actor.audit_actor(), what, "booking", booking.id)
            .with_summary(format!("resource {}", resource.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(booking)
}

/// What kept a booking out, asked in the transaction that was refused.
async fn why_blocked(
    tx: &mut WriteTx,
    resource: &Resource,
    new: &NewBooking,
    buffer: i64,
) -> Result<AppError, AppError> {
    if let Some(c) = tx.closure_over(resource, new.starts_at, new.ends_at).await? {
        return Ok(closed(&c));
    }
    match tx.colliding_booking(resource, new.starts_at, new.ends_at, buffer).await? {
        Some(taken) => Ok(AppError::SlotTaken {
            resource_id: taken.resource_id,
            starts_at: from_micros(taken.starts_at),
            ends_at: from_micros(taken.ends_at),
        }),
        None => Err(AppError::Internal("a booking was refused with nothing in its way".into())),
    }
}

/// An occurrence of a series that could not be booked, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    /// The booking it collides with: (resource, start, end).
    pub conflict: Option<(i64, DateTime<Utc>, DateTime<Utc>)>,
}

/// Books every occurrence of an RRULE series that is free and allowed, in
/// one transaction under the tree's lock; reports the others one by one.
pub async fn book_series(
    app: &App,
    actor: &Actor,
    resource_id: i64,
    local_start: chrono::NaiveDateTime,
    minutes: i64,
    rrule: &str,
) -> Result<(Vec<Booking>, Vec<Refused>), AppError> {
    let (resource, place) = bookable(app, resource_id).await?;
    authorize(actor, Action::Book, On::Place(place.id))?;
    let invalid = |field: &'static str, message: String| {
        let mut errors = FieldErrors::default();
        errors.add(field, FieldError::Malformed(message));
        AppError::Invalid(errors)
    };
    if minutes <= 0 {
        return Err(invalid("minutes", "must be positive".into()));
    }
    check_access(app, actor, &resource).await?;
    let kind = ResourceKind::parse(&resource.kind).unwrap_or(ResourceKind::Room);
    let status = initial_status(kind, resource.needs_approval, false);
    let rule = domain::operations::recurrence::Rule::parse(rrule).map_err(|e| invalid("rrule", e.to_string()))?;
    let starts = rule.occurrences(local_start).map_err(|e| invalid("rrule", e.to_string()))?;
    let tz = place.commune_insee.as_deref().map_or(chrono_tz::Europe::Paris, timezone_for_commune);
    let rules = rules_for(&resource, &place);
    let now = Utc::now();
    let mut refused = Vec::new();
    let mut candidates = Vec::new();
    for local in starts {
        let start = match domain::operations::local_to_utc(local, tz) {
            Ok(s) => s,
            Err(e) => {
                let at = local.and_utc();
                refused.push(Refused { starts_at: at, ends_at: at, reason: e.to_string(), conflict: None });
                continue;
            }
        };
        let end = domain::operations::local_to_utc(local + chrono::Duration::minutes(minutes), tz)
            .unwrap_or(start + chrono::Duration::minutes(minutes));
        match Slot::new(start, end).and_then(|s| s.check(&rules, now, tz).map(|()| s)) {
            Ok(s) => candidates.push(s),
            Err(e) => refused.push(Refused { starts_at: start, ends_at: end, reason: e.to_string(), conflict: None }),
        }
    }
    let buffer = resource.buffer_minutes * 60_000_000;
    let mut tx = app.store.write().await?;
    tx.lock_tree(resource.root_id).await?;
    let mut booked = Vec::new();
    for s in candidates {
        let (from, to) = (to_micros(s.start), to_micros(s.end));
        if let Some(c) = tx.closure_over(&resource, from, to).await? {
            let reason =
                format!("the resource is closed from {} to {}", from_micros(c.starts_at), from_micros(c.ends_at));
            refused.push(Refused { starts_at: s.start, ends_at: s.end, reason, conflict: None });
            continue;
        }
        match tx.colliding_booking(&resource, from, to, buffer).await? {
            Some(taken) => refused.push(Refused {
                starts_at: s.start,
                ends_at: s.end,
                reason: "the slot is taken".into(),
                conflict: Some((taken.resource_id, from_micros(taken.starts_at), from_micros(taken.ends_at))),
            }),
            None => {
                let new = NewBooking {
                    user_id: actor.user_id(),
                    starts_at: from,
                    ends_at: to,
                    status: status.as_str(),
                    held_until: None,
                    organisation_id: None,
                };
                booked.push(tx.insert_booking_as(&resource, new).await?);
            }
        }
    }
    tx.audit(AuditEvent::new(actor.audit_actor(), "booking.series", "resource", resource.id).with_summary(format!(
        "{} booked, {} refused",
        booked.len(),
        refused.len()
    )))
    .await?;
    tx.commit().await?;
    refused.sort_by_key(|r| r.starts_at);
    Ok((booked, refused))
}

async fn check_organisation(app: &App, organisation_id: Option<i64>) -> Result<(), AppError> {
    let Some(id) = organisation_id else { return Ok(()) };
    let ok = match app.store.atlas_record(id).await {
        Ok(r) => r.is_live() && r.kind == RecordKind::Organisation,
        Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    if ok {
        Ok(())
    } else {
        let mut errors = FieldErrors::default();
        errors.add("organisation_id", FieldError::Malformed("not an organisation of the atlas".into()));
        Err(AppError::Invalid(errors))
    }
}

/// The resource's audience and training rules, for a person. The command
/// line (`Actor::System`) books as the operator and is not asked.
async fn check_access(app: &App, actor: &Actor, resource: &Resource) -> Result<(), AppError> {
    let Some(user_id) = actor.user_id() else { return Ok(()) };
    let access = Access::parse(&resource.access).unwrap_or(Access::Public);
    if access != Access::Public {
        let roles: Vec<MembershipRole> = app
            .store
            .membership_roles(resource.place_id, user_id, store::now_micros())
            .await?
            .iter()
            .filter_map(|r| MembershipRole::parse(r))
            .collect();
        if !access.admits(&roles) {
            return Err(AppError::AccessRestricted { access: access.as_str().to_owned() });
        }
    }
    if let Some(training) = &resource.training
        && !app.store.holds_training(user_id, resource.place_id, training).await?
    {
        return Err(AppError::TrainingRequired { training: training.clone() });
    }
    Ok(())
}
