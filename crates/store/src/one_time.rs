//! Single-use, expiring tokens sent by mail (email confirmation, password reset).

use chrono::{DateTime, Utc};

use crate::{Result, Store, WriteTx, now_micros, to_micros};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmEmail,
    ResetPassword,
    /// A record's manager confirms it is up to date (freshness mails); the
    /// subject is the record.
    ConfirmRecord,
    /// A guardian consents to a minor's registration; the subject is the
    /// registration.
    GuardianConsent,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ConfirmRecord => "confirm_record",
            Purpose::GuardianConsent => "guardian_consent",
        }
    }
}

impl WriteTx {
    pub async fn insert_one_time_token(
        &mut self,
        user_id: i64,
        purpose: Purpose,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(now_micros())
        .bind(to_micros(expires_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks the token used and returns its owner, if it is valid for
    /// `purpose`, unused and unexpired. The conditional update makes a
    /// second use fail even when two requests race.
    pub async fn consume_one_time_token(&mut self, token_hash: &str, purpose: Purpose) -> Result<Option<i64>> {
        let now = now_micros();
        let row: Option<(i64,)> = sqlx::query_as(
            "UPDATE one_time_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(|r| r.0))
    }

    /// A link about one thing (`subject`: a record, a registration), sent
    /// on behalf of one person.
    pub async fn insert_subject_token(
        &mut self,
        user_id: i64,
        purpose: Purpose,
        subject: i64,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at, subject) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(now_micros())
        .bind(to_micros(expires_at))
        .bind(subject)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Uses a subject link: (person, subject) when valid, unused, unexpired.
    pub async fn consume_subject_token(&mut self, token_hash: &str, purpose: Purpose) -> Result<Option<(i64, i64)>> {
        let now = now_micros();
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $1 RETURNING user_id, subject",
        )
        .bind(now)
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(self.conn())
        .await?;
        Ok(row.and_then(|(user, subject)| subject.map(|s| (user, s))))
    }

    /// Voids the unused tokens of a purpose (a new reset link replaces old ones).
    pub async fn void_one_time_tokens(&mut self, user_id: i64, purpose: Purpose) -> Result<()> {
        sqlx::query("UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
            .bind(now_micros())
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// The (person, subject) of a subject link that would be accepted.
    pub async fn subject_token(&self, token_hash: &str, purpose: Purpose) -> Result<Option<(i64, i64)>> {
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, subject FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now_micros())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|(user, subject)| subject.map(|s| (user, s))))
    }

    /// The owner of a token that would be accepted, without using it (to
    /// show the form, and check the new password against the owner's email).
    pub async fn one_time_token_owner(&self, token_hash: &str, purpose: Purpose) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT user_id FROM one_time_tokens \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now_micros())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.0))
    }
}
