//! `maillage admin …`: accounts, roles and the outbox from the command line.
//! The operator holds the database already, so acts as the `System` actor.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use app::i18n::Lang;
use app::{App, AppConfig, AppError};
use domain::accounts::{Email, Grant, Role};
use domain::policy::Actor;

use crate::cli::{AdminAction, DataArgs};
use crate::database;

pub async fn run(data: &DataArgs, action: AdminAction) -> anyhow::Result<ExitCode> {
    let store = database::open(data, 2).await?;
    let app = App::new(store, AppConfig::new("http://127.0.0.1:8080")).await?;
    match action {
        AdminAction::CreateUser { email, name, password_stdin, locale, role, scope } => {
            let lang = Lang::parse(&locale).ok_or_else(|| anyhow!("--locale must be fr or en"))?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (generated_password(), true)
            };
            let user = app::accounts::create_user(&app, &Actor::System, &email, &name, &password, lang)
                .await
                .map_err(explain)?;
            println!("Created account #{} for {}.", user.id, user.email.as_deref().unwrap_or(""));
            if generated {
                println!("Password (shown once): {password}");
            }
            if let Some(role) = role {
                let grant = parse_grant(&role, scope)?;
                app::accounts::grant_role(&app, &Actor::System, user.id, &grant).await.map_err(explain)?;
                println!("Granted {role}.");
            }
        }
        AdminAction::Grant { email, role, scope } => {
            let user = find_user(&app, &email).await?;
            let grant = parse_grant(&role, scope)?;
            app::accounts::grant_role(&app, &Actor::System, user, &grant).await.map_err(explain)?;
            println!("Granted {role} to {email}.");
        }
        AdminAction::Revoke { email, role, scope } => {
            let user = find_user(&app, &email).await?;
            let grant = parse_grant(&role, scope)?;
            app::accounts::revoke_role(&app, &Actor::System, user, &grant).await.map_err(explain)?;
            println!("Revoked {role} from {email}.");
        }
        AdminAction::Users => {
            for u in app.store.list_users(0, 10_000).await? {
                let roles: Vec<String> = app
                    .store
                    .grants_of(u.id)
                    .await?
                    .iter()
                    .map(|g| match g.grant.scope_id {
                        Some(s) => format!("{}:{s}", g.grant.role.as_str()),
                        None => g.grant.role.as_str().to_owned(),
                    })
                    .collect();
                let confirmed = if u.is_confirmed() { "" } else { " (unconfirmed)" };
                println!(
                    "#{:<5} {:<40} {:<30} {}{confirmed}",
                    u.id,
                    u.email.as_deref().unwrap_or(""),
                    u.display_name,
                    roles.join(", ")
                );
            }
        }
        AdminAction::Outbox { limit, full } => {
            let mails = app.store.outbox(limit).await?;
            if mails.is_empty() {
                println!("The outbox is empty.");
            }
            for m in mails {
                println!(
                    "#{} {} [{}] to {} — {}",
                    m.id,
                    m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    m.status.as_str(),
                    m.recipient,
                    m.subject
                );
                if full {
                    println!("{}\n", m.body);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find_user(app: &App, email: &str) -> anyhow::Result<i64> {
    let email = Email::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    let user = app.store.user_by_email(&email).await?.ok_or_else(|| anyhow!("no account has the address {email}"))?;
    Ok(user.id)
}

fn parse_grant(role: &str, scope: Option<i64>) -> anyhow::Result<Grant> {
    let role = Role::parse(role)?;
    Ok(Grant::new(role, scope)?)
}

/// A use case's refusal, in words for the command line.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(fields) => {
            let parts: Vec<String> = fields.0.iter().map(|(f, e)| format!("{f}: {e}")).collect();
            anyhow!("refused: {}", parts.join("; "))
        }
        AppError::NotFound => anyhow!("not found (no such account or role)"),
        other => anyhow!(other),
    }
}

/// Four random words' worth of entropy, readable: 24 URL-safe characters.
pub fn generated_password() -> String {
    app::secrets::random_token().chars().take(24).collect()
}
