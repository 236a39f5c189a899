//! `maillage serve`.

use std::process::ExitCode;

use anyhow::Context;
use app::{App, AppConfig, SmtpConfig};

use crate::cli::{DataArgs, ServeArgs};
use crate::database;

pub fn app_config(args: &ServeArgs, listen: std::net::SocketAddr) -> anyhow::Result<AppConfig> {
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{listen}"));
    let mut config = AppConfig::new(public_url);
    config.mail_from.clone_from(&args.mail_from);
    config.stale_after_days = args.stale_after_days.max(1);
    config.smtp = args.smtp_url.as_deref().map(SmtpConfig::parse).transpose().map_err(anyhow::Error::msg)?;
    Ok(config)
}

pub async fn run(data: &DataArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = database::open(data, args.db_connections).await?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    serve_on(store, listener, app_config(args, local)?, args).await
}

pub async fn serve_on(
    store: store::Store,
    listener: tokio::net::TcpListener,
    config: AppConfig,
    args: &ServeArgs,
) -> anyhow::Result<ExitCode> {
    let backend = store.backend().name();
    let mail = if config.smtp.is_some() { "SMTP relay" } else { "outbox only (no relay configured)" };
    let url = config.public_url.clone();
    let app = App::new(store, config).await?;
    let server = web::ServerConfig {
        frame_ancestors: args.frame_ancestors.clone(),
        trust_forwarded_for: args.trust_forwarded_for,
        run_worker: !args.no_worker,
        ..Default::default()
    };
    tracing::info!(%url, backend, mail, "Maillage is serving");
    eprintln!("Maillage is serving on {url} ({backend} database; mail: {mail}). Stop with Ctrl-C.");
    web::serve(app, listener, server, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM (service managers, containers) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
