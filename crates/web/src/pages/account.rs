//! The account page: profile, roles, password, sessions, API tokens, data
//! export and deletion.

use app::AppError;
use app::accounts;
use app::i18n::format_datetime;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::accounts::{TokenScope, TokenScopes};
use serde::Deserialize;

use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice, role_label};
use crate::auth::{SESSION_COOKIE, set_cookie};
use crate::state::AppState;

pub struct SessionRow {
    id: i64,
    device: String,
    started: String,
    last_seen: String,
    current: bool,
}

pub struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: String,
    revoked: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    chrome: Chrome,
    email: String,
    display_name: String,
    locale: String,
    roles: Vec<String>,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    scope_choices: Vec<(&'static str, &'static str)>,
    new_token: Option<String>,
    profile_errors: FormErrors,
    password_errors: FormErrors,
    token_errors: FormErrors,
    delete_errors: FormErrors,
}

/// The page's content for the signed-in person, with empty forms.
async fn load(state: &AppState, page: Page) -> Result<AccountPage, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let store = &state.app.store;
    let user = &identity.user;
    let sessions = store
        .sessions_of(user.id)
        .await
        .map_err(|e| PageError::from_app(lang, e.into()))?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            device: if s.user_agent.is_empty() { "?".into() } else { browser_label(&s.user_agent) },
            started: format_datetime(lang, s.created_at),
            last_seen: format_datetime(lang, s.last_seen_at),
            current: Some(s.id) == identity.session_id(),
        })
        .collect();
    let tokens = store
        .api_tokens_of(user.id)
        .await
        .map_err(|e| PageError::from_app(lang, e.into()))?
        .into_iter()
        .map(|k| TokenRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.to_list(),
            created: format_datetime(lang, k.created_at),
            last_used: k.last_used_at.map_or_else(|| t.tokens_never_used.to_owned(), |d| format_datetime(lang, d)),
            revoked: k.revoked_at.map(|d| app::i18n::fill(t.tokens_revoked_on, &[&format_datetime(lang, d)])),
        })
        .collect();
    Ok(AccountPage {
        email: user.email.clone().unwrap_or_default(),
        display_name: user.display_name.clone(),
        locale: user.locale.clone(),
        roles: identity.grants.iter().map(|g| role_label(t, g)).collect(),
        sessions,
        tokens,
        scope_choices: vec![
            (TokenScope::AccountRead.as_str(), t.tokens_scope_account_read),
            (TokenScope::AccountWrite.as_str(), t.tokens_scope_account_write),
            (TokenScope::Admin.as_str(), t.tokens_scope_admin),
            (TokenScope::AtlasWrite.as_str(), t.tokens_scope_atlas_write),
            (TokenScope::Bookings.as_str(), t.tokens_scope_bookings),
        ],
        new_token: None,
        profile_errors: FormErrors::default(),
        password_errors: FormErrors::default(),
        token_errors: FormErrors::default(),
        delete_errors: FormErrors::default(),
        chrome: page.chrome,
    })
}

/// "Firefox on Linux"-like label from a User-Agent, without version numbers.
fn browser_label(ua: &str) -> String {
    let browser =
        ["Edg/", "OPR/", "Firefox/", "Chrome/", "Safari/", "curl/"].iter().find(|b| ua.contains(*b)).map_or("?", |b| {
            match *b {
                "Edg/" => "Edge",
                "OPR/" => "Opera",
                "Firefox/" => "Firefox",
                "Chrome/" => "Chrome",
                "Safari/" => "Safari",
                _ => "curl",
            }
        });
    let os = ["Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux"].iter().find(|o| ua.contains(*o));
    match os {
        Some(os) => format!("{browser} · {}", os.replace("Mac OS", "macOS")),
        None => browser.to_owned(),
    }
}

pub async fn show(State(state): State<AppState>, page: Page) -> Result<AccountPage, PageError> {
    load(&state, page).await
}

