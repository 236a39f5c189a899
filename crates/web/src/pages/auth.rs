//! Sign-up, log-in, log-out, email confirmation, password reset, language.

use app::AppError;
use app::accounts::{self, SignupForm};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice, safe_next};
use crate::auth::{SESSION_COOKIE, cookie, set_cookie};
use crate::csrf::CSRF_COOKIE;
use crate::i18n::LANG_COOKIE;
use crate::startup::ClientIp;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub message: String,
    pub link: Option<(&'static str, &'static str)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct SignupPage {
    chrome: Chrome,
    display_name: String,
    email: String,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupInput {
    display_name: String,
    email: String,
    password: String,
    password_confirm: String,
}

pub async fn signup_form(page: Page) -> Response {
    if page.identity.is_some() {
        return Redirect::to("/account").into_response();
    }
    SignupPage { chrome: page.chrome, display_name: String::new(), email: String::new(), errors: FormErrors::default() }
        .into_response()
}

pub async fn signup(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<SignupInput>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let form = SignupForm {
        email: &input.email,
        display_name: &input.display_name,
        password: &input.password,
        password_confirm: Some(&input.password_confirm),
        lang,
    };
    match accounts::signup(&state.app, form).await {
        Ok(email) => Ok(MessagePage {
            chrome: page.chrome,
            title: t.signup_done_title,
            message: app::i18n::fill(t.signup_done_text, &[email.as_str()]),
            link: None,
        }
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            SignupPage {
                errors: FormErrors::from_app(t, &errors),
                chrome: page.chrome,
                display_name: input.display_name,
                email: input.email,
            },
        )
            .into_response()),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    problem: Option<String>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(page: Page, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if page.identity.is_some() {
        return Redirect::to(&next).into_response();
    }
    LoginPage { chrome: page.chrome, email: String::new(), next, problem: None, errors: FormErrors::default() }
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginInput {
    email: String,
    password: String,
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(input): Form<LoginInput>,
) -> Result<Response, PageError> {
    let t = page.chrome.t;
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (status, problem) = match accounts::login(&state.app, &input.email, &input.password, &ip, user_agent).await {
        Ok(session) => {
            let secure = state.app.config.is_https();
            let max_age = state.app.config.session_ttl.num_seconds();
            let mut response = Redirect::to(&safe_next(Some(&input.next))).into_response();
            let h = response.headers_mut();
            for c in [
                set_cookie(SESSION_COOKIE, &session.token, max_age, secure),
                // A new form token after signing in: a token planted before cannot serve.
                set_cookie(CSRF_COOKIE, "", 0, secure),
                set_cookie(LANG_COOKIE, &session.user.locale, 60 * 60 * 24 * 365, secure),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            return Ok(response);
        }
        Err(AppError::BadCredentials) => (StatusCode::UNAUTHORIZED, t.login_failed.to_owned()),
        Err(AppError::EmailNotConfirmed) => (StatusCode::FORBIDDEN, t.login_unconfirmed.to_owned()),
        Err(AppError::Throttled { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            app::i18n::fill(t.login_throttled, &[&(retry_after_secs / 60).max(1).to_string()]),
        ),
        Err(e) => return Err(PageError::from_app(page.chrome.lang, e)),
    };
    Ok((
        status,
        LoginPage {
            chrome: page.chrome,
            email: input.email,
            next: safe_next(Some(&input.next)),
            problem: Some(problem),
            errors: FormErrors::default(),
        },
    )
        .into_response())
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        accounts::logout(&state.app, token).await?;
    }
    let mut response = redirect_with_notice("/", "logged_out");
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.app.config.is_https())) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

pub async fn confirm_email(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    match accounts::confirm_email(&state.app, &q.token).await {
        Ok(_) => Ok(redirect_with_notice("/login", "confirmed")),
        Err(AppError::InvalidLink) => {
            let t = page.chrome.t;
            Ok((
                StatusCode::BAD_REQUEST,
                MessagePage {
                    chrome: page.chrome,
                    title: t.confirm_title,
                    message: t.confirm_invalid.into(),
                    link: Some(("/login", t.nav_login)),
                },
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_app(page.chrome.lang, e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    chrome: Chrome,
    email: String,
    problem: Option<String>,
    errors: FormErrors,
}

pub async fn forgot_form(page: Page) -> ForgotPage {
    ForgotPage { chrome: page.chrome, email: String::new(), problem: None, errors: FormErrors::default() }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotInput {
    email: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(input): Form<ForgotInput>,
) -> Result<Response, PageError> {
    let t = page.chrome.t;
    match accounts::request_password_reset(&state.app, &input.email, &ip).await {
        Ok(()) => {
            Ok(MessagePage { chrome: page.chrome, title: t.forgot_title, message: t.forgot_sent.into(), link: None }
                .into_response())
        }
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ForgotPage {
                errors: FormErrors::from_app(t, &errors),
                chrome: page.chrome,
                email: input.email,
                problem: None,
            },
        )
            .into_response()),
        Err(AppError::Throttled { retry_after_secs }) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            ForgotPage {
                problem: Some(app::i18n::fill(t.login_throttled, &[&(retry_after_secs / 60).max(1).to_string()])),
                chrome: page.chrome,
                email: input.email,
                errors: FormErrors::default(),
            },
        )
            .into_response()),
        Err(e) => Err(PageError::from_app(page.chrome.lang, e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct ResetPage {
    chrome: Chrome,
    token: String,
    errors: FormErrors,
}

fn invalid_reset_link(chrome: Chrome) -> Response {
    let t = chrome.t;
    (
        StatusCode::BAD_REQUEST,
        MessagePage {
            chrome,
            title: t.reset_title,
            message: t.reset_invalid.into(),
            link: Some(("/password/forgot", t.login_forgot)),
        },
    )
        .into_response()
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    if !accounts::reset_link_is_valid(&state.app, &q.token).await? {
        return Ok(invalid_reset_link(page.chrome));
    }
    Ok(ResetPage { chrome: page.chrome, token: q.token, errors: FormErrors::default() }.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetInput {
    token: String,
    password: String,
    password_confirm: String,
}

pub async fn reset(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<ResetInput>,
) -> Result<Response, PageError> {
    let t = page.chrome.t;
    match accounts::reset_password(&state.app, &input.token, &input.password, Some(&input.password_confirm)).await {
        Ok(()) => Ok(redirect_with_notice("/login", "reset_done")),
        Err(AppError::InvalidLink) => Ok(invalid_reset_link(page.chrome)),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            ResetPage { errors: FormErrors::from_app(t, &errors), chrome: page.chrome, token: input.token },
        )
            .into_response()),
        Err(e) => Err(PageError::from_app(page.chrome.lang, e)),
    }
}

/// The language switch: a plain link that sets the cookie and comes back.
pub async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = app::i18n::Lang::parse(&code) else {
        return PageError::NotFound(crate::i18n::request_lang(&headers)).into_response();
    };
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    let c = set_cookie(LANG_COOKIE, lang.code(), 60 * 60 * 24 * 365, state.app.config.is_https());
    if let Ok(v) = HeaderValue::from_str(&c) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
