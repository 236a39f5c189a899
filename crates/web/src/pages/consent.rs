//! A guardian's consent to a minor's registration, by the mailed link: no
//! account needed, the single-use link is the proof.

use app::AppError;
use app::events::{consent_subject, give_consent};
use app::i18n::{fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::MessagePage;
use super::{Chrome, Page, PageError};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    chrome: Chrome,
    question: String,
    token: String,
}

fn invalid(page: Page) -> Response {
    let t = page.chrome.t;
    (
        StatusCode::BAD_REQUEST,
        MessagePage { chrome: page.chrome, title: t.consent_title, message: t.consent_invalid.to_owned(), link: None },
    )
        .into_response()
}

pub async fn form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenForm>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let Some((event, r)) = consent_subject(&state.app, &q.token).await.map_err(|e| PageError::from_app(lang, e))?
    else {
        return Ok(invalid(page));
    };
    if r.status != "consent" {
        return Ok(invalid(page));
    }
    let registrant = match r.user_id {
        Some(id) => state.app.store.user(id).await.map(|u| u.display_name).unwrap_or_default(),
        None => String::new(),
    };
    let when = format_datetime(lang, store::from_micros(event.starts_at));
    let question = fill(page.chrome.t.consent_question, &[&registrant, &r.participant, &event.title, &when]);
    Ok(ConsentPage { chrome: page.chrome, question, token: q.token }.into_response())
}

pub async fn give(
    State(state): State<AppState>,
    page: Page,
    Form(input): Form<TokenForm>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    match give_consent(&state.app, &input.token).await {
        Ok(r) => {
            let t = page.chrome.t;
            Ok(MessagePage {
                chrome: page.chrome,
                title: t.consent_title,
                message: fill(t.consent_done, &[&r.participant]),
                link: None,
            }
            .into_response())
        }
        Err(AppError::InvalidLink) => Ok(invalid(page)),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
