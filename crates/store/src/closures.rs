//! Closures of a resource (works, holidays, private use): periods when it
//! and everything below it cannot be booked. Read with the resource's tree,
//! like bookings, so a booking looks them up under the same tree lock.

use crate::operations::Resource;
use crate::{Result, Store, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Closure {
    pub id: i64,
    pub resource_id: i64,
    pub root_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub reason: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

macro_rules! closure_columns {
    () => {
        "c.id, c.resource_id, c.root_id, c.starts_at, c.ends_at, c.reason, c.created_by, c.created_at"
    };
}

/// The closures (`c`) of tree `$root` over `[$from, $to)` that shut the
/// resource at `$path`: its own and its ancestors'. Kept in one place for
/// the check and for the booking insert that embeds it.
macro_rules! shutting {
    ($root:literal, $to:literal, $from:literal, $path:literal) => {
        concat!(
            " FROM resource_closures c JOIN resources r ON r.id = c.resource_id WHERE c.root_id = ",
            $root,
            " AND c.starts_at < ",
            $to,
            " AND c.ends_at > ",
            $from,
            " AND ",
            $path,
            " LIKE r.path || '%'"
        )
    };
}
pub(crate) use shutting;

impl WriteTx {
    pub async fn insert_closure(
        &mut self,
        resource: &Resource,
        starts_at: i64,
        ends_at: i64,
        reason: &str,
        created_by: Option<i64>,
    ) -> Result<Closure> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO resource_closures (resource_id, root_id, starts_at, ends_at, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(resource.id)
        .bind(resource.root_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(reason)
        .bind(created_by)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        Ok(Closure {
            id,
            resource_id: resource.id,
            root_id: resource.root_id,
            starts_at,
            ends_at,
            reason: reason.to_owned(),
            created_by,
            created_at: now_micros(),
        })
    }

    /// Removes a closure; false when there was none.
    pub async fn delete_closure(&mut self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM resource_closures WHERE id = $1").bind(id).execute(self.conn()).await?;
        Ok(done.rows_affected() == 1)
    }

    /// A closure of the resource or of one above it overlapping
    /// `[start, end)`: what shuts a room shuts its desks, not the venue.
    /// Call under the tree lock.
    pub async fn closure_over(&mut self, resource: &Resource, start: i64, end: i64) -> Result<Option<Closure>> {
        let row: Option<Closure> = sqlx::query_as(concat!(
            "SELECT ",
            closure_columns!(),
            shutting!("$1", "$2", "$3", "$4"),
            " ORDER BY c.starts_at LIMIT 1"
        ))
        .bind(resource.root_id)
        .bind(end)
        .bind(start)
        .bind(&resource.path)
        .fetch_optional(self.conn())
        .await?;
        Ok(row)
    }
}

impl Store {
    pub async fn closure(&self, id: i64) -> Result<Closure> {
        let row: Closure =
            sqlx::query_as(concat!("SELECT ", closure_columns!(), " FROM resource_closures c WHERE c.id = $1"))
                .bind(id)
                .fetch_one(self.pool())
                .await?;
        Ok(row)
    }

    /// Closures of a whole tree overlapping `[from, to)`, by start.
    pub async fn closures_of_tree(&self, root_id: i64, from: i64, to: i64) -> Result<Vec<Closure>> {
        let rows: Vec<Closure> = sqlx::query_as(concat!(
            "SELECT ",
            closure_columns!(),
            " FROM resource_closures c \
             WHERE c.root_id = $1 AND c.starts_at < $2 AND c.ends_at > $3 ORDER BY c.starts_at, c.id"
        ))
        .bind(root_id)
        .bind(to)
        .bind(from)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }
}
