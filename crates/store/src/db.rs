//! Connecting to either backend, migrating, and the audited write transaction.

use std::str::FromStr;
use std::time::Duration;

use domain::audit::AuditEvent;
use sqlx::any::AnyConnectOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Executor};

use crate::pool::{Conn, Pool};
use crate::{Result, StoreError, now_micros};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Invalid("the database URL must start with sqlite: or postgres://".into()))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    pub fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// SQLite: the one connection writers take turns on, apart from the pool.
/// In the pool a writer holding the gate queued for a connection behind
/// every waiting reader, and the whole write line waited with it.
pub(crate) struct WriterConn {
    conn: AnyConnection,
    /// A transaction is open: a `WriteTx` dropped before its end left it,
    /// and the next writer rolls it back before it begins.
    open: bool,
}

impl std::fmt::Debug for WriterConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterConn").field("open", &self.open).finish_non_exhaustive()
    }
}

impl WriterConn {
    async fn connect(options: &AnyConnectOptions) -> Result<Self> {
        Ok(Self { conn: crate::pool::open(options, Backend::Sqlite).await?, open: false })
    }

    async fn begin(&mut self) -> Result<()> {
        if self.open {
            self.end("ROLLBACK").await?;
        }
        self.conn.execute("BEGIN IMMEDIATE").await?;
        self.open = true;
        Ok(())
    }

    async fn end(&mut self, statement: &'static str) -> Result<()> {
        self.conn.execute(statement).await?;
        self.open = false;
        Ok(())
    }
}

/// A handle on the database; cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    url: std::sync::Arc<str>,
    /// Woken after each commit that changed atlas records (and, on
    /// PostgreSQL, by other servers' commits through LISTEN/NOTIFY).
    changes: std::sync::Arc<tokio::sync::Notify>,
    /// SQLite: this process's writers queue here, in arrival order, before
    /// `BEGIN IMMEDIATE`. Left to SQLite's busy handler they would poll with
    /// growing sleeps (up to 100 ms) and in no particular order: under
    /// contention most of a writer's latency was spent asleep. Writers of
    /// other processes (a CLI import beside the server) still meet the busy
    /// timeout.
    write_gate: Option<std::sync::Arc<tokio::sync::Mutex<WriterConn>>>,
}

impl Store {
    /// Opens `url` (`sqlite://path?mode=rwc` or `postgres://…`) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options =
            AnyConnectOptions::from_str(url).map_err(|e| StoreError::Invalid(format!("database URL: {e}")))?;
        let write_gate = match backend {
            Backend::Sqlite => Some(std::sync::Arc::new(tokio::sync::Mutex::new(WriterConn::connect(&options).await?))),
            Backend::Postgres => None,
        };
        let pool = Pool::new(options, backend, max_connections);
        pool.acquire().await?;
        Ok(Self { pool, backend, url: url.into(), changes: Default::default(), write_gate })
    }

    /// Opens and applies pending migrations: what `serve` and the CLI use.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        let store = Self::connect(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let migrator = self.backend.migrator();
        let before = self.applied_migrations().await.unwrap_or_default();
        migrator.run(self.pool.acquire().await?.conn()).await?;
        let after = self.applied_migrations().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Versions already applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        self.pool.usage()
    }

    /// Signalled when atlas records change; see [`Store::listen_for_other_servers`].
    pub fn changes(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.changes.clone()
    }

    /// On PostgreSQL, relays other servers' change notifications to
    /// [`Store::changes`] until the task is dropped; reconnects after errors.
    /// On SQLite every writer is in this process, so there is nothing to do.
    pub fn listen_for_other_servers(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.backend != Backend::Postgres {
            return None;
        }
        let (url, changes) = (self.url.to_string(), self.changes.clone());
        Some(tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if listener.listen(crate::outbox::CHANGES_CHANNEL).await.is_ok() {
                            while listener.recv().await.is_ok() {
                                changes.notify_waiters();
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for changes; polling meanwhile"),
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }))
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(gate) = &self.write_gate {
            let mut writer = gate.lock().await;
            if writer.open {
                let _ = writer.end("ROLLBACK").await;
            }
        }
        self.pool.close().await;
    }

    /// Starts a transaction for a change that the audit log must record.
    ///
    /// On SQLite it begins with `BEGIN IMMEDIATE`, so the transaction is the
    /// single writer from its first read: check-then-write inside it is safe.
    /// On PostgreSQL it is a plain READ COMMITTED transaction; invariants
    /// that concurrency can break rely on constraints and row locks.
    pub async fn write(&self) -> Result<WriteTx> {
        let tx = match &self.write_gate {
            Some(gate) => {
                let mut writer = gate.clone().lock_owned().await;
                writer.begin().await?;
                Line::Writer(writer)
            }
            None => {
                let mut conn = self.pool.acquire().await?;
                if let Err(e) = conn.conn().execute("BEGIN").await {
                    conn.discard();
                    return Err(e.into());
                }
                Line::Pooled(conn)
            }
        };
        Ok(WriteTx {
            tx: Some(tx),
            audited: false,
            backend: self.backend,
            touched: Vec::new(),
            changes: self.changes.clone(),
        })
    }
}

