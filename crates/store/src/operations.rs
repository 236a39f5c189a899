//! Bookable resources and bookings.
//!
//! The guarantee — no two confirmed, pending or held bookings overlap on a resource or
//! between a resource and its ancestors or descendants — is kept by the
//! transaction design, the same on both backends: a booking first locks the
//! root of its resource tree ([`WriteTx::lock_tree`]), then looks for a
//! collision and inserts in the same transaction. Two bookings in one tree
//! therefore run one after the other; bookings in different trees do not
//! wait for each other on that lock.

use crate::{Result, Store, StoreError, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: i64,
    pub place_id: i64,
    pub parent_id: Option<i64>,
    pub root_id: i64,
    pub path: String,
    pub kind: String,
    pub name: String,
    pub capacity: Option<i64>,
    pub opening_hours: Option<String>,
    pub min_minutes: i64,
    pub max_minutes: Option<i64>,
    pub advance_days: Option<i64>,
    pub buffer_minutes: i64,
    pub created_at: i64,
    /// How long a hold keeps the slot during checkout.
    pub hold_minutes: i64,
    /// Bookings wait for the place manager (always so for a venue).
    pub needs_approval: bool,
    /// Cancelling later than this before the start costs `late_cancel_fee_cents`.
    pub cancel_deadline_hours: Option<i64>,
    pub late_cancel_fee_cents: i64,
    /// A confirmed booking not checked in this long after its start is released.
    pub no_show_grace_minutes: Option<i64>,
    /// public | members | residents.
    pub access: String,
    /// The training a booker must hold (machines).
    pub training: Option<String>,
    /// Short labels: "vidéoprojecteur", "tableau blanc".
    pub equipment: Vec<String>,
    /// https URLs of pictures.
    pub photos: Vec<String>,
    /// The opening hours of the nearest resource above it that has some.
    pub inherited_hours: Option<String>,
    /// Whether it has prices, as read with it: a booking of a free resource
    /// skips reading its (empty) grid inside the writer transaction.
    pub has_tariffs: bool,
}

/// What a booking needs of a resource's place, read with the resource.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceOfResource {
    pub id: i64,
    /// A place of the atlas, neither retired nor merged into another.
    pub live: bool,
    pub commune_insee: Option<String>,
    pub opening_hours: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ResourceRow {
    id: i64,
    place_id: i64,
    parent_id: Option<i64>,
    root_id: i64,
    path: String,
    kind: String,
    name: String,
    capacity: Option<i64>,
    opening_hours: Option<String>,
    min_minutes: i64,
    max_minutes: Option<i64>,
    advance_days: Option<i64>,
    buffer_minutes: i64,
    created_at: i64,
    hold_minutes: i64,
    needs_approval: i64,
    cancel_deadline_hours: Option<i64>,
    late_cancel_fee_cents: i64,
    no_show_grace_minutes: Option<i64>,
    access: String,
    training: Option<String>,
    equipment: String,
    photos: String,
    inherited_hours: Option<String>,
    has_tariffs: i64,
}

macro_rules! resource_columns {
    () => {
        "id, place_id, parent_id, COALESCE(root_id, id) AS root_id, path, kind, name, capacity, opening_hours, \
         min_minutes, max_minutes, advance_days, buffer_minutes, created_at, hold_minutes, needs_approval, \
         cancel_deadline_hours, late_cancel_fee_cents, no_show_grace_minutes, access, training, equipment, photos, \
         (SELECT a.opening_hours FROM resources a WHERE a.root_id = resources.root_id AND a.id <> resources.id \
            AND a.opening_hours IS NOT NULL AND resources.path LIKE a.path || '%' \
          ORDER BY LENGTH(a.path) DESC LIMIT 1) AS inherited_hours, \
         CASE WHEN EXISTS (SELECT 1 FROM tariffs t WHERE t.resource_id = resources.id) THEN 1 ELSE 0 END AS has_tariffs"
    };
}

/// A stored JSON list of strings; what was stored was checked, so a
/// malformed one reads as empty rather than failing the page.
fn string_list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn resource(r: ResourceRow) -> Resource {
    Resource {
        id: r.id,
        place_id: r.place_id,
        parent_id: r.parent_id,
        root_id: r.root_id,
        path: r.path,
        kind: r.kind,
        name: r.name,
        capacity: r.capacity,
        opening_hours: r.opening_hours,
        min_minutes: r.min_minutes,
        max_minutes: r.max_minutes,
        advance_days: r.advance_days,
        buffer_minutes: r.buffer_minutes,
        created_at: r.created_at,
        hold_minutes: r.hold_minutes,
        needs_approval: r.needs_approval != 0,
        cancel_deadline_hours: r.cancel_deadline_hours,
        late_cancel_fee_cents: r.late_cancel_fee_cents,
        no_show_grace_minutes: r.no_show_grace_minutes,
        access: r.access,
        training: r.training,
        equipment: string_list(&r.equipment),
        photos: string_list(&r.photos),
        inherited_hours: r.inherited_hours,
        has_tariffs: r.has_tariffs != 0,
    }
}

