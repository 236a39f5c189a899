//! The connections requests share: a small pool of our own.
//!
//! sqlx's pool hands a connection back through a spawned task that first
//! pings it: a round trip to PostgreSQL, or to the thread of a SQLite
//! connection, after every query run on the pool. A booking request made
//! three such queries, so a third of its round trips were pings, and on
//! PostgreSQL they cost the server as much as small queries. Here a
//! connection goes back to the idle list as its guard drops, unless a
//! query on it failed in a way that can leave it unusable (I/O, protocol,
//! a crashed SQLite worker), in which case it is closed.
//!
//! A query whose future is dropped half-way does not poison a connection:
//! PostgreSQL connections drain what is left of an earlier exchange before
//! the next query, and a SQLite connection's thread finishes one command
//! before it takes the next. A transaction left open is another matter:
//! `WriteTx` rolls back its own before the connection comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::Either;
use sqlx::any::{AnyConnectOptions, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, AnyConnection, ConnectOptions, Connection, Execute, Executor};
use sqlx_core::ext::async_stream::TryAsyncStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::Backend;

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection idle this long is pinged before use: one that a restarted
/// database server dropped fails there, not in a request's query. Busy
/// connections are not pinged at all.
const TEST_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

/// Up to `max` connections to one database, opened as needed.
#[derive(Clone, Debug)]
pub struct Pool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: AnyConnectOptions,
    backend: Backend,
    /// With the time each went idle.
    idle: std::sync::Mutex<Vec<(AnyConnection, Instant)>>,
    permits: Arc<Semaphore>,
    open: AtomicU32,
}

/// A connection taken from the pool; it goes back when dropped.
pub struct Conn {
    conn: Option<AnyConnection>,
    pool: Arc<Inner>,
    /// A query failed in a way that may have broken the connection.
    broken: bool,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub(crate) fn new(options: AnyConnectOptions, backend: Backend, max: u32) -> Self {
        let inner = Inner {
            options,
            backend,
            idle: std::sync::Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max.max(1) as usize)),
            open: AtomicU32::new(0),
        };
        Self { inner: Arc::new(inner) }
    }

    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.inner.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.inner.idle.lock().ok().and_then(|mut idle| idle.pop());
        let fresh = match idle {
            Some((conn, since)) if since.elapsed() < TEST_WHEN_IDLE_FOR => Some(conn),
            Some((mut conn, _)) => match conn.ping().await {
                Ok(()) => Some(conn),
                Err(_) => {
                    self.inner.open.fetch_sub(1, Ordering::Relaxed);
                    None
                }
            },
            None => None,
        };
        let conn = match fresh {
            Some(conn) => conn,
            None => {
                let conn = open(&self.inner.options, self.inner.backend).await?;
                self.inner.open.fetch_add(1, Ordering::Relaxed);
                conn
            }
        };
        Ok(Conn { conn: Some(conn), pool: self.inner.clone(), broken: false, _permit: permit })
    }

    /// Connections open, and idle among them.
    pub fn usage(&self) -> (u32, usize) {
        let idle = self.inner.idle.lock().map_or(0, |idle| idle.len());
        (self.inner.open.load(Ordering::Relaxed), idle)
    }

    /// Closes the idle connections and refuses new acquisitions.
    pub async fn close(&self) {
        self.inner.permits.close();
        let idle = self.inner.idle.lock().map(|mut idle| std::mem::take(&mut *idle)).unwrap_or_default();
        for (conn, _) in idle {
            self.inner.open.fetch_sub(1, Ordering::Relaxed);
            let _ = conn.close().await;
        }
    }
}

/// Opens a connection; SQLite ones get the settings every connection needs.
pub(crate) async fn open(options: &AnyConnectOptions, backend: Backend) -> Result<AnyConnection, sqlx::Error> {
    let mut conn = options.connect().await?;
    if backend == Backend::Sqlite {
        // WAL lets readers proceed while one writer commits; the busy
        // timeout makes a writer of another process wait for BEGIN
        // IMMEDIATE instead of failing at once.
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -32000;",
        )
        .await?;
    }
    Ok(conn)
}

impl Conn {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        self.conn.as_mut().expect("a pooled connection is present until it drops")
    }

    /// Closes the connection instead of handing it back (it may be left
    /// inside a transaction).
    pub(crate) fn discard(&mut self) {
        self.broken = true;
    }

    /// Notes a failure; one that may have broken the connection closes it.
    fn note<T>(&mut self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        if let Err(e) = &result
            && breaks_connection(e)
        {
            self.broken = true;
        }
        result
    }
}

/// Errors after which a connection is not worth keeping: I/O and protocol
/// failures, a crashed SQLite worker, and PostgreSQL's connection exceptions
/// (class 08) and shutdowns (57P: an administrator or a restart ended the
/// session, and the server closed it).
fn breaks_connection(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.broken {
            self.pool.open.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock() {
            idle.push((conn, Instant::now()));
        }
    }
}

impl<'p> Executor<'p> for &'_ Pool {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let pool = self.clone();
        // The connection lives in the stream, so rows stream as they come
        // (exports read millions) and it goes back once the stream ends.
        Box::pin(TryAsyncStream::new(move |yielder| async move {
            let mut conn = pool.acquire().await?;
            let mut rows = conn.conn().fetch_many(query);
            while let Some(next) = rows.next().await {
                match next {
                    Ok(v) => yielder.r#yield(v).await,
                    Err(e) => {
                        drop(rows);
                        return conn.note(Err(e));
                    }
                }
            }
            Ok(())
        }))
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut conn = pool.acquire().await?;
            let result = conn.conn().fetch_optional(query).await;
            conn.note(result)
        })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut conn = pool.acquire().await?;
            let result = conn.conn().prepare_with(sql, parameters).await;
            conn.note(result)
        })
    }

    fn describe<'e>(self, sql: sqlx::SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Any>, sqlx::Error>> {
        let pool = self.clone();
        Box::pin(async move {
            let mut conn = pool.acquire().await?;
            let result = conn.conn().describe(sql).await;
            conn.note(result)
        })
    }
}
