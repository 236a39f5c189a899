//! The administration page: accounts and roles, the mail outbox, the audit log.

use app::AppError;
use app::i18n::{fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::accounts::{Grant, Role};
use domain::policy::{Action, Resource, authorize};
use serde::Deserialize;

use super::{Chrome, Page, PageError, role_label};
use crate::state::AppState;

pub struct UserRow {
    id: i64,
    name: String,
    email: String,
    /// (label, role code, scope id or empty)
    roles: Vec<(String, &'static str, String)>,
    created: String,
}

pub struct AuditRow {
    seq: i64,
    when: String,
    actor: String,
    action: String,
    entity: String,
    summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
pub struct AdminPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    role_choices: Vec<(&'static str, String)>,
    /// (when, recipient, subject, status)
    mails: Vec<(String, String, String, &'static str)>,
    audit: Vec<AuditRow>,
    chain_ok: bool,
    chain_status: String,
    problem: Option<String>,
}

async fn load(state: &AppState, page: Page, problem: Option<String>) -> Result<AdminPage, PageError> {
    let identity = page.require_identity()?;
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    authorize(&identity.actor(), Action::ManageUsers, Resource::Platform).map_err(|_| PageError::Forbidden(lang))?;
    let store = &state.app.store;
    let fail = |e: store::StoreError| PageError::from_app(lang, e.into());
    let mut users = Vec::new();
    for u in store.list_users(0, 200).await.map_err(fail)? {
        let roles = store
            .grants_of(u.id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|g| {
                (
                    role_label(t, &g.grant),
                    g.grant.role.as_str(),
                    g.grant.scope_id.map(|s| s.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        users.push(UserRow {
            id: u.id,
            name: u.display_name,
            email: u.email.unwrap_or_default(),
            roles,
            created: format_datetime(lang, u.created_at),
        });
    }
    let mails = store
        .outbox(50)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|m| (format_datetime(lang, m.created_at), m.recipient, m.subject, m.status.as_str()))
        .collect();
    let audit = store
        .audit_entries(None, 50)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            when: format_datetime(lang, store::from_micros(e.at_micros)),
            actor: e.actor,
            action: e.action,
            entity: format!("{} {}", e.entity_type, e.entity_id),
            summary: e.summary,
        })
        .collect();
    let report = store.verify_audit_chain().await.map_err(fail)?;
    let (chain_ok, chain_status) = match &report.problem {
        None => (true, fill(t.admin_audit_ok, &[&report.entries.to_string()])),
        Some(p) => (false, fill(t.admin_audit_broken, &[&p.to_string()])),
    };
    let role_choices = Role::ALL
        .iter()
        .map(|r| {
            (r.as_str(), role_label(t, &Grant { role: *r, scope_id: r.scope_kind().map(|_| 0) }).replace(" 0", " …"))
        })
        .collect();
    Ok(AdminPage { users, role_choices, mails, audit, chain_ok, chain_status, problem, chrome: page.chrome })
}

pub async fn show(State(state): State<AppState>, page: Page) -> Result<AdminPage, PageError> {
    load(&state, page, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleInput {
    role: String,
    scope_id: String,
}

impl RoleInput {
    fn grant(&self) -> Option<Grant> {
        let role = Role::parse(&self.role).ok()?;
        let scope = match self.scope_id.trim() {
            "" => None,
            s => Some(s.parse::<i64>().ok().filter(|n| *n > 0)?),
        };
        Grant::new(role, scope).ok()
    }
}

async fn change(
    state: AppState,
    page: Page,
    user_id: i64,
    input: RoleInput,
    grant: bool,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    let Some(g) = input.grant() else {
        let problem = page.chrome.t.err_invalid.to_owned();
        let page = load(&state, page, Some(problem)).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let result = if grant {
        app::accounts::grant_role(&state.app, &identity.actor(), user_id, &g).await.map(|_| ())
    } else {
        app::accounts::revoke_role(&state.app, &identity.actor(), user_id, &g).await
    };
    match result {
        Ok(()) | Err(AppError::NotFound) if !grant => Ok(Redirect::to("/admin").into_response()),
        Ok(()) => Ok(Redirect::to("/admin").into_response()),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn grant(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(input): Form<RoleInput>,
) -> Result<Response, PageError> {
    change(state, page, id, input, true).await
}

pub async fn revoke(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(input): Form<RoleInput>,
) -> Result<Response, PageError> {
    change(state, page, id, input, false).await
}