/// A resource to create; `path` and `root_id` follow from the parent.
#[derive(Debug, Clone)]
pub struct NewResource<'a> {
    pub place_id: i64,
    pub parent: Option<&'a Resource>,
    pub kind: &'a str,
    pub name: &'a str,
    pub capacity: Option<i64>,
    pub opening_hours: Option<&'a str>,
    pub min_minutes: i64,
    pub max_minutes: Option<i64>,
    pub advance_days: Option<i64>,
    pub buffer_minutes: i64,
    pub hold_minutes: i64,
    pub needs_approval: bool,
    pub cancel_deadline_hours: Option<i64>,
    pub late_cancel_fee_cents: i64,
    pub no_show_grace_minutes: Option<i64>,
    pub access: &'a str,
    pub training: Option<&'a str>,
    pub equipment: &'a [String],
    pub photos: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Booking {
    pub id: i64,
    pub resource_id: i64,
    pub root_id: i64,
    pub user_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// See `domain::operations::lifecycle::BookingStatus`.
    pub status: String,
    pub created_at: i64,
    pub held_until: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancellation_fee_cents: Option<i64>,
    pub checked_in_at: Option<i64>,
    pub organisation_id: Option<i64>,
}

macro_rules! booking_columns {
    () => {
        "b.id, b.resource_id, b.root_id, b.user_id, b.starts_at, b.ends_at, b.status, b.created_at, \
         b.held_until, b.cancelled_at, b.cancellation_fee_cents, b.checked_in_at, b.organisation_id"
    };
}

/// The SQL form of `BookingStatus::blocks`: what keeps others off a slot
/// at `$now`. Every collision check uses it, under the tree lock. Written
/// as one `IN` so that the index on (root_id, status, starts_at) serves
/// the whole predicate: with an `OR` of statuses, SQLite used only its
/// first column and read every booking of the tree on each check.
macro_rules! blocking {
    ($now:literal) => {
        concat!("(b.status IN ('confirmed', 'pending', 'held') AND (b.status <> 'held' OR b.held_until > ", $now, "))")
    };
}

/// The bookings (`b`) of tree `$root` that block `[$from, $to)` at `$now`
/// in the line of the resource at `$path` (itself, an ancestor or a
/// descendant). The tree's longest booking (on its root) bounds how far
/// back to look, so the check reads a few rows however many the tree holds.
macro_rules! colliding {
    ($root:literal, $to:literal, $from:literal, $path:literal, $now:literal) => {
        concat!(
            " FROM bookings b JOIN resources r ON r.id = b.resource_id WHERE b.root_id = ",
            $root,
            " AND ",
            blocking!($now),
            " AND b.starts_at < ",
            $to,
            " AND b.ends_at > ",
            $from,
            " AND b.starts_at >= ",
            $from,
            " - (SELECT longest_booking FROM resources WHERE id = ",
            $root,
            ") AND (",
            $path,
            " LIKE r.path || '%' OR r.path LIKE ",
            $path,
            " || '%')"
        )
    };
}

/// The head of a booking's insert; its values are `$1`–`$9`, bound by
/// [`bind_new_booking`] (`$7`, the creation time, is also "now").
macro_rules! insert_booking {
    () => {
        "INSERT INTO bookings (resource_id, root_id, user_id, starts_at, ends_at, status, created_at, \
         held_until, organisation_id)"
    };
}

/// What a booking's insert returns, as a [`Booking`].
macro_rules! returning_booking {
    () => {
        " RETURNING id, resource_id, root_id, user_id, starts_at, ends_at, status, created_at, \
         held_until, cancelled_at, cancellation_fee_cents, checked_in_at, organisation_id"
    };
}

type BookingInsert<'q, O> = sqlx::query::QueryAs<'q, sqlx::Any, O, <sqlx::Any as sqlx::Database>::Arguments>;

