//! A logical backup: every table as JSON lines, readable by either backend.
//!
//! A backup taken on SQLite restores onto PostgreSQL and the reverse, which
//! is also how an instance moves from the embedded database to a server.
//! The dump is taken in one snapshot; the restore is one transaction into an
//! empty, migrated database, so it either completes or leaves nothing.
//!
//! Format: a header line `{"maillage_backup":1,"migrations":[…],…}`, then for
//! each table a line `{"table":NAME,"columns":[…]}` followed by one JSON array
//! per row, then `{"end":ROWS}`. Blobs are base64 strings.

use std::io::{BufRead, Write};

use base64::Engine;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Any, Column, Executor, Row, SqlSafeStr, Statement, ValueRef};

use crate::{Backend, Result, Store, StoreError};

const FORMAT_VERSION: i64 = 1;

/// Every table, parents before children (foreign keys). A test fails when a
/// migration adds a table that is missing here.
pub const TABLES: &[&str] = &[
    "settings",
    "users",
    "role_grants",
    "sessions",
    "api_tokens",
    "one_time_tokens",
    "mail_outbox",
    "jobs",
    "throttle_counters",
    "audit_log",
    "audit_head",
    "audit_pending",
    "atlas_records",
    "atlas_sources",
    "atlas_edits",
    "atlas_links",
    "atlas_key_figures",
    "import_runs",
    "import_rejects",
    "import_uploads",
    "dedup_candidates",
    "atlas_merges",
    "change_outbox",
    "resources",
    "resource_closures",
    "bookings",
    "events",
    "ticket_categories",
    "registrations",
    "event_sessions",
    "attendance",
    "event_questions",
    "registration_answers",
    "session_reminders",
    "invoice_counters",
    "invoices",
    "tariffs",
    "plans",
    "subscriptions",
    "credit_balances",
    "credit_ledger",
    "booking_charges",
    "place_memberships",
    "trainings_held",
    // After the invoices, whose triggers it arms.
    "accounting_periods",
];

/// Tables a fresh migration seeds; a restore replaces their rows.
const SEEDED: &[&str] = &["audit_head"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub tables: usize,
    pub rows: u64,
}

fn bad(msg: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("backup file: {msg}"))
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Other(format!("backup file: {e}"))
}