fn invalid(mut page: AccountPage, set: impl FnOnce(&mut AccountPage)) -> Response {
    set(&mut page);
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileInput {
    display_name: String,
    locale: String,
}

pub async fn update_profile(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<ProfileInput>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    match accounts::update_profile(&state.app, &identity.actor(), identity.user.id, &input.display_name, &input.locale)
        .await
    {
        Ok(()) => {
            let mut response = redirect_with_notice("/account", "saved");
            let c =
                set_cookie(crate::i18n::LANG_COOKIE, &input.locale, 60 * 60 * 24 * 365, state.app.config.is_https());
            if let Ok(v) = HeaderValue::from_str(&c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            let page = load(&state, page).await?;
            let errors = FormErrors::from_app(page.chrome.t, &errors);
            Ok(invalid(page, |p| {
                p.display_name = input.display_name;
                p.profile_errors = errors;
            }))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordInput {
    current_password: String,
    password: String,
    password_confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<PasswordInput>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    let result = accounts::change_password(
        &state.app,
        &identity.actor(),
        identity.user.id,
        &input.current_password,
        &input.password,
        Some(&input.password_confirm),
        identity.session_id(),
    )
    .await;
    match result {
        Ok(()) => Ok(redirect_with_notice("/account", "password_changed")),
        Err(AppError::Invalid(errors)) => {
            let page = load(&state, page).await?;
            let t = page.chrome.t;
            let errors = FormErrors::from_app(t, &errors).reword("current_password", t.err_wrong_password);
            Ok(invalid(page, |p| p.password_errors = errors))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn revoke_session(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?;
    accounts::revoke_session(&state.app, &identity.actor(), identity.user.id, id)
        .await
        .map_err(|e| PageError::from_app(page.chrome.lang, e))?;
    Ok(redirect_with_notice("/account", "session_revoked"))
}

pub async fn create_token(
    State(state): State<AppState>,
    page: Page,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    let name = pairs.iter().find(|(k, _)| k == "name").map_or("", |(_, v)| v.as_str());
    // Checkbox values come from our own form; an unknown one is tampering and ignored.
    let scopes =
        TokenScopes::new(pairs.iter().filter(|(k, _)| k == "scopes").filter_map(|(_, v)| TokenScope::parse(v).ok()));
    match accounts::create_api_token(&state.app, &identity.actor(), identity.user.id, name, scopes, None).await {
        Ok(created) => {
            let mut page = load(&state, page).await?;
            page.new_token = Some(created.secret);
            // The secret must not stay in a shared cache or the history.
            Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = load(&state, page).await?;
            let t = page.chrome.t;
            let errors = FormErrors::from_app(t, &errors).reword("scopes", t.tokens_scopes_required);
            Ok(invalid(page, |p| p.token_errors = errors))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?;
    accounts::revoke_api_token(&state.app, &identity.actor(), identity.user.id, id)
        .await
        .map_err(|e| PageError::from_app(page.chrome.lang, e))?;
    Ok(redirect_with_notice("/account", "token_revoked"))
}

/// The person's data as a JSON download (the same document as the API's).
pub async fn export(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let identity = page.require_identity()?;
    let data = accounts::export_personal_data(&state.app, &identity.actor(), identity.user.id)
        .await
        .map_err(|e| PageError::from_app(page.chrome.lang, e))?;
    let body = serde_json::to_vec_pretty(&crate::api::me::PersonalDataDoc::from(data))
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"maillage-mes-donnees.json\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteInput {
    delete_password: String,
}

pub async fn delete(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<DeleteInput>,
) -> Result<Response, PageError> {
    let identity = page.require_identity()?.clone();
    let lang = page.chrome.lang;
    match accounts::delete_account(&state.app, &identity.actor(), identity.user.id, &input.delete_password).await {
        Ok(()) => {
            let mut response = redirect_with_notice("/", "deleted");
            if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.app.config.is_https())) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(AppError::Invalid(_)) => {
            let page = load(&state, page).await?;
            let errors = FormErrors::one("delete_password", page.chrome.t.err_wrong_password);
            Ok(invalid(page, |p| p.delete_errors = errors))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
