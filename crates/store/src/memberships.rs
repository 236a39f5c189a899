//! Who belongs to a place (members, residents) and which trainings people
//! hold there: what a resource's access rule and machine training ask for.

use crate::{Result, Store, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Membership {
    pub id: i64,
    pub place_id: i64,
    pub user_id: i64,
    /// member | resident.
    pub role: String,
    pub organisation_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TrainingHeld {
    pub id: i64,
    pub user_id: i64,
    pub place_id: i64,
    pub training: String,
    pub granted_by: Option<i64>,
    pub granted_at: i64,
}

impl WriteTx {
    pub async fn insert_membership(
        &mut self,
        place_id: i64,
        user_id: i64,
        role: &str,
        organisation_id: Option<i64>,
        starts_at: i64,
        ends_at: Option<i64>,
    ) -> Result<Membership> {
        let row: Membership = sqlx::query_as(
            "INSERT INTO place_memberships (place_id, user_id, role, organisation_id, starts_at, ends_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING id, place_id, user_id, role, organisation_id, starts_at, ends_at, created_at",
        )
        .bind(place_id)
        .bind(user_id)
        .bind(role)
        .bind(organisation_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        Ok(row)
    }

    /// Grants a training; granting one already held keeps the first grant.
    pub async fn grant_training(
        &mut self,
        user_id: i64,
        place_id: i64,
        training: &str,
        granted_by: Option<i64>,
    ) -> Result<TrainingHeld> {
        sqlx::query(
            "INSERT INTO trainings_held (user_id, place_id, training, granted_by, granted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, place_id, training) DO NOTHING",
        )
        .bind(user_id)
        .bind(place_id)
        .bind(training)
        .bind(granted_by)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        let row: TrainingHeld = sqlx::query_as(
            "SELECT id, user_id, place_id, training, granted_by, granted_at FROM trainings_held \
             WHERE user_id = $1 AND place_id = $2 AND training = $3",
        )
        .bind(user_id)
        .bind(place_id)
        .bind(training)
        .fetch_one(self.conn())
        .await?;
        Ok(row)
    }
}

impl Store {
    /// The roles (member, resident) a person holds at a place at `now`.
    pub async fn membership_roles(&self, place_id: i64, user_id: i64, now: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT role FROM place_memberships WHERE place_id = $1 AND user_id = $2 \
             AND starts_at <= $3 AND (ends_at IS NULL OR ends_at > $3) ORDER BY role",
        )
        .bind(place_id)
        .bind(user_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(r,)| r).collect())
    }

    pub async fn holds_training(&self, user_id: i64, place_id: i64, training: &str) -> Result<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM trainings_held WHERE user_id = $1 AND place_id = $2 AND training = $3")
                .bind(user_id)
                .bind(place_id)
                .bind(training)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }
}
