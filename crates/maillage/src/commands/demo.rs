//! `maillage demo`: an instance ready to explore: accounts for each role
//! and the atlas of a sample territory ([`super::demo_atlas`]). Later
//! modules add their content (bookings, events…) here.

use std::process::ExitCode;

use anyhow::Context;
use app::i18n::Lang;
use app::{App, AppConfig};
use domain::accounts::{Email, Grant, Role};
use domain::policy::Actor;

use crate::cli::{DataArgs, ServeArgs};
use crate::database;

/// The demo's people: (email, name, role). All share [`DEMO_PASSWORD`].
const PEOPLE: &[(&str, &str, Option<Role>)] = &[
    ("admin@demo.maillage.fr", "Alex Administratrice", Some(Role::PlatformAdmin)),
    ("territoire@demo.maillage.fr", "Camille Chargée de mission", Some(Role::TerritoryEditor)),
    ("animation@demo.maillage.fr", "Sacha Animateur territorial", Some(Role::TerritoryEditor)),
    ("habitant@demo.maillage.fr", "Lou Habitante", None),
];

/// Public on purpose: this is a demonstration instance.
pub const DEMO_PASSWORD: &str = "Demo-Maillage-2026";

pub async fn run(data: &DataArgs, serve: bool, server: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = database::open(data, server.db_connections).await?;
    let listener = if serve {
        Some(
            tokio::net::TcpListener::bind(&server.listen)
                .await
                .with_context(|| format!("cannot listen on {}", server.listen))?,
        )
    } else {
        None
    };
    let public_url = match (&server.public_url, &listener) {
        (Some(u), _) => u.clone(),
        (None, Some(l)) => format!("http://{}", l.local_addr()?),
        (None, None) => format!("http://{}", server.listen),
    };
    let app = App::new(store.clone(), AppConfig::new(public_url.clone())).await?;
    prepare(&app).await?;
    let started = std::time::Instant::now();
    println!("Filling the atlas of the demo territory (départements {})…", super::demo_atlas::DEPARTEMENTS.join(", "));
    for line in super::demo_atlas::fill(&app).await? {
        println!("  {line}");
    }
    println!("Atlas ready in {:.1} s.", started.elapsed().as_secs_f64());
    if let Some(line) = super::demo_bookings::fill(&app).await? {
        println!("  {line}");
    }
    println!("  {}", super::demo_events::fill(&app).await?);
    println!("  {}", super::demo_accounting::fill(&app).await?);

    println!(
        "Demo ready in {}.",
        data.database_url.as_deref().map_or_else(|| data.data_dir.display().to_string(), |_| "the database".into())
    );
    println!("Open {public_url} and sign in with one of these accounts (password {DEMO_PASSWORD}):");
    for (email, name, role) in PEOPLE {
        println!("  {email:<32} {name} ({})", role.map_or("registered person", Role::as_str));
    }
    match listener {
        Some(listener) => {
            let local = listener.local_addr()?;
            let mut config = super::serve::app_config(server, local)?;
            config.public_url = public_url;
            super::serve::serve_on(store, listener, config, server).await
        }
        None => {
            println!("Serve it with: maillage serve --data-dir {}", data.data_dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Creates what is missing; running it twice changes nothing.
pub async fn prepare(app: &App) -> anyhow::Result<()> {
    for (email, name, role) in PEOPLE {
        let parsed = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let user = match app.store.user_by_email(&parsed).await? {
            Some(u) => u,
            None => app::accounts::create_user(app, &Actor::System, email, name, DEMO_PASSWORD, Lang::Fr)
                .await
                .map_err(|e| anyhow::anyhow!("creating {email}: {e}"))?,
        };
        if let Some(role) = role {
            let grant = Grant::new(*role, None)?;
            if app.store.grants_of(user.id).await?.iter().any(|g| g.grant == grant) {
                continue;
            }
            app::accounts::grant_role(app, &Actor::System, user.id, &grant)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    Ok(())
}