impl Store {
    /// The tables the database holds besides sqlx's bookkeeping.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> '_sqlx_migrations' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 AND table_name <> '_sqlx_migrations' ORDER BY table_name"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Writes the whole database to `out`.
    pub async fn backup(&self, out: &mut impl Write) -> Result<BackupSummary> {
        let mut conn = self.pool().acquire().await?;
        let mut tx = sqlx::Connection::begin(conn.conn()).await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
        }
        let migrations: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(&mut *tx).await?;
        let header = json!({
            "maillage_backup": FORMAT_VERSION,
            "source_backend": self.backend().name(),
            "migrations": migrations.iter().map(|m| m.0).collect::<Vec<_>>(),
            "created_at": chrono::Utc::now().to_rfc3339(),
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut rows_total = 0u64;
        for table in TABLES {
            let columns = table_columns(&mut tx, table).await?;
            writeln!(out, "{}", json!({"table": table, "columns": columns.iter().map(|c| &c.0).collect::<Vec<_>>()}))
                .map_err(io)?;
            let names = columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", ");
            let order = if columns.iter().any(|c| c.0 == "id") { "id" } else { "1" };
            let sql = format!("SELECT {names} FROM {table} ORDER BY {order}");
            let mut rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                let values = (0..columns.len()).map(|i| value_to_json(&row, i)).collect::<Result<Vec<_>>>()?;
                writeln!(out, "{}", Value::Array(values)).map_err(io)?;
                rows_total += 1;
            }
        }
        writeln!(out, "{}", json!({"end": rows_total})).map_err(io)?;
        out.flush().map_err(io)?;
        tx.rollback().await?;
        Ok(BackupSummary { tables: TABLES.len(), rows: rows_total })
    }

    /// Loads a backup into this database, which must be migrated to the same
    /// version and hold no data. All or nothing.
    pub async fn restore(&self, input: impl BufRead) -> Result<BackupSummary> {
        let mut lines = input.lines();
        let mut next_line = || -> Result<Option<Value>> {
            match lines.next() {
                None => Ok(None),
                Some(line) => serde_json::from_str(&line.map_err(io)?).map(Some).map_err(bad),
            }
        };
        let header = next_line()?.ok_or_else(|| bad("empty"))?;
        if header.get("maillage_backup").and_then(Value::as_i64) != Some(FORMAT_VERSION) {
            return Err(bad("not a Maillage backup (or an unknown format version)"));
        }
        let theirs: Vec<i64> = header["migrations"]
            .as_array()
            .ok_or_else(|| bad("header lacks migrations"))?
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        let ours = self.applied_migrations().await?;
        if theirs != ours {
            return Err(StoreError::Invalid(format!(
                "the backup was taken at schema versions {theirs:?}, this database is at {ours:?}: \
                 restore with the Maillage version that took it"
            )));
        }
        for table in TABLES.iter().filter(|t| !SEEDED.contains(t)) {
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(self.pool())
                .await?;
            if n > 0 {
                return Err(StoreError::Invalid(format!(
                    "the target database is not empty (table {table} has {n} rows): restore into a new data directory or database"
                )));
            }
        }

        let mut conn = self.pool().acquire().await?;
        let mut tx = match self.backend() {
            Backend::Sqlite => sqlx::Connection::begin_with(conn.conn(), "BEGIN IMMEDIATE").await?,
            Backend::Postgres => sqlx::Connection::begin(conn.conn()).await?,
        };
        let mut current: Option<TableLoad> = None;
        let mut rows_total = 0u64;
        let mut tables = 0usize;
        loop {
            let line = next_line()?.ok_or_else(|| bad("truncated: the end marker is missing"))?;
            match line {
                Value::Array(values) => {
                    let TableLoad { columns: cols, insert_sql: sql } =
                        current.as_ref().ok_or_else(|| bad("a row before any table"))?;
                    if values.len() != cols.len() {
                        return Err(bad(format!("a row has {} values for {} columns", values.len(), cols.len())));
                    }
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                    for (v, (name, kind)) in values.into_iter().zip(cols) {
                        q = bind_json(q, v, *kind).map_err(|m| bad(format!("column {name}: {m}")))?;
                    }
                    q.execute(&mut *tx).await?;
                    rows_total += 1;
                }
                Value::Object(obj) if obj.contains_key("table") => {
                    let table = obj["table"].as_str().ok_or_else(|| bad("table name"))?.to_owned();
                    if !TABLES.contains(&table.as_str()) {
                        return Err(bad(format!("unknown table {table}")));
                    }
                    let cols: Vec<String> = obj["columns"]
                        .as_array()
                        .ok_or_else(|| bad("columns"))?
                        .iter()
                        .map(|c| c.as_str().map(str::to_owned).ok_or_else(|| bad("column name")))
                        .collect::<Result<_>>()?;
                    let ours = table_columns(&mut tx, &table).await?;
                    let typed = cols
                        .iter()
                        .map(|c| {
                            ours.iter()
                                .find(|(n, _)| n == c)
                                .cloned()
                                .ok_or_else(|| bad(format!("column {table}.{c} does not exist here")))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    if SEEDED.contains(&table.as_str()) {
                        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
                    }
                    let placeholders = crate::sql::placeholders(1, cols.len());
                    let sql = format!("INSERT INTO {table} ({}) VALUES ({placeholders})", cols.join(", "));
                    current = Some(TableLoad { columns: typed, insert_sql: sql });
                    tables += 1;
                }
                Value::Object(obj) if obj.contains_key("end") => {
                    if obj["end"].as_u64() != Some(rows_total) {
                        return Err(bad("the row count at the end does not match: the file is damaged"));
                    }
                    break;
                }
                _ => return Err(bad("unexpected line")),
            }
        }
        if self.backend() == Backend::Postgres {
            // Identity columns continue after the restored ids.
            for table in TABLES {
                let has_id = table_columns(&mut tx, table).await?.iter().any(|c| c.0 == "id");
                if has_id {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(BackupSummary { tables, rows: rows_total })
    }
}

/// The table being restored: its columns as this backend types them, and
/// the insert statement for one row.
struct TableLoad {
    columns: Vec<(String, AnyTypeInfoKind)>,
    insert_sql: String,
}

/// Column names and their types as this backend declares them.
async fn table_columns(conn: &mut sqlx::AnyConnection, table: &str) -> Result<Vec<(String, AnyTypeInfoKind)>> {
    let stmt = conn.prepare(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")).into_sql_str()).await?;
    Ok(stmt.columns().iter().map(|c| (c.name().to_owned(), c.type_info().kind())).collect())
}

fn value_to_json(row: &AnyRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        AnyTypeInfoKind::Bool => Value::Bool(row.try_get(i)?),
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            Value::from(row.try_get::<i64, _>(i)?)
        }
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::from(row.try_get::<f64, _>(i)?),
        AnyTypeInfoKind::Blob => {
            json!({"base64": base64::engine::general_purpose::STANDARD.encode(row.try_get::<Vec<u8>, _>(i)?)})
        }
        AnyTypeInfoKind::Text | AnyTypeInfoKind::Null => Value::String(row.try_get(i)?),
    })
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn bind_json(q: AnyQuery<'_>, v: Value, kind: AnyTypeInfoKind) -> std::result::Result<AnyQuery<'_>, String> {
    use AnyTypeInfoKind as K;
    Ok(match (kind, v) {
        (K::Bool, Value::Null) => q.bind(None::<bool>),
        (K::SmallInt | K::Integer | K::BigInt, Value::Null) => q.bind(None::<i64>),
        (K::Real | K::Double, Value::Null) => q.bind(None::<f64>),
        (K::Blob, Value::Null) => q.bind(None::<Vec<u8>>),
        (_, Value::Null) => q.bind(None::<String>),
        (_, Value::Bool(b)) => q.bind(b),
        (K::Real | K::Double, Value::Number(n)) => q.bind(n.as_f64().ok_or("not a number")?),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => q.bind(i),
            None => q.bind(n.as_f64().ok_or("not a number")?),
        },
        (_, Value::String(s)) => q.bind(s),
        (_, Value::Object(o)) => {
            let b64 = o.get("base64").and_then(Value::as_str).ok_or("unexpected object")?;
            q.bind(base64::engine::general_purpose::STANDARD.decode(b64).map_err(|e| e.to_string())?)
        }
        (_, Value::Array(_)) => return Err("unexpected array".into()),
    })
}