/// Binds `$1`–`$9` of [`insert_booking!`].
fn bind_new_booking<'q, O>(q: BookingInsert<'q, O>, resource: &Resource, b: NewBooking) -> BookingInsert<'q, O> {
    q.bind(resource.id)
        .bind(resource.root_id)
        .bind(b.user_id)
        .bind(b.starts_at)
        .bind(b.ends_at)
        .bind(b.status)
        .bind(now_micros())
        .bind(b.held_until)
        .bind(b.organisation_id)
}

/// How a booking is created.
#[derive(Debug, Clone, Copy)]
pub struct NewBooking {
    pub user_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// held, pending or confirmed.
    pub status: &'static str,
    pub held_until: Option<i64>,
    pub organisation_id: Option<i64>,
}

impl WriteTx {
    pub async fn create_resource(&mut self, r: NewResource<'_>) -> Result<Resource> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO resources (place_id, parent_id, kind, name, capacity, opening_hours, min_minutes, \
             max_minutes, advance_days, buffer_minutes, created_at, hold_minutes, needs_approval, \
             cancel_deadline_hours, late_cancel_fee_cents, no_show_grace_minutes, access, training, equipment, photos) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
             RETURNING id",
        )
        .bind(r.place_id)
        .bind(r.parent.map(|p| p.id))
        .bind(r.kind)
        .bind(r.name)
        .bind(r.capacity)
        .bind(r.opening_hours)
        .bind(r.min_minutes)
        .bind(r.max_minutes)
        .bind(r.advance_days)
        .bind(r.buffer_minutes)
        .bind(now_micros())
        .bind(r.hold_minutes)
        .bind(i64::from(r.needs_approval))
        .bind(r.cancel_deadline_hours)
        .bind(r.late_cancel_fee_cents)
        .bind(r.no_show_grace_minutes)
        .bind(r.access)
        .bind(r.training)
        .bind(serde_json::to_string(r.equipment).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(r.photos).unwrap_or_else(|_| "[]".into()))
        .fetch_one(self.conn())
        .await?;
        let path = domain::operations::tree_path(r.parent.map(|p| p.path.as_str()), id);
        let root = r.parent.map_or(id, |p| p.root_id);
        sqlx::query("UPDATE resources SET path = $1, root_id = $2 WHERE id = $3")
            .bind(path)
            .bind(root)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.resource_in_tx(id).await
    }

    pub async fn resource_in_tx(&mut self, id: i64) -> Result<Resource> {
        let row: ResourceRow = sqlx::query_as(concat!("SELECT ", resource_columns!(), " FROM resources WHERE id = $1"))
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        Ok(resource(row))
    }

    /// Takes the tree's lock until commit. On PostgreSQL a row lock on the
    /// root; on SQLite the transaction already is the only writer.
    pub async fn lock_tree(&mut self, root_id: i64) -> Result<()> {
        if self.is_postgres() {
            let locked: Option<(i64,)> = sqlx::query_as("SELECT id FROM resources WHERE id = $1 FOR UPDATE")
                .bind(root_id)
                .fetch_optional(self.conn())
                .await?;
            locked.ok_or(StoreError::NotFound)?;
        }
        Ok(())
    }

    /// A blocking booking (see [`colliding!`]) of the same line (the
    /// resource, an ancestor or a descendant) within `buffer` of
    /// `[start, end)`, now. Call under [`Self::lock_tree`].
    pub async fn colliding_booking(
        &mut self,
        resource: &Resource,
        start: i64,
        end: i64,
        buffer: i64,
    ) -> Result<Option<Booking>> {
        self.colliding_booking_at(resource, start, end, buffer, now_micros(), None).await
    }

    /// [`Self::colliding_booking`] as seen at `now`, leaving out booking
    /// `except` (the hold being confirmed).
    pub async fn colliding_booking_at(
        &mut self,
        resource: &Resource,
        start: i64,
        end: i64,
        buffer: i64,
        now: i64,
        except: Option<i64>,
    ) -> Result<Option<Booking>> {
        let row: Option<Booking> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            colliding!("$1", "$2", "$3", "$4", "$5"),
            " AND b.id <> $6 ORDER BY b.starts_at LIMIT 1"
        ))
        .bind(resource.root_id)
        .bind(end + buffer)
        .bind(start - buffer)
        .bind(&resource.path)
        .bind(now)
        .bind(except.unwrap_or(0))
        .fetch_optional(self.conn())
        .await?;
        Ok(row)
    }

    /// Inserts a confirmed booking; call after [`Self::colliding_booking`].
    pub async fn insert_booking(
        &mut self,
        resource: &Resource,
        user_id: Option<i64>,
        start: i64,
        end: i64,
    ) -> Result<Booking> {
        let new = NewBooking {
            user_id,
            starts_at: start,
            ends_at: end,
            status: "confirmed",
            held_until: None,
            organisation_id: None,
        };
        self.insert_booking_as(resource, new).await
    }

    /// Inserts a booking in any starting state; call after [`Self::colliding_booking`].
    pub async fn insert_booking_as(&mut self, resource: &Resource, b: NewBooking) -> Result<Booking> {
        let insert = sqlx::query_as(concat!(
            insert_booking!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            returning_booking!()
        ));
        // The insert raises the tree's longest booking, the bound
        // `colliding_booking` relies on (trigger of migration 0017).
        Ok(bind_new_booking(insert, resource, b).fetch_one(self.conn()).await?)
    }

    /// Inserts the booking when nothing blocks it: no closure shuts the slot
    /// ([`Self::closure_over`]) and no booking of the line collides within
    /// `buffer` ([`Self::colliding_booking`]). Both checks run inside the
    /// insert, so the tree's lock is held for one statement instead of
    /// three. `None`: something blocks it, and those two say what. Call
    /// under [`Self::lock_tree`].
    pub async fn insert_booking_if_free(
        &mut self,
        resource: &Resource,
        b: NewBooking,
        buffer: i64,
    ) -> Result<Option<Booking>> {
        let insert = sqlx::query_as(concat!(
            insert_booking!(),
            " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT 1",
            crate::closures::shutting!("$2", "$5", "$4", "$10"),
            ") AND NOT EXISTS (SELECT 1",
            colliding!("$2", "$12", "$11", "$10", "$7"),
            ")",
            returning_booking!()
        ));
        let row: Option<Booking> = bind_new_booking(insert, resource, b)
            .bind(&resource.path)
            .bind(b.starts_at - buffer)
            .bind(b.ends_at + buffer)
            .fetch_optional(self.conn())
            .await?;
        Ok(row)
    }

    /// A booking as this transaction sees it; call under the tree's lock.
    pub async fn booking_in_tx(&mut self, id: i64) -> Result<Booking> {
        let row: Booking = sqlx::query_as(concat!("SELECT ", booking_columns!(), " FROM bookings b WHERE b.id = $1"))
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        Ok(row)
    }

    /// Moves a booking from `from` to `to`; false when it was no longer in
    /// `from` (someone or the job got there first).
    pub async fn set_booking_status(&mut self, id: i64, from: &str, to: &str, decided_by: Option<i64>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE bookings SET status = $1, held_until = NULL, decided_by = COALESCE($2, decided_by) \
             WHERE id = $3 AND status = $4",
        )
        .bind(to)
        .bind(decided_by)
        .bind(id)
        .bind(from)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels a held, pending or confirmed booking, with its fee if late.
    pub async fn cancel_booking(&mut self, id: i64, now: i64, fee_cents: Option<i64>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE bookings SET status = 'cancelled', held_until = NULL, cancelled_at = $1, \
             cancellation_fee_cents = $2 WHERE id = $3 AND status IN ('held', 'pending', 'confirmed')",
        )
        .bind(now)
        .bind(fee_cents)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a confirmed booking checked in (once).
    pub async fn check_in_booking(&mut self, id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE bookings SET checked_in_at = $1 WHERE id = $2 AND status = 'confirmed' AND checked_in_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Holds lapsed at `now` become `expired`. They stopped blocking at
    /// their `held_until` already; this only makes the state say so.
    pub async fn expire_holds(&mut self, now: i64) -> Result<u64> {
        let done = sqlx::query("UPDATE bookings SET status = 'expired' WHERE status = 'held' AND held_until <= $1")
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    /// Confirmed bookings not checked in by start + their resource's grace
    /// become `no_show`, which frees what is left of their slot. Only the
    /// last week is looked at, so the work stays bounded by the index.
    pub async fn release_no_shows(&mut self, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE bookings SET status = 'no_show' \
             WHERE status = 'confirmed' AND checked_in_at IS NULL AND starts_at <= $1 AND starts_at > $2 \
               AND EXISTS (SELECT 1 FROM resources r WHERE r.id = bookings.resource_id \
                           AND r.no_show_grace_minutes IS NOT NULL \
                           AND bookings.starts_at + r.no_show_grace_minutes * 60000000 <= $1)",
        )
        .bind(now)
        .bind(now - 7 * 24 * 3_600_000_000)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    pub async fn resource(&self, id: i64) -> Result<Resource> {
        let row: ResourceRow = sqlx::query_as(concat!("SELECT ", resource_columns!(), " FROM resources WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(resource(row))
    }

    /// A resource and its place in one statement: a booking's first read.
    pub async fn resource_with_place(&self, id: i64) -> Result<(Resource, PlaceOfResource)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            resource: ResourceRow,
            p_kind: String,
            p_data: String,
            p_commune: Option<String>,
            p_gone: i64,
        }
        let row: Row = sqlx::query_as(concat!(
            "SELECT r.*, p.kind AS p_kind, p.data AS p_data, p.commune_insee AS p_commune, \
                    CASE WHEN p.retired_at IS NULL AND p.merged_into IS NULL THEN 0 ELSE 1 END AS p_gone \
             FROM (SELECT ",
            resource_columns!(),
            " FROM resources WHERE id = $1) r JOIN atlas_records p ON p.id = r.place_id"
        ))
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        let fields: std::collections::BTreeMap<String, domain::atlas::Value> = crate::atlas::from_json(&row.p_data);
        let place = PlaceOfResource {
            id: row.resource.place_id,
            live: row.p_gone == 0 && row.p_kind == domain::atlas::RecordKind::Place.as_str(),
            commune_insee: row.p_commune,
            opening_hours: fields.get("opening_hours").and_then(|v| v.as_text()).map(str::to_owned),
        };
        Ok((resource(row.resource), place))
    }

    /// A place's resources, each after its parent.
    pub async fn resources_of_place(&self, place_id: i64) -> Result<Vec<Resource>> {
        let rows: Vec<ResourceRow> = sqlx::query_as(concat!(
            "SELECT ",
            resource_columns!(),
            " FROM resources WHERE place_id = $1 ORDER BY path"
        ))
        .bind(place_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(resource).collect())
    }

    pub async fn booking(&self, id: i64) -> Result<Booking> {
        let row: Booking = sqlx::query_as(concat!("SELECT ", booking_columns!(), " FROM bookings b WHERE b.id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(row)
    }

    /// Bookings of a whole tree that block their slot at `now` (confirmed,
    /// pending, live holds) and overlap `[from, to)`, by start.
    pub async fn blocking_bookings_of_tree(&self, root_id: i64, from: i64, to: i64, now: i64) -> Result<Vec<Booking>> {
        let rows: Vec<Booking> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b WHERE b.root_id = $1 AND ",
            blocking!("$4"),
            " AND b.starts_at < $2 AND b.ends_at > $3 ORDER BY b.starts_at, b.id"
        ))
        .bind(root_id)
        .bind(to)
        .bind(from)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// A person's bookings in every state, by start.
    pub async fn bookings_of_user(&self, user_id: i64) -> Result<Vec<Booking>> {
        let rows: Vec<Booking> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b WHERE b.user_id = $1 ORDER BY b.starts_at, b.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Confirmed bookings of a whole tree overlapping `[from, to)`, by start.
    pub async fn bookings_of_tree(&self, root_id: i64, from: i64, to: i64) -> Result<Vec<Booking>> {
        let rows: Vec<Booking> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b WHERE b.root_id = $1 AND b.status = 'confirmed' \
             AND b.starts_at < $2 AND b.ends_at > $3 ORDER BY b.starts_at, b.id"
        ))
        .bind(root_id)
        .bind(to)
        .bind(from)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Bookings of a place's resources in one of `statuses` (at most
    /// three) that overlap `[from, to)`, by start: the manager's dashboard
    /// reads the pending ones still to come and the confirmed or held ones
    /// of the next days.
    pub async fn bookings_of_place(
        &self,
        place_id: i64,
        statuses: &[&str],
        from: i64,
        to: i64,
    ) -> Result<Vec<Booking>> {
        let Some(first) = statuses.first() else { return Ok(Vec::new()) };
        if statuses.len() > 3 {
            return Err(StoreError::Other("at most three statuses".into()));
        }
        // A fixed statement: absent statuses repeat the first.
        let status = |i: usize| statuses.get(i).unwrap_or(first).to_string();
        let rows: Vec<Booking> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b JOIN resources r ON r.id = b.resource_id \
             WHERE r.place_id = $1 AND b.starts_at < $2 AND b.ends_at > $3 AND b.status IN ($4, $5, $6) \
             ORDER BY b.starts_at, b.id"
        ))
        .bind(place_id)
        .bind(to)
        .bind(from)
        .bind(status(0))
        .bind(status(1))
        .bind(status(2))
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }
}
