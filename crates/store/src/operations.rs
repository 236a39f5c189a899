//! Bookable resources and bookings.
//!
//! The guarantee — no two confirmed bookings overlap on a resource or
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
}

type ResourceRow = (
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
);

macro_rules! resource_columns {
    () => {
        "id, place_id, parent_id, root_id, path, kind, name, capacity, opening_hours, \
         min_minutes, max_minutes, advance_days, buffer_minutes, created_at"
    };
}

fn resource(r: ResourceRow) -> Resource {
    Resource {
        id: r.0,
        place_id: r.1,
        parent_id: r.2,
        root_id: r.3.unwrap_or(r.0),
        path: r.4,
        kind: r.5,
        name: r.6,
        capacity: r.7,
        opening_hours: r.8,
        min_minutes: r.9,
        max_minutes: r.10,
        advance_days: r.11,
        buffer_minutes: r.12,
        created_at: r.13,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: i64,
    pub resource_id: i64,
    pub root_id: i64,
    pub user_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: String,
    pub created_at: i64,
}

type BookingRow = (i64, i64, i64, Option<i64>, i64, i64, String, i64);

macro_rules! booking_columns {
    () => {
        "b.id, b.resource_id, b.root_id, b.user_id, b.starts_at, b.ends_at, b.status, b.created_at"
    };
}

fn booking(r: BookingRow) -> Booking {
    Booking {
        id: r.0,
        resource_id: r.1,
        root_id: r.2,
        user_id: r.3,
        starts_at: r.4,
        ends_at: r.5,
        status: r.6,
        created_at: r.7,
    }
}

impl WriteTx {
    pub async fn create_resource(&mut self, r: NewResource<'_>) -> Result<Resource> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO resources (place_id, parent_id, kind, name, capacity, opening_hours, min_minutes, \
             max_minutes, advance_days, buffer_minutes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
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
        .fetch_one(self.conn())
        .await?;
        let path = domain::operations::tree_path(r.parent.map(|p| p.path.as_str()), id);
        let root = r.parent.map_or(id, |p| p.root_id);
        let row: ResourceRow = sqlx::query_as(concat!(
            "UPDATE resources SET path = $1, root_id = $2 WHERE id = $3 RETURNING ",
            resource_columns!()
        ))
        .bind(path)
        .bind(root)
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

    /// A confirmed booking of the same line (the resource, an ancestor or a
    /// descendant) within `buffer` of `[start, end)`. Call under [`Self::lock_tree`]:
    /// the tree's longest booking (on its root) bounds how far back to look,
    /// so the check reads a few rows however many the tree holds.
    pub async fn colliding_booking(
        &mut self,
        resource: &Resource,
        start: i64,
        end: i64,
        buffer: i64,
    ) -> Result<Option<Booking>> {
        let row: Option<BookingRow> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b JOIN resources r ON r.id = b.resource_id \
             WHERE b.root_id = $1 AND b.status = 'confirmed' AND b.starts_at < $2 AND b.ends_at > $3 \
               AND b.starts_at >= $3 - (SELECT longest_booking FROM resources WHERE id = $1) \
               AND ($4 LIKE r.path || '%' OR r.path LIKE $4 || '%') \
             ORDER BY b.starts_at LIMIT 1"
        ))
        .bind(resource.root_id)
        .bind(end + buffer)
        .bind(start - buffer)
        .bind(&resource.path)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(booking))
    }

    pub async fn insert_booking(
        &mut self,
        resource: &Resource,
        user_id: Option<i64>,
        start: i64,
        end: i64,
    ) -> Result<Booking> {
        let row: BookingRow = sqlx::query_as(
            "INSERT INTO bookings (resource_id, root_id, user_id, starts_at, ends_at, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'confirmed', $6) \
             RETURNING id, resource_id, root_id, user_id, starts_at, ends_at, status, created_at",
        )
        .bind(resource.id)
        .bind(resource.root_id)
        .bind(user_id)
        .bind(start)
        .bind(end)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        // Keeps the bound `colliding_booking` relies on; under the tree lock.
        sqlx::query("UPDATE resources SET longest_booking = $1 WHERE id = $2 AND longest_booking < $1")
            .bind(end - start)
            .bind(resource.root_id)
            .execute(self.conn())
            .await?;
        Ok(booking(row))
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

    /// A person's confirmed bookings, by start.
    pub async fn bookings_of_user(&self, user_id: i64) -> Result<Vec<Booking>> {
        let rows: Vec<BookingRow> = sqlx::query_as(concat!(
            "SELECT ",
            booking_columns!(),
            " FROM bookings b WHERE b.user_id = $1 AND b.status = 'confirmed' ORDER BY b.starts_at, b.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(booking).collect())
    }

    /// Confirmed bookings of a whole tree overlapping `[from, to)`, by start.
    pub async fn bookings_of_tree(&self, root_id: i64, from: i64, to: i64) -> Result<Vec<Booking>> {
        let rows: Vec<BookingRow> = sqlx::query_as(concat!(
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
        Ok(rows.into_iter().map(booking).collect())
    }
}
