//! Sealing, reading and verifying the audit log. Appending is
//! [`crate::WriteTx::audit`], which leaves the entry pending; [`Store::seal_audit`]
//! chains pending entries. Every reader seals first, so what it shows is
//! chained; between an append and the next seal (a fraction of a second
//! while a server runs, see [`Store::run_audit_sealer`]) an entry is
//! recorded but not yet tamper-evident.

use domain::audit::{AuditRecord, ChainProblem, ChainVerifier};
use futures_util::TryStreamExt;

use crate::{Result, Store};

/// Entries chained per sealing transaction.
const SEAL_BATCH: usize = 500;

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    entity_type: String,
    entity_id: String,
    summary: String,
}

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
    /// Chains every pending entry, oldest first; returns how many.
    ///
    /// Each batch locks the head row, numbers and hashes its entries from
    /// the head, inserts them and deletes exactly those pending rows (an
    /// entry that commits meanwhile with a smaller id waits for the next
    /// batch, so none is skipped), in one transaction.
    pub async fn seal_audit(&self) -> Result<usize> {
        let mut sealed = 0;
        loop {
            let mut tx = self.write().await?;
            tx.mark_audited();
            let (mut seq, mut prev_hash): (i64, String) =
                sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                    .fetch_one(tx.conn())
                    .await?;
            let pending: Vec<PendingRow> = sqlx::query_as(
                "SELECT id, at, actor, action, entity_type, entity_id, summary FROM audit_pending ORDER BY id LIMIT $1",
            )
            .bind(SEAL_BATCH as i64)
            .fetch_all(tx.conn())
            .await?;
            if pending.is_empty() {
                tx.rollback().await?;
                return Ok(sealed);
            }
            let mut records = Vec::with_capacity(pending.len());
            for p in &pending {
                seq += 1;
                let mut record = AuditRecord {
                    seq,
                    at_micros: p.at,
                    actor: p.actor.clone(),
                    action: p.action.clone(),
                    entity_type: p.entity_type.clone(),
                    entity_id: p.entity_id.clone(),
                    summary: p.summary.clone(),
                    prev_hash: std::mem::take(&mut prev_hash),
                    hash: String::new(),
                };
                record.hash = record.expected_hash();
                prev_hash = record.hash.clone();
                records.push(record);
            }
            // Nine values per entry, 500 entries: within both backends' limits on bound values.
            let rows = (0..records.len())
                .map(|i| {
                    let n = i * 9;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4,
                        n + 5,
                        n + 6,
                        n + 7,
                        n + 8,
                        n + 9
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(concat!("INSERT INTO audit_log (", audit_columns!(), ") VALUES {}"), rows);
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in &records {
                insert = insert
                    .bind(r.seq)
                    .bind(r.at_micros)
                    .bind(&r.actor)
                    .bind(&r.action)
                    .bind(&r.entity_type)
                    .bind(&r.entity_id)
                    .bind(&r.summary)
                    .bind(&r.prev_hash)
                    .bind(&r.hash);
            }
            insert.execute(tx.conn()).await?;
            let ids = crate::sql::placeholders(1, pending.len());
            let mut delete = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM audit_pending WHERE id IN ({ids})")));
            for p in &pending {
                delete = delete.bind(p.id);
            }
            delete.execute(tx.conn()).await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&prev_hash)
                .execute(tx.conn())
                .await?;
            tx.commit().await?;
            sealed += pending.len();
        }
    }

    /// Seals pending entries every `every` until `stop` completes. Every
    /// server runs one; two sealers take turns on the head row.
    pub async fn run_audit_sealer(&self, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.seal_audit().await {
                tracing::warn!(error = %e, "audit entries could not be sealed; next try soon");
            }
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(every) => {}
            }
        }
        let _ = self.seal_audit().await;
    }

    /// Entries newest first, before `before_seq` (exclusive) when given.
    pub async fn audit_entries(&self, before_seq: Option<i64>, limit: i64) -> Result<Vec<AuditRecord>> {
        self.seal_audit().await?;
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
        self.seal_audit().await?;
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
        self.seal_audit().await?;
        // One snapshot for the head and the rows, so concurrent appends
        // cannot look like a missing tail. SQLite's deferred transaction takes
        // its snapshot at the first read; PostgreSQL needs REPEATABLE READ.
        let mut conn = self.pool().acquire().await?;
        let mut tx = sqlx::Connection::begin(conn.conn()).await?;
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
