//! Reading and verifying the audit log. Appending is [`crate::WriteTx::audit`].

use domain::audit::{AuditRecord, ChainProblem, ChainVerifier};
use futures_util::TryStreamExt;

use crate::{Result, Store};

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    entity_type: String,
    entity_id: String,
    summary: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        Self {
            seq: r.seq,
            at_micros: r.at,
            actor: r.actor,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

macro_rules! audit_columns {
    () => {
        "seq, at, actor, action, entity_type, entity_id, summary, prev_hash, hash"
    };
}

/// Outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: i64,
    pub head_hash: String,
    pub problem: Option<ChainProblem>,
}

impl Store {
    /// Entries newest first, before `before_seq` (exclusive) when given.
    pub async fn audit_entries(&self, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Entries caused by or about one person, oldest first (for their data export).
    pub async fn audit_entries_for_user(&self, user_id: i64) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = sqlx::query_as(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log \
             WHERE actor = $1 OR (entity_type = 'user' AND entity_id = $2) ORDER BY seq"
        ))
        .bind(format!("user:{user_id}"))
        .bind(user_id.to_string())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Recomputes every hash in order, streaming, and compares the end with
    /// the head row. Reports the first problem found.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        // One snapshot for the head and the rows, so concurrent appends
        // cannot look like a missing tail. SQLite's deferred transaction takes
        // its snapshot at the first read; PostgreSQL needs REPEATABLE READ.
        let mut tx = self.pool().begin().await?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
        }
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *tx).await?;
        let mut verifier = ChainVerifier::default();
        let mut problem = None;
        {
            let mut rows =
                sqlx::query_as::<_, AuditRow>(concat!("SELECT ", audit_columns!(), " FROM audit_log ORDER BY seq"))
                    .fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                if let Err(p) = verifier.push(&row.into()) {
                    problem = Some(p);
                    break;
                }
            }
        }
        tx.rollback().await?;
        let entries = verifier.count();
        if problem.is_none() {
            problem = verifier.finish(head_seq, &head_hash).err();
        }
        Ok(ChainReport { entries, head_hash, problem })
    }
}
