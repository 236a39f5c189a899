//! Where the data lives, and opening it.

use std::path::Path;

use anyhow::Context;
use store::Store;

use crate::cli::DataArgs;

/// The database URL: `--database-url`, else a SQLite file in the data directory.
pub fn url(args: &DataArgs) -> anyhow::Result<String> {
    if let Some(url) = &args.database_url {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("cannot create the data directory {}", args.data_dir.display()))?;
    Ok(sqlite_url(&args.data_dir))
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("maillage.db").display())
}

/// Opens and migrates the database.
pub async fn open(args: &DataArgs, max_connections: u32) -> anyhow::Result<Store> {
    let url = url(args)?;
    Store::open(&url, max_connections).await.with_context(|| format!("cannot open the {} database", backend_name(&url)))
}

fn backend_name(url: &str) -> &'static str {
    if url.starts_with("sqlite:") { "embedded (SQLite)" } else { "PostgreSQL" }
}
