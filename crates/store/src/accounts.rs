//! People with an account.

use chrono::{DateTime, Utc};
use domain::accounts::{DisplayName, Email};

use crate::{Result, Store, StoreError, WriteTx, from_micros, now_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    /// `None` once the account is deleted.
    pub email: Option<String>,
    pub display_name: String,
    pub locale: String,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl User {
    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: Option<String>,
    display_name: String,
    locale: String,
    email_confirmed_at: Option<i64>,
    created_at: i64,
    deleted_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            locale: r.locale,
            email_confirmed_at: r.email_confirmed_at.map(from_micros),
            created_at: from_micros(r.created_at),
            deleted_at: r.deleted_at.map(from_micros),
        }
    }
}

macro_rules! user_columns {
    () => {
        "id, email, display_name, locale, email_confirmed_at, created_at, deleted_at"
    };
}
/// The same columns read from a join where `users` is aliased `u`.
macro_rules! user_columns_of_u {
    () => {
        "u.id, u.email, u.display_name, u.locale, u.email_confirmed_at, u.created_at, u.deleted_at"
    };
}
pub(crate) use user_columns_of_u;

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub display_name: &'a DisplayName,
    pub password_hash: &'a str,
    pub locale: &'a str,
    /// Accounts created by an administrator or the demo need no confirmation.
    pub confirmed: bool,
}

impl WriteTx {
    /// Inserts an account. Fails with `Conflict` when the email is taken.
    pub async fn insert_user(&mut self, new: NewUser<'_>) -> Result<User> {
        let now = now_micros();
        let row: UserRow = sqlx::query_as(concat!("INSERT INTO users (email, display_name, password_hash, locale, email_confirmed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ", user_columns!()))
        .bind(new.email.as_str())
        .bind(new.display_name.as_str())
        .bind(new.password_hash)
        .bind(new.locale)
        .bind(new.confirmed.then_some(now))
        .bind(now)
        .fetch_one(self.conn())
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("email already registered".into()),
            other => other,
        })?;
        Ok(row.into())
    }

    pub async fn confirm_email(&mut self, user_id: i64) -> Result<()> {
        let now = now_micros();
        sqlx::query(
            "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $1), updated_at = $1 \
             WHERE id = $2 AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn set_password_hash(&mut self, user_id: i64, hash: &str) -> Result<()> {
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL")
                .bind(hash)
                .bind(now_micros())
                .bind(user_id)
                .execute(self.conn())
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn update_profile(&mut self, user_id: i64, name: &DisplayName, locale: &str) -> Result<()> {
        sqlx::query(
            "UPDATE users SET display_name = $1, locale = $2, updated_at = $3 WHERE id = $4 AND deleted_at IS NULL",
        )
        .bind(name.as_str())
        .bind(locale)
        .bind(now_micros())
        .bind(user_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn user(&self, id: i64) -> Result<User> {
        let row: UserRow = sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.into())
    }

    /// The account with this email and its password hash, for signing in.
    pub async fn user_with_password(&self, email: &Email) -> Result<Option<(User, Option<String>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: Option<String>,
        }
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM users WHERE email = $1 AND deleted_at IS NULL"
        ))
        .bind(email.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| (r.user.into(), r.password_hash)))
    }

    pub async fn password_hash(&self, user_id: i64) -> Result<Option<String>> {
        let row: (Option<String>,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.0)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        Ok(self.user_with_password(email).await?.map(|(u, _)| u))
    }

    /// Accounts in id order, `limit` after `after_id`.
    pub async fn list_users(&self, after_id: i64, limit: i64) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id > $1 AND deleted_at IS NULL ORDER BY id LIMIT $2"
        ))
        .bind(after_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn count_users(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL").fetch_one(self.pool()).await?;
        Ok(n)
    }
}
