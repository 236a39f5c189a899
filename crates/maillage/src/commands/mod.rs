//! One module per subcommand.

pub(crate) mod accounting;
mod admin;
mod backup;
pub(crate) mod bench;
mod demo;
mod demo_accounting;
mod demo_atlas;
mod demo_bookings;
mod demo_events;
mod export;
mod import;
mod serve;

use std::process::ExitCode;

use crate::cli::Command;
use crate::database;

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { data, server } => serve::run(&data, &server).await,
        Command::Migrate { data } => {
            let store = database::open(&data, 2).await?;
            let versions = store.applied_migrations().await?;
            println!("Database ({}) is at schema version {}.", store.backend().name(), versions.last().unwrap_or(&0));
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { data, action } => admin::run(&data, action).await,
        Command::Backup { data, output } => backup::backup(&data, &output).await,
        Command::Restore { data, input } => backup::restore(&data, &input).await,
        Command::Verify { data } => verify(&data).await,
        Command::Freshness { data, public_url, stale_after_days } => {
            freshness(&data, &public_url, stale_after_days).await
        }
        Command::Demo { data, serve, server } => demo::run(&data, serve, &server).await,
        Command::Bench { what } => bench::run(what).await,
        Command::Accounting { data, action } => accounting::run(&data, action).await,
        Command::Export { data, format, output, public_url } => {
            export::run(&data, &format, output.as_deref(), &public_url).await
        }
        Command::Import { data, source, mapping, format, rejects, within, input } => {
            import::run(&data, import::ImportArgs { source, mapping, input, format, rejects, within }).await
        }
    }
}

async fn freshness(data: &crate::cli::DataArgs, public_url: &str, stale_after_days: i64) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let mut config = app::AppConfig::new(public_url);
    config.stale_after_days = stale_after_days.max(1);
    let app = app::App::new(store, config).await?;
    let stale = app.store.count_stale(store::now_micros() - stale_after_days.max(1) * 86_400_000_000).await?;
    let asked = app::atlas::records::ask_managers_to_confirm(&app).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{stale} stale records; {asked} confirmation requests queued for their managers (see `maillage admin outbox`)."
    );
    Ok(ExitCode::SUCCESS)
}

async fn verify(data: &crate::cli::DataArgs) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let report = store.verify_audit_chain().await?;
    let audit_ok = match report.problem {
        None => {
            println!("Audit log intact: {} entries, head hash {}.", report.entries, report.head_hash);
            true
        }
        Some(problem) => {
            println!("Audit log BROKEN after {} valid entries: {problem}.", report.entries);
            false
        }
    };
    let invoices = store.verify_invoice_chains().await?;
    let invoices_ok = match invoices.problem {
        None => {
            println!("Invoice chains intact: {} documents, numbered without gaps.", invoices.documents);
            true
        }
        Some(problem) => {
            println!("Invoice chains BROKEN: {problem}.");
            false
        }
    };
    Ok(if audit_ok && invoices_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
