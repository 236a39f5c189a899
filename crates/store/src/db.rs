//! Connecting to either backend, migrating, and the audited write transaction.

use std::str::FromStr;
use std::time::Duration;

use domain::audit::AuditEvent;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};

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

fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    let pool = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
    if backend == Backend::Postgres {
        return pool;
    }
    // WAL lets readers proceed while one writer commits; the busy timeout
    // makes a writer of another process wait for BEGIN IMMEDIATE instead of
    // failing at once. A file does not drop connections, so the ping before
    // each acquire (a round trip to the connection's thread, on every query)
    // buys nothing.
    pool.test_before_acquire(false).after_connect(|conn, _| {
        Box::pin(async move {
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                 PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -32000;",
            )
            .await?;
            Ok(())
        })
    })
}

/// A handle on the database; cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// SQLite: the writers' connection (see [`Store::write`]).
    writer: Option<AnyPool>,
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
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens `url` (`sqlite://path?mode=rwc` or `postgres://…`) without migrating.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options =
            AnyConnectOptions::from_str(url).map_err(|e| StoreError::Invalid(format!("database URL: {e}")))?;
        let pool = pool_options(backend, max_connections).connect_with(options.clone()).await?;
        // One connection of its own for the writers: in the shared pool a
        // writer holding the gate queued for a connection behind every
        // waiting reader, and the whole write line waited with it.
        let writer = match backend {
            Backend::Sqlite => Some(pool_options(backend, 1).connect_with(options).await?),
            Backend::Postgres => None,
        };
        Ok(Self { pool, writer, backend, url: url.into(), changes: Default::default(), write_gate: Default::default() })
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
        migrator.run(&self.pool).await?;
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

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Connections open and idle, for `/metrics`.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
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
        if let Some(writer) = &self.writer {
            writer.close().await;
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
        let (tx, gate) = match self.backend {
            Backend::Sqlite => {
                let gate = self.write_gate.clone().lock_owned().await;
                let pool = self.writer.as_ref().unwrap_or(&self.pool);
                (pool.begin_with("BEGIN IMMEDIATE").await?, Some(gate))
            }
            Backend::Postgres => (self.pool.begin().await?, None),
        };
        Ok(WriteTx {
            tx,
            audited: false,
            backend: self.backend,
            touched: Vec::new(),
            changes: self.changes.clone(),
            _gate: gate,
        })
    }
}

/// A write transaction. It refuses to commit unless the change was recorded
/// in the audit log with [`WriteTx::audit`], so no write goes unaudited.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    audited: bool,
    backend: Backend,
    /// Atlas records changed in this transaction, for the change outbox.
    touched: Vec<i64>,
    changes: std::sync::Arc<tokio::sync::Notify>,
    /// Held until the transaction ends (see `Store::write_gate`); declared
    /// after `tx` so that a dropped transaction rolls back before the next
    /// writer goes in.
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
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
        self.tx.commit().await?;
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

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}
