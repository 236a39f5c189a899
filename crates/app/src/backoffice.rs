//! What the place manager's back office reads: the resource tree, a
//! resource's prices, the plans, the events and an event's attendees, each
//! behind the policy that guards changing it. The changes themselves are
//! the use cases of [`crate::operations`], [`crate::tariffs`],
//! [`crate::events`] and [`crate::bookings`].

use domain::atlas::RecordKind;
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::events::{Event, Registration};
use store::operations::Resource;
use store::programmes::TicketCategory;
use store::tariffs::{Plan, TariffRow};

use crate::{App, AppError};

async fn live_place(app: &App, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    Ok(place)
}

/// The place, for whoever may manage its bookings (the back office's door).
pub async fn managed_place(app: &App, actor: &Actor, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::ManageBookings, On::Place(place_id))?;
    Ok(place)
}

/// Whether the actor may open the place's back office; for links.
pub fn may_manage(actor: &Actor, place_id: i64) -> bool {
    authorize(actor, Action::ManageBookings, On::Place(place_id)).is_ok()
}

/// The place and its resource tree (each resource after its parent), for
/// whoever may add resources there.
pub async fn resources(
    app: &App,
    actor: &Actor,
    place_id: i64,
) -> Result<(store::atlas::AtlasRecord, Vec<Resource>), AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    Ok((place, app.store.resources_of_place(place_id).await?))
}

/// A resource, its place and its prices, for whoever may set them.
pub async fn tariffs(
    app: &App,
    actor: &Actor,
    resource_id: i64,
) -> Result<(Resource, store::atlas::AtlasRecord, Vec<TariffRow>), AppError> {
    let resource = app.store.resource(resource_id).await?;
    let place = live_place(app, resource.place_id).await?;
    authorize(actor, Action::ManageTariffs, On::Place(resource.place_id))?;
    let rows = app.store.tariffs(resource_id).await?;
    Ok((resource, place, rows))
}

/// The place and its plans and packs, for whoever may create them.
pub async fn plans(
    app: &App,
    actor: &Actor,
    place_id: i64,
) -> Result<(store::atlas::AtlasRecord, Vec<Plan>), AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::ManageTariffs, On::Place(place_id))?;
    Ok((place, app.store.plans_of_place(place_id).await?))
}

/// An event with its seats held and waitlist length.
#[derive(Debug, Clone)]
pub struct EventLine {
    pub event: Event,
    pub seats_held: i64,
    pub waitlisted: i64,
}

/// The place, for whoever may create events there.
pub async fn events_place(app: &App, actor: &Actor, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    Ok(place)
}

/// The place and its events not yet over, for whoever may create them.
pub async fn events(
    app: &App,
    actor: &Actor,
    place_id: i64,
) -> Result<(store::atlas::AtlasRecord, Vec<EventLine>), AppError> {
    let place = live_place(app, place_id).await?;
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    let mut lines = Vec::new();
    for event in app.store.events_of_place(place_id, store::now_micros()).await? {
        let (seats_held, waitlisted) = app.store.event_counts(event.id).await?;
        lines.push(EventLine { event, seats_held, waitlisted });
    }
    Ok((place, lines))
}

/// An event's registrations for its manager.
#[derive(Debug, Clone)]
pub struct Attendees {
    pub event: Event,
    /// The event's place (its time zone), when it has one.
    pub place: Option<store::atlas::AtlasRecord>,
    /// Every registration but cancelled ones, in order of arrival.
    pub registrations: Vec<Registration>,
    pub seats_held: i64,
    pub waitlisted: i64,
    /// Each price category with its seats held.
    pub categories: Vec<(TicketCategory, i64)>,
}

impl Attendees {
    /// Registrations in `status`, in order of arrival.
    pub fn in_status<'a>(&'a self, status: &'a str) -> impl Iterator<Item = &'a Registration> + 'a {
        self.registrations.iter().filter(move |r| r.status == status)
    }
}

/// Who is registered to an event, for the manager of its place.
pub async fn attendees(app: &App, actor: &Actor, event_id: i64) -> Result<Attendees, AppError> {
    let event = crate::programmes::managed_event(app, actor, event_id).await?;
    let registrations =
        app.store.registrations_of(event_id).await?.into_iter().filter(|r| r.status != "cancelled").collect();
    let (seats_held, waitlisted) = app.store.event_counts(event_id).await?;
    let counts = app.store.category_counts(event_id).await?;
    let categories = app
        .store
        .ticket_categories(event_id)
        .await?
        .into_iter()
        .map(|c| {
            let held = counts.iter().find(|(id, _)| *id == c.id).map_or(0, |(_, n)| *n);
            (c, held)
        })
        .collect();
    let place = match event.place_id {
        Some(id) => Some(app.store.atlas_record(id).await?),
        None => None,
    };
    Ok(Attendees { event, place, registrations, seats_held, waitlisted, categories })
}
