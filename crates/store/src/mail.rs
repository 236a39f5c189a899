//! The mail outbox. Every mail is written here in the same transaction as
//! the change that caused it, with a delivery job; the job sends it through
//! the configured SMTP relay or, with none configured, leaves it `held` for
//! `maillage admin outbox` to show.

use chrono::{DateTime, Utc};

use crate::{Result, Store, WriteTx, from_micros, now_micros};

pub const DELIVER_JOB: &str = "mail.deliver";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Queued,
    Sent,
    /// No relay is configured: the mail stays here.
    Held,
    /// Delivery failed for good.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Held => "held",
            MailStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => MailStatus::Sent,
            "held" => MailStatus::Held,
            "failed" => MailStatus::Failed,
            _ => MailStatus::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: i64,
    user_id: Option<i64>,
    recipient: String,
    subject: String,
    body: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

impl From<MailRow> for Mail {
    fn from(r: MailRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            status: MailStatus::parse(&r.status),
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: from_micros(r.created_at),
            sent_at: r.sent_at.map(from_micros),
        }
    }
}

macro_rules! mail_columns {
    () => {
        "id, user_id, recipient, subject, body, status, attempts, last_error, created_at, sent_at"
    };
}

impl WriteTx {
    pub async fn enqueue_mail(
        &mut self,
        user_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO mail_outbox (user_id, recipient, subject, body, status, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5) RETURNING id",
        )
        .bind(user_id)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now_micros())
        .fetch_one(self.conn())
        .await?;
        self.enqueue_job(DELIVER_JOB, &id.to_string(), Utc::now()).await?;
        Ok(id)
    }
}

impl Store {
    pub async fn mail(&self, id: i64) -> Result<Mail> {
        let row: MailRow = sqlx::query_as(concat!("SELECT ", mail_columns!(), " FROM mail_outbox WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.into())
    }

    /// The most recent mails first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<Mail>> {
        let rows: Vec<MailRow> =
            sqlx::query_as(concat!("SELECT ", mail_columns!(), " FROM mail_outbox ORDER BY id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Mails addressed to one person, oldest first.
    pub async fn mails_of(&self, user_id: i64) -> Result<Vec<Mail>> {
        let rows: Vec<MailRow> =
            sqlx::query_as(concat!("SELECT ", mail_columns!(), " FROM mail_outbox WHERE user_id = $1 ORDER BY id"))
                .bind(user_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Records a delivery attempt's outcome.
    pub async fn set_mail_status(&self, id: i64, status: MailStatus, error: Option<&str>) -> Result<()> {
        let now = now_micros();
        sqlx::query(
            "UPDATE mail_outbox SET status = $1, attempts = attempts + 1, last_error = $2, \
             sent_at = CASE WHEN $1 = 'sent' THEN $3 ELSE sent_at END WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(error)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn count_mails(&self, status: MailStatus) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE status = $1")
            .bind(status.as_str())
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }
}
