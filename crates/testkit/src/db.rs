//! A fresh, migrated database for one test, on either backend.
//!
//! PostgreSQL tests use `MAILLAGE_TEST_DATABASE_URL`, by default the local
//! server `postgres://postgres@127.0.0.1:5432/test`. Each test gets its own
//! schema, dropped afterwards. When the server is unreachable the tests
//! return early with a note on stderr, except under `CI=true`, where they fail:
//! CI must never pass without having run them.

use std::sync::OnceLock;

use store::Store;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database that lives as long as the value.
pub struct TestDb {
    pub store: Store,
    /// The URL to open it again (another server, the CLI).
    pub url: String,
    guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl TestDb {
    /// Runs SQL behind the application's back, as someone with database
    /// access would (to prove that tampering is detected).
    pub async fn execute_raw(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.expect("raw SQL");
        pool.close().await;
    }

    /// Like [`TestDb::execute_raw`], for SQL the database should refuse:
    /// the database's message when it does.
    pub async fn try_execute_raw(&self, sql: &str) -> Result<(), String> {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.url).await.expect("connect");
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await;
        pool.close().await;
        result.map(|_| ()).map_err(|e| e.to_string())
    }

    /// The temporary directory of a SQLite database.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match &self.guard {
            Guard::Sqlite(dir) => Some(dir.path()),
            Guard::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, schema } = &self.guard {
            let (url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs inside the test's runtime; a thread with its own
            // runtime can block on the cleanup without stalling it.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    use sqlx::Connection;
                    let mut conn = sqlx::PgConnection::connect(&url).await.ok()?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

pub fn random_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("OS randomness");
    hex::encode(b)
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("maillage.db").display());
    let store = Store::open(&url, 8).await.expect("open SQLite");
    TestDb { store, url, guard: Guard::Sqlite(dir) }
}

/// The PostgreSQL server for tests, if reachable. Panics under `CI=true` when not.
pub async fn postgres_url() -> Option<String> {
    static REACHABLE: OnceLock<bool> = OnceLock::new();
    let url = std::env::var("MAILLAGE_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let reachable = match REACHABLE.get() {
        Some(r) => *r,
        None => {
            use sqlx::Connection;
            let ok = sqlx::PgConnection::connect(&url).await.is_ok();
            *REACHABLE.get_or_init(|| ok)
        }
    };
    if reachable {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but PostgreSQL is unreachable at {url}: PostgreSQL tests must run in CI");
    }
    eprintln!("PostgreSQL test skipped: no server at {url}. Start one (or set MAILLAGE_TEST_DATABASE_URL) to run it.");
    None
}

pub async fn postgres() -> Option<TestDb> {
    let admin_url = postgres_url().await?;
    let schema = format!("t_{}", random_suffix());
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .expect("create test schema");
    }
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}%2Cpublic");
    let store = Store::open(&url, 8).await.expect("open PostgreSQL");
    Some(TestDb { store, url, guard: Guard::Postgres { admin_url, schema } })
}

/// A file of the shared public data (`MAILLAGE_SHARED_DATA`, which
/// `scripts/test` sets, else `../shared/data` beside the repository).
pub fn shared_data(relative: &str) -> std::path::PathBuf {
    let dir = std::env::var_os("MAILLAGE_SHARED_DATA").map_or_else(
        || std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
        std::path::PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "the tests need the public data of ../shared/data; set MAILLAGE_SHARED_DATA ({} not found)",
        dir.display()
    );
    dir.join(relative)
}
