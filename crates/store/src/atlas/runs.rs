//! Import runs: one row per execution of an import, with its counts.

use crate::{Result, Store, WriteTx, now_micros};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub retired: i64,
    pub rejected: i64,
    /// Rows outside the territory the import was restricted to.
    pub skipped: i64,
    pub merged: i64,
    pub queued: i64,
    /// Malformed values left out of rows that were kept (listed with the
    /// rejects; counted for the run in progress only).
    pub dropped: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRun {
    pub id: i64,
    pub source: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: String,
    pub counts: ImportCounts,
}

type RunRow = (i64, String, i64, Option<i64>, String, i64, i64, i64, i64, i64, i64, i64, i64, i64);

impl WriteTx {
    /// Opens a run. Runs of the same source left `running` by a process
    /// that died are marked `interrupted` first.
    pub async fn start_import_run(&mut self, source: &str, actor: &str) -> Result<i64> {
        sqlx::query("UPDATE import_runs SET status = 'interrupted' WHERE source = $1 AND status = 'running'")
            .bind(source)
            .execute(self.conn())
            .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO import_runs (source, started_at, status, actor) VALUES ($1, $2, 'running', $3) RETURNING id",
        )
        .bind(source)
        .bind(now_micros())
        .bind(actor)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    pub async fn finish_import_run(&mut self, id: i64, status: &str, c: &ImportCounts) -> Result<()> {
        sqlx::query(
            "UPDATE import_runs SET finished_at = $1, status = $2, read_rows = $3, created = $4, updated = $5, \
             unchanged = $6, retired = $7, rejected = $8, merged = $9, queued = $10, skipped = $11 WHERE id = $12",
        )
        .bind(now_micros())
        .bind(status)
        .bind(c.read)
        .bind(c.created)
        .bind(c.updated)
        .bind(c.unchanged)
        .bind(c.retired)
        .bind(c.rejected)
        .bind(c.merged)
        .bind(c.queued)
        .bind(c.skipped)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn import_runs(&self, limit: i64) -> Result<Vec<ImportRun>> {
        self.import_runs_where(None, limit).await
    }

    async fn import_runs_where(&self, id: Option<i64>, limit: i64) -> Result<Vec<ImportRun>> {
        let rows: Vec<RunRow> = sqlx::query_as(
            "SELECT id, source, started_at, finished_at, status, read_rows, created, updated, unchanged, retired, \
             rejected, merged, queued, skipped FROM import_runs WHERE ($1 = 0 OR id = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    source,
                    started_at,
                    finished_at,
                    status,
                    read,
                    created,
                    updated,
                    unchanged,
                    retired,
                    rejected,
                    merged,
                    queued,
                    skipped,
                )| {
                    ImportRun {
                        id,
                        source,
                        started_at,
                        finished_at,
                        status,
                        counts: ImportCounts {
                            read,
                            created,
                            updated,
                            unchanged,
                            retired,
                            rejected,
                            skipped,
                            merged,
                            queued,
                            dropped: 0,
                        },
                    }
                },
            )
            .collect())
    }
}

/// A row an import refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReject {
    pub line: i64,
    pub field: Option<String>,
    pub reason: String,
    /// The row's columns as a JSON object.
    pub raw: String,
}

impl WriteTx {
    pub async fn add_import_rejects(&mut self, run_id: i64, rejects: &[ImportReject]) -> Result<()> {
        for chunk in rejects.chunks(crate::sql::MAX_BINDS / 4) {
            let values = (0..chunk.len())
                .map(|i| format!("($1, ${}, ${}, ${}, ${})", 4 * i + 2, 4 * i + 3, 4 * i + 4, 4 * i + 5))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("INSERT INTO import_rejects (run_id, line, field, reason, raw) VALUES {values}");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run_id);
            for r in chunk {
                q = q.bind(r.line).bind(&r.field).bind(&r.reason).bind(&r.raw);
            }
            q.execute(self.conn()).await?;
        }
        Ok(())
    }
}

impl Store {
    pub async fn import_rejects(&self, run_id: i64, limit: i64) -> Result<Vec<ImportReject>> {
        let rows: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
            "SELECT line, field, reason, raw FROM import_rejects WHERE run_id = $1 ORDER BY line LIMIT $2",
        )
        .bind(run_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(line, field, reason, raw)| ImportReject { line, field, reason, raw }).collect())
    }

    pub async fn import_run(&self, id: i64) -> Result<ImportRun> {
        self.import_runs_where(Some(id), 1).await?.pop().ok_or(crate::StoreError::NotFound)
    }
}