/// A write transaction. It refuses to commit unless the change was recorded
/// in the audit log with [`WriteTx::audit`], so no write goes unaudited.
pub struct WriteTx {
    /// `None` once committed or rolled back.
    tx: Option<Line>,
    audited: bool,
    backend: Backend,
    /// Atlas records changed in this transaction, for the change outbox.
    touched: Vec<i64>,
    changes: std::sync::Arc<tokio::sync::Notify>,
}

/// Where a write transaction runs.
enum Line {
    /// PostgreSQL: a transaction on a connection of the pool.
    Pooled(Conn),
    /// SQLite: the writers' connection, held (with the gate) until the end.
    Writer(tokio::sync::OwnedMutexGuard<WriterConn>),
}

impl Drop for WriteTx {
    /// A transaction dropped before its end (an error, a cancelled request)
    /// rolls back now rather than when its connection is next used, so a
    /// CLI import beside the server is not kept waiting on SQLite's lock
    /// and no pooled connection goes back inside a transaction. Until the
    /// rollback is done the connection (and on SQLite the gate) stays with it.
    fn drop(&mut self) {
        let Some(line) = self.tx.take() else { return };
        let runtime = tokio::runtime::Handle::try_current();
        match (line, runtime) {
            (Line::Writer(mut writer), Ok(runtime)) if writer.open => {
                runtime.spawn(async move {
                    let _ = writer.end("ROLLBACK").await;
                });
            }
            (Line::Pooled(mut conn), Ok(runtime)) => {
                runtime.spawn(async move {
                    if conn.conn().execute("ROLLBACK").await.is_err() {
                        conn.discard();
                    }
                });
            }
            (Line::Pooled(mut conn), Err(_)) => conn.discard(),
            // The next writer rolls it back before it begins.
            (Line::Writer(_), _) => {}
        }
    }
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        match self.tx.as_mut().expect("a write transaction is used only until it ends") {
            Line::Pooled(conn) => conn.conn(),
            Line::Writer(writer) => &mut writer.conn,
        }
    }

    /// The sealer's own transactions move entries into the log; they are the audit.
    pub(crate) fn mark_audited(&mut self) {
        self.audited = true;
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Records `event` for the audit log. It joins the chain when the sealer
    /// runs ([`Store::seal_audit`]): appending here takes no lock that other
    /// writes share, so writes of different places do not queue behind one
    /// another, and the entry commits or rolls back with the change.
    pub async fn audit(&mut self, event: AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_pending (at, actor, action, entity_type, entity_id, summary) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now_micros())
        .bind(event.actor.to_code())
        .bind(event.action)
        .bind(event.entity_type)
        .bind(&event.entity_id)
        .bind(&event.summary)
        .execute(self.conn())
        .await?;
        self.audited = true;
        Ok(())
    }

    /// Notes that an atlas record changed, so search indexes pick it up.
    pub fn touch(&mut self, record_id: i64) {
        self.touched.push(record_id);
    }

    pub async fn commit(mut self) -> Result<()> {
        if !self.audited {
            return Err(StoreError::Other("a write transaction must record an audit entry before it commits".into()));
        }
        let touched = !self.touched.is_empty();
        self.write_outbox().await?;
        match self.tx.take() {
            Some(Line::Pooled(mut conn)) => {
                if let Err(e) = conn.conn().execute("COMMIT").await {
                    if conn.conn().execute("ROLLBACK").await.is_err() {
                        conn.discard();
                    }
                    return Err(e.into());
                }
            }
            Some(Line::Writer(mut writer)) => {
                if let Err(e) = writer.end("COMMIT").await {
                    let _ = writer.end("ROLLBACK").await;
                    return Err(e);
                }
            }
            None => {}
        }
        if touched {
            self.changes.notify_waiters();
        }
        Ok(())
    }

    /// Writes the change outbox last, after the audit entry: the audit
    /// head's row lock (PostgreSQL) or the single writer (SQLite) is held by
    /// then, so outbox ids are assigned in commit order and a tailer reading
    /// "ids above the last one I saw" misses nothing.
    async fn write_outbox(&mut self) -> Result<()> {
        if self.touched.is_empty() {
            return Ok(());
        }
        self.touched.sort_unstable();
        self.touched.dedup();
        let now = now_micros();
        let touched = std::mem::take(&mut self.touched);
        for chunk in touched.chunks(400) {
            let values =
                (0..chunk.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect::<Vec<_>>().join(", ");
            let sql = format!("INSERT INTO change_outbox (record_id, at) VALUES {values}");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id).bind(now);
            }
            q.execute(self.conn()).await?;
        }
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify('maillage_changes', '')").execute(self.conn()).await?;
        }
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<()> {
        match self.tx.take() {
            Some(Line::Pooled(mut conn)) => {
                if let Err(e) = conn.conn().execute("ROLLBACK").await {
                    conn.discard();
                    return Err(e.into());
                }
            }
            Some(Line::Writer(mut writer)) => writer.end("ROLLBACK").await?,
            None => {}
        }
        Ok(())
    }
}
