//! `maillage`: the one binary of the platform.
//!
//! # Layout
//! - [`cli`]: the commands and options, with their help texts.
//! - [`database`]: where the data lives (a SQLite file under the data
//!   directory, or a PostgreSQL URL) and opening it.
//! - `commands/`: one module per subcommand.
//!
//! This is the composition root: it reads configuration, opens the store,
//! builds `app::App` and hands it to the web server or a command.

mod cli;
mod commands;
mod database;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    init_logs(&cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logs(format: &cli::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAILLAGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    match format {
        cli::LogFormat::Text => builder.init(),
        cli::LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
