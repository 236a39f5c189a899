//! `maillage accounting export`: a place's sales journal (FEC layout) for
//! the accountant, from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use app::accounting::{Range, fec};
use app::{App, AppConfig};
use clap::Subcommand;
use domain::policy::Actor;

use crate::cli::DataArgs;
use crate::database;

#[derive(Subcommand)]
pub enum AccountingAction {
    /// Write the FEC of a place over a range of days.
    Export {
        /// The place's id (as in /atlas/ID).
        #[arg(long)]
        place: i64,
        /// First day, YYYY-MM-DD (default: 1 January of this year).
        #[arg(long)]
        from: Option<String>,
        /// Last day, included, YYYY-MM-DD (default: today).
        #[arg(long)]
        to: Option<String>,
        /// The file to write (replaced only once complete); standard output when not given.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub async fn run(data: &DataArgs, action: AccountingAction) -> anyhow::Result<ExitCode> {
    let AccountingAction::Export { place, from, to, output } = action;
    let range = Range::parse(from.as_deref(), to.as_deref()).map_err(|e| match e {
        app::AppError::Invalid(fields) => {
            let parts: Vec<String> = fields.0.iter().map(|(f, e)| format!("--{f}: {e}")).collect();
            anyhow!("{}", parts.join("; "))
        }
        other => anyhow!("{other}"),
    })?;
    let store = database::open(data, 2).await?;
    let app = App::new(store, AppConfig::new("http://127.0.0.1:8080")).await?;
    let text = fec(&app, &Actor::System, place, range).await.map_err(|e| match e {
        app::AppError::NotFound => anyhow!("no place with id {place}"),
        other => anyhow!("{other}"),
    })?;
    let entries =
        text.lines().skip(1).filter_map(|l| l.split('|').nth(2)).collect::<std::collections::BTreeSet<_>>().len();
    match output {
        None => print!("{text}"),
        Some(path) => {
            let partial = path.with_extension("partial");
            std::fs::write(&partial, &text).with_context(|| format!("cannot write {}", partial.display()))?;
            std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    eprintln!("Exported {entries} entries of place {place} from {} to {}.", range.from, range.to);
    Ok(ExitCode::SUCCESS)
}
