//! Roles granted to people.

use chrono::{DateTime, Utc};
use domain::accounts::{Grant, Role};

use crate::{Result, Store, StoreError, WriteTx, from_micros, now_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: i64,
    pub user_id: i64,
    pub grant: Grant,
    pub granted_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: i64,
    user_id: i64,
    role: String,
    scope_id: i64,
    granted_at: i64,
}

impl TryFrom<GrantRow> for GrantRecord {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self> {
        let role = Role::parse(&r.role).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let grant = Grant::new(role, (r.scope_id != 0).then_some(r.scope_id))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(Self { id: r.id, user_id: r.user_id, grant, granted_at: from_micros(r.granted_at) })
    }
}

/// The grant columns of a `LEFT JOIN role_grants g`, so that a sign-in
/// lookup brings the person's roles in the same statement.
macro_rules! grant_columns_of_g {
    () => {
        "g.id AS g_id, g.role AS g_role, g.scope_id AS g_scope_id, g.granted_at AS g_granted_at"
    };
}
pub(crate) use grant_columns_of_g;

/// One row's grant in such a join: absent when the person holds none.
#[derive(sqlx::FromRow)]
pub(crate) struct JoinedGrant {
    g_id: Option<i64>,
    g_role: Option<String>,
    g_scope_id: Option<i64>,
    g_granted_at: Option<i64>,
}

impl JoinedGrant {
    /// The person's grants from the join's rows (none when its only row has
    /// no grant).
    pub(crate) fn all_of(user_id: i64, rows: impl IntoIterator<Item = Self>) -> Result<Vec<GrantRecord>> {
        rows.into_iter().filter_map(|g| g.of(user_id)).collect()
    }

    fn of(self, user_id: i64) -> Option<Result<GrantRecord>> {
        let (Some(id), Some(role), Some(scope_id), Some(granted_at)) =
            (self.g_id, self.g_role, self.g_scope_id, self.g_granted_at)
        else {
            return None;
        };
        Some(GrantRow { id, user_id, role, scope_id, granted_at }.try_into())
    }
}

impl WriteTx {
    /// Grants a role; granting one already held returns the existing grant.
    pub async fn insert_grant(&mut self, user_id: i64, grant: &Grant) -> Result<GrantRecord> {
        let scope = grant.scope_id.unwrap_or(0);
        sqlx::query(
            "INSERT INTO role_grants (user_id, role, scope_id, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, role, scope_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(grant.role.as_str())
        .bind(scope)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        let row: GrantRow = sqlx::query_as(
            "SELECT id, user_id, role, scope_id, granted_at FROM role_grants \
             WHERE user_id = $1 AND role = $2 AND scope_id = $3",
        )
        .bind(user_id)
        .bind(grant.role.as_str())
        .bind(scope)
        .fetch_one(self.conn())
        .await?;
        row.try_into()
    }

    /// Revokes a role; returns whether it was held.
    pub async fn delete_grant(&mut self, user_id: i64, grant: &Grant) -> Result<bool> {
        let done = sqlx::query("DELETE FROM role_grants WHERE user_id = $1 AND role = $2 AND scope_id = $3")
            .bind(user_id)
            .bind(grant.role.as_str())
            .bind(grant.scope_id.unwrap_or(0))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Store {
    pub async fn grants_of(&self, user_id: i64) -> Result<Vec<GrantRecord>> {
        let rows: Vec<GrantRow> = sqlx::query_as(
            "SELECT id, user_id, role, scope_id, granted_at FROM role_grants WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
