//! The few ways persistence can fail that callers act upon.

/// Callers match on the first three; `Other` is a fault to log and report as
/// a server error. No sqlx type escapes: the message is all that is kept.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or exclusion rule refused the write; the text names it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database is contended (lock wait exceeded, serialisation failure):
    /// the caller may retry.
    #[error("database busy, retry")]
    Busy,
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Other(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => StoreError::Busy,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // PostgreSQL unique and exclusion violations; SQLite's
                    // extended codes for UNIQUE and PRIMARY KEY constraints.
                    "23505" | "23P01" | "2067" | "1555" => StoreError::Conflict(db.message().to_owned()),
                    // A closed accounting period refused the write: our
                    // SQLSTATE on PostgreSQL, SQLITE_CONSTRAINT_TRIGGER.
                    "MA001" | "1811" => StoreError::Conflict(db.message().to_owned()),
                    // PostgreSQL serialisation failure, deadlock, lock timeout;
                    // SQLite BUSY and LOCKED (and their extended codes).
                    "40001" | "40P01" | "55P03" | "5" | "6" | "261" | "517" => StoreError::Busy,
                    _ => StoreError::Other(e.to_string()),
                }
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}
