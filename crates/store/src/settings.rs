//! Instance-wide settings kept in the database, so every server shares them.

use crate::{Result, Store};

impl Store {
    /// Returns the value of `key`, storing `make()` first if it is unset.
    /// Racing servers agree: the first insert wins and everyone reads it.
    pub async fn setting_or_init(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        if let Some(v) = self.setting(key).await? {
            return Ok(v);
        }
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(make())
            .execute(self.pool())
            .await?;
        self.setting(key).await?.ok_or(crate::StoreError::NotFound)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(self.pool()).await?;
        Ok(row.map(|r| r.0))
    }
}
