//! Signed-in browser sessions. Only a hash of the cookie's token is stored,
//! so a copy of the database does not let anyone sign in.

use chrono::{DateTime, Utc};

use crate::accounts::{User, UserRow, user_columns_of_u};
use crate::grants::{GrantRecord, JoinedGrant, grant_columns_of_g};
use crate::{Result, Store, WriteTx, from_micros, now_micros, to_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    user_id: i64,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    user_agent: String,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            created_at: from_micros(r.created_at),
            last_seen_at: from_micros(r.last_seen_at),
            expires_at: from_micros(r.expires_at),
            user_agent: r.user_agent,
        }
    }
}

macro_rules! session_columns {
    () => {
        "id, user_id, created_at, last_seen_at, expires_at, user_agent"
    };
}

impl WriteTx {
    pub async fn insert_session(
        &mut self,
        user_id: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        user_agent: &str,
    ) -> Result<Session> {
        let now = now_micros();
        let row: SessionRow = sqlx::query_as(concat!(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent) \
             VALUES ($1, $2, $3, $3, $4, $5) RETURNING ",
            session_columns!()
        ))
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(to_micros(expires_at))
        .bind(user_agent)
        .fetch_one(self.conn())
        .await?;
        Ok(row.into())
    }

    /// Deletes one of `user_id`'s sessions; returns whether it existed.
    pub async fn delete_session(&mut self, user_id: i64, session_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends the session of this cookie token (sign-out); returns its owner.
    pub async fn delete_session_by_token_hash(&mut self, token_hash: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Signs a person out everywhere but `keep` (after a password change).
    pub async fn delete_other_sessions(&mut self, user_id: i64, keep: Option<i64>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(0))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// The live session for a cookie token hash, with its account and the
    /// account's roles, in one statement.
    pub async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<(Session, User, Vec<GrantRecord>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            s_id: i64,
            s_created_at: i64,
            s_last_seen_at: i64,
            s_expires_at: i64,
            s_user_agent: String,
            #[sqlx(flatten)]
            user: UserRow,
            #[sqlx(flatten)]
            grant: JoinedGrant,
        }
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT s.id AS s_id, s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, \
                    s.expires_at AS s_expires_at, s.user_agent AS s_user_agent, ",
            user_columns_of_u!(),
            ", ",
            grant_columns_of_g!(),
            " \
             FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN role_grants g ON g.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL ORDER BY g.id"
        ))
        .bind(token_hash)
        .bind(now_micros())
        .fetch_all(self.pool())
        .await?;
        let mut rows = rows.into_iter();
        let Some(r) = rows.next() else { return Ok(None) };
        let user: User = r.user.into();
        let grants = JoinedGrant::all_of(user.id, std::iter::once(r.grant).chain(rows.map(|r| r.grant)))?;
        let session = Session {
            id: r.s_id,
            user_id: user.id,
            created_at: from_micros(r.s_created_at),
            last_seen_at: from_micros(r.s_last_seen_at),
            expires_at: from_micros(r.s_expires_at),
            user_agent: r.s_user_agent,
        };
        Ok(Some((session, user, grants)))
    }

    /// Records activity, at most once per `granularity` to spare writes.
    pub async fn touch_session(&self, session_id: i64, granularity: chrono::Duration) -> Result<()> {
        let now = now_micros();
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3")
            .bind(now)
            .bind(session_id)
            .bind(now - granularity.num_microseconds().unwrap_or(0))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn sessions_of(&self, user_id: i64) -> Result<Vec<Session>> {
        let rows: Vec<SessionRow> = sqlx::query_as(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC"
        ))
        .bind(user_id)
        .bind(now_micros())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
