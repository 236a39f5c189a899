//! API tokens for programs: hashed at rest, scoped, revocable.

use chrono::{DateTime, Utc};
use domain::accounts::TokenScopes;

use crate::accounts::{User, UserRow, user_columns_of_u};
use crate::grants::{GrantRecord, JoinedGrant, grant_columns_of_g};
use crate::{Result, Store, StoreError, WriteTx, from_micros, now_micros, to_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the secret, shown so people can tell tokens apart.
    pub prefix: String,
    pub scopes: TokenScopes,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    token_prefix: String,
    scopes: String,
    created_at: i64,
    last_used_at: Option<i64>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            prefix: r.token_prefix,
            scopes: TokenScopes::parse_list(&r.scopes).map_err(|e| StoreError::Invalid(e.to_string()))?,
            created_at: from_micros(r.created_at),
            last_used_at: r.last_used_at.map(from_micros),
            expires_at: r.expires_at.map(from_micros),
            revoked_at: r.revoked_at.map(from_micros),
        })
    }
}

macro_rules! token_columns {
    () => {
        "id, user_id, name, token_prefix, scopes, created_at, last_used_at, expires_at, revoked_at"
    };
}

pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a TokenScopes,
    pub expires_at: Option<DateTime<Utc>>,
}

impl WriteTx {
    pub async fn insert_api_token(&mut self, new: NewApiToken<'_>) -> Result<ApiToken> {
        let row: TokenRow = sqlx::query_as(concat!(
            "INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            token_columns!()
        ))
        .bind(new.user_id)
        .bind(new.name)
        .bind(new.token_hash)
        .bind(new.prefix)
        .bind(new.scopes.to_list())
        .bind(now_micros())
        .bind(new.expires_at.map(to_micros))
        .fetch_one(self.conn())
        .await?;
        row.try_into()
    }

    /// Revokes one of `user_id`'s tokens; returns whether a live one was revoked.
    pub async fn revoke_api_token(&mut self, user_id: i64, token_id: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(now_micros())
                .bind(token_id)
                .bind(user_id)
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Store {
    /// The live (unrevoked, unexpired) token with this hash, its owner and
    /// the owner's roles: what every API request needs, in one statement.
    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<(ApiToken, User, Vec<GrantRecord>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            t_id: i64,
            t_name: String,
            t_prefix: String,
            t_scopes: String,
            t_created_at: i64,
            t_last_used_at: Option<i64>,
            t_expires_at: Option<i64>,
            #[sqlx(flatten)]
            user: UserRow,
            #[sqlx(flatten)]
            grant: JoinedGrant,
        }
        let now = now_micros();
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT t.id AS t_id, t.name AS t_name, t.token_prefix AS t_prefix, t.scopes AS t_scopes, \
                    t.created_at AS t_created_at, t.last_used_at AS t_last_used_at, t.expires_at AS t_expires_at, ",
            user_columns_of_u!(),
            ", ",
            grant_columns_of_g!(),
            " \
             FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN role_grants g ON g.user_id = u.id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
               AND u.deleted_at IS NULL ORDER BY g.id"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        let mut rows = rows.into_iter();
        let Some(r) = rows.next() else { return Ok(None) };
        let user: User = r.user.into();
        let grants = JoinedGrant::all_of(user.id, std::iter::once(r.grant).chain(rows.map(|r| r.grant)))?;
        let token = TokenRow {
            id: r.t_id,
            user_id: user.id,
            name: r.t_name,
            token_prefix: r.t_prefix,
            scopes: r.t_scopes,
            created_at: r.t_created_at,
            last_used_at: r.t_last_used_at,
            expires_at: r.t_expires_at,
            revoked_at: None,
        }
        .try_into()?;
        Ok(Some((token, user, grants)))
    }

    /// Records use, at most once per `granularity` to spare writes.
    pub async fn touch_api_token(&self, token_id: i64, granularity: chrono::Duration) -> Result<()> {
        let now = now_micros();
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(token_id)
        .bind(now - granularity.num_microseconds().unwrap_or(0))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn api_tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
