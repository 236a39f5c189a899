//! `/api/v1/places/{id}/resources`, `/bookings`, `/resources/{id}/bookings`:
//! a place's bookable resources and booking them.

use app::operations::{BookingRequest, ResourceInput, book_with, create_resource};
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::{IntoParams, ToSchema};

use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResourceDoc {
    /// The resource it is part of (a room of a floor, a desk of a room); none for a venue.
    pub parent_id: Option<i64>,
    /// venue, zone, room, desk or machine (each under a larger kind).
    pub kind: String,
    pub name: String,
    pub capacity: Option<i64>,
    /// OSM opening_hours syntax; when absent, those of the nearest resource
    /// above it that has some, else the place's, else any time.
    pub opening_hours: Option<String>,
    /// Shortest booking, in minutes (default 15).
    pub min_minutes: Option<i64>,
    pub max_minutes: Option<i64>,
    /// How many days ahead it can be booked.
    pub advance_days: Option<i64>,
    /// Free minutes kept between two bookings.
    pub buffer_minutes: Option<i64>,
    /// Minutes a hold keeps the slot during checkout (default 15).
    pub hold_minutes: Option<i64>,
    /// Bookings wait for the place manager's approval (a venue always does).
    pub needs_approval: Option<bool>,
    /// Cancelling later than this many hours before the start costs `late_cancel_fee_cents`.
    pub cancel_deadline_hours: Option<i64>,
    pub late_cancel_fee_cents: Option<i64>,
    /// Minutes after the start a booking not checked in is released; never when absent.
    pub no_show_grace_minutes: Option<i64>,
    /// Who may book it: public (default), members or residents.
    pub access: Option<String>,
    /// For a machine: the training code a booker must hold.
    pub training: Option<String>,
    /// What it offers, as short labels (at most 30 of 60 characters).
    pub equipment: Option<Vec<String>>,
    /// https URLs of pictures (at most 10).
    pub photos: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct ResourceDoc {
    pub id: i64,
    pub place_id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
    pub capacity: Option<i64>,
    pub opening_hours: Option<String>,
    pub min_minutes: i64,
    pub max_minutes: Option<i64>,
    pub advance_days: Option<i64>,
    pub buffer_minutes: i64,
    pub hold_minutes: i64,
    pub needs_approval: bool,
    pub cancel_deadline_hours: Option<i64>,
    pub late_cancel_fee_cents: i64,
    pub no_show_grace_minutes: Option<i64>,
    pub access: String,
    pub training: Option<String>,
    pub equipment: Vec<String>,
    pub photos: Vec<String>,
}

impl From<store::operations::Resource> for ResourceDoc {
    fn from(r: store::operations::Resource) -> Self {
        // What bookings do, not only the flag: a venue is always approved.
        let needs_approval = r.needs_approval || r.kind == "venue";
        Self {
            id: r.id,
            place_id: r.place_id,
            parent_id: r.parent_id,
            kind: r.kind,
            name: r.name,
            capacity: r.capacity,
            opening_hours: r.opening_hours,
            min_minutes: r.min_minutes,
            max_minutes: r.max_minutes,
            advance_days: r.advance_days,
            buffer_minutes: r.buffer_minutes,
            hold_minutes: r.hold_minutes,
            needs_approval,
            cancel_deadline_hours: r.cancel_deadline_hours,
            late_cancel_fee_cents: r.late_cancel_fee_cents,
            no_show_grace_minutes: r.no_show_grace_minutes,
            access: r.access,
            training: r.training,
            equipment: r.equipment,
            photos: r.photos,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResourceList {
    /// Each resource after its parent.
    pub items: Vec<ResourceDoc>,
}

/// Adds a bookable resource to a place (its manager, the territory team or an administrator).
#[utoipa::path(post, path = "/places/{id}/resources", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id")), request_body = NewResourceDoc,
    responses((status = 201, body = ResourceDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(place_id): Path<i64>,
    Json(body): Json<NewResourceDoc>,
) -> ApiResult<(StatusCode, JsonResponse<ResourceDoc>)> {
    let input = ResourceInput {
        parent_id: body.parent_id,
        kind: body.kind,
        name: body.name,
        capacity: body.capacity,
        opening_hours: body.opening_hours,
        min_minutes: body.min_minutes,
        max_minutes: body.max_minutes,
        advance_days: body.advance_days,
        buffer_minutes: body.buffer_minutes,
        hold_minutes: body.hold_minutes,
        needs_approval: body.needs_approval,
        cancel_deadline_hours: body.cancel_deadline_hours,
        late_cancel_fee_cents: body.late_cancel_fee_cents,
        no_show_grace_minutes: body.no_show_grace_minutes,
        access: body.access,
        training: body.training,
        equipment: body.equipment.unwrap_or_default(),
        photos: body.photos.unwrap_or_default(),
    };
    let r = create_resource(&state.app, &caller.actor(), place_id, &input).await?;
    Ok((StatusCode::CREATED, JsonResponse(r.into())))
}

/// A place's bookable resources.
#[utoipa::path(get, path = "/places/{id}/resources", tag = "operations",
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, body = ResourceList), (status = 404, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, Path(place_id): Path<i64>) -> ApiResult<JsonResponse<ResourceList>> {
    let place = state.app.store.atlas_record(place_id).await?;
    if !place.is_live() {
        return Err(ApiError::not_found());
    }
    let items = state.app.store.resources_of_place(place_id).await?.into_iter().map(Into::into).collect();
    Ok(JsonResponse(ResourceList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    pub resource_id: i64,
    /// RFC 3339, e.g. 2027-03-01T09:00:00+01:00.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Spend the caller's credits at the place (membership, packs) on this
    /// booking; the charge is at `GET /bookings/{id}/charge`.
    #[serde(default)]
    pub use_credits: bool,
    /// Hold the slot for the resource's hold minutes; confirm with
    /// `POST /bookings/{id}/confirm`. Ignored where approval is needed.
    #[serde(default)]
    pub hold: bool,
    /// Book on behalf of this organisation (an atlas organisation record).
    pub organisation_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct BookingDoc {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// held, pending (awaiting the manager), confirmed, cancelled, expired
    /// (a lapsed hold), refused or no_show.
    pub status: String,
    /// Until when a held booking keeps the slot.
    pub held_until: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The late-cancellation fee, when cancelled after the resource's deadline.
    pub cancellation_fee_cents: Option<i64>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The organisation it was booked on behalf of.
    pub organisation_id: Option<i64>,
}

impl From<store::operations::Booking> for BookingDoc {
    fn from(b: store::operations::Booking) -> Self {
        Self {
            id: b.id,
            resource_id: b.resource_id,
            starts_at: from_micros(b.starts_at),
            ends_at: from_micros(b.ends_at),
            status: b.status,
            held_until: b.held_until.map(from_micros),
            cancelled_at: b.cancelled_at.map(from_micros),
            cancellation_fee_cents: b.cancellation_fee_cents,
            checked_in_at: b.checked_in_at.map(from_micros),
            organisation_id: b.organisation_id,
        }
    }
}

/// Books a resource for the token's owner: `confirmed`, `held` (with
/// `"hold": true`) or `pending` the manager's approval (a venue, or a
/// resource that needs it). 409 `conflict` names the colliding slot (of the
/// resource, or of one above or below it: a booked room blocks the whole
/// venue, a privatised venue blocks every room); 403 `access_restricted` or
/// `training_required` when the resource's rules exclude the person; 503
/// `busy` asks to retry.
#[utoipa::path(post, path = "/bookings", tag = "operations", security(("bearer" = [])), request_body = NewBooking,
    responses((status = 201, body = BookingDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub async fn create_booking(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewBooking>,
) -> ApiResult<(StatusCode, JsonResponse<BookingDoc>)> {
    let request = BookingRequest {
        resource_id: body.resource_id,
        start: body.starts_at,
        end: body.ends_at,
        hold: body.hold,
        organisation_id: body.organisation_id,
        use_credits: body.use_credits,
    };
    let b = book_with(&state.app, &caller.actor(), &request).await?;
    Ok((StatusCode::CREATED, JsonResponse(b.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Window {
    /// Start of the window (RFC 3339); now by default.
    pub from: Option<DateTime<Utc>>,
    /// End of the window; 31 days after `from` by default, at most 366.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct BusySlot {
    pub resource_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct Availability {
    /// Slots taken in the resource's tree that block this resource
    /// (confirmed, pending approval, or held).
    pub busy: Vec<BusySlot>,
    /// Periods the resource is closed (its own closures and those of the
    /// resources above it).
    pub closed: Vec<super::closures::ClosureDoc>,
}

/// When a resource is taken: its bookings and those of the resources above
/// and below it, without who booked.
#[utoipa::path(get, path = "/resources/{id}/bookings", tag = "operations",
    params(("id" = i64, Path, description = "Resource id"), Window),
    responses((status = 200, body = Availability), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn availability(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(window): Query<Window>,
) -> ApiResult<JsonResponse<Availability>> {
    let resource = state.app.store.resource(id).await?;
    let from = window.from.unwrap_or_else(Utc::now);
    let to = window.to.unwrap_or(from + Duration::days(31));
    if to <= from || to - from > Duration::days(366) {
        return Err(ApiError::new(Code::InvalidQuery, "`to` must follow `from`, at most 366 days later")
            .with_details(serde_json::json!({"parameter": "to"})));
    }
    let tree = state.app.store.resources_of_place(resource.place_id).await?;
    let in_line = |rid: i64| {
        tree.iter()
            .find(|r| r.id == rid)
            .is_some_and(|r| domain::operations::resources::in_same_line(&r.path, &resource.path))
    };
    let busy = state
        .app
        .store
        .blocking_bookings_of_tree(resource.root_id, store::to_micros(from), store::to_micros(to), store::now_micros())
        .await?
        .into_iter()
        .filter(|b| in_line(b.resource_id))
        .map(|b| BusySlot {
            resource_id: b.resource_id,
            starts_at: from_micros(b.starts_at),
            ends_at: from_micros(b.ends_at),
        })
        .collect();
    let (from, to) = (store::to_micros(from), store::to_micros(to));
    let closed = app::closures::closures_of(&state.app, id, from, to).await?.into_iter().map(Into::into).collect();
    Ok(JsonResponse(Availability { busy, closed }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeries {
    pub resource_id: i64,
    /// The first occurrence's start in the place's local time, e.g. 2027-03-01T09:00.
    #[schema(value_type = String)]
    pub local_start: chrono::NaiveDateTime,
    /// Length of each occurrence.
    pub minutes: i64,
    /// RFC 5545 RRULE: FREQ=DAILY|WEEKLY, INTERVAL, COUNT or UNTIL, BYDAY (e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10).
    pub rrule: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedDoc {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    /// The colliding booking's slot, when the reason is a collision.
    pub conflict: Option<BusySlot>,
}

#[derive(Serialize, ToSchema)]
pub struct SeriesResult {
    pub booked: Vec<BookingDoc>,
    /// Occurrences not booked, each with its reason.
    pub refused: Vec<RefusedDoc>,
}

/// Books a recurring series: every free occurrence is booked, each refused
/// one is reported with its reason (taken, closed, past…).
#[utoipa::path(post, path = "/bookings/series", tag = "operations", security(("bearer" = [])), request_body = NewSeries,
    responses((status = 200, body = SeriesResult), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_series(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewSeries>,
) -> ApiResult<JsonResponse<SeriesResult>> {
    let (booked, refused) = app::operations::book_series(
        &state.app,
        &caller.actor(),
        body.resource_id,
        body.local_start,
        body.minutes,
        &body.rrule,
    )
    .await?;
    Ok(JsonResponse(SeriesResult {
        booked: booked.into_iter().map(Into::into).collect(),
        refused: refused
            .into_iter()
            .map(|r| RefusedDoc {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                reason: r.reason,
                conflict: r.conflict.map(|(resource_id, starts_at, ends_at)| BusySlot {
                    resource_id,
                    starts_at,
                    ends_at,
                }),
            })
            .collect(),
    }))
}
