//! One module per subcommand.

mod admin;
mod backup;
mod demo;
mod demo_atlas;
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
        Command::Demo { data, serve, server } => demo::run(&data, serve, &server).await,
        Command::Export { data, format, output, public_url } => {
            export::run(&data, &format, output.as_deref(), &public_url).await
        }
        Command::Import { data, source, mapping, format, rejects, within, input } => {
            import::run(&data, import::ImportArgs { source, mapping, input, format, rejects, within }).await
        }
    }
}

async fn verify(data: &crate::cli::DataArgs) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let report = store.verify_audit_chain().await?;
    match report.problem {
        None => {
            println!("Audit log intact: {} entries, head hash {}.", report.entries, report.head_hash);
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            println!("Audit log BROKEN after {} valid entries: {problem}.", report.entries);
            Ok(ExitCode::from(1))
        }
    }
}
