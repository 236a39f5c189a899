//! Event and programme pages: the public event page with its registration
//! form, the participant's ticket with its QR code, and the manager's
//! entrance check (typed code, or the link the QR code carries, so any
//! phone camera does the scanning and no script is needed).

use std::collections::HashMap;

use app::AppError;
use app::events::{RegistrationInput, register};
use app::i18n::{Messages, fill, format_datetime};
use app::programmes::{check_in, check_questions_answers, checkin_subject};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::operations::programmes::AnswerProblem;
use serde::Deserialize;
use store::events::{Event, Registration};
use store::from_micros;

use super::auth::MessagePage;
use super::invoices::euros;
use super::{Chrome, FormErrors, Page, PageError};
use crate::extract::Path;
use crate::state::AppState;

pub struct SessionView {
    pub title: String,
    pub when: String,
}

pub struct CategoryView {
    pub id: i64,
    pub label: String,
    pub left: Option<String>,
    pub selected: bool,
}

pub struct QuestionView {
    pub id: i64,
    pub text: String,
    pub kind: String,
    pub required: bool,
    pub choices: Vec<String>,
    pub value: String,
    pub error: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "event.html")]
pub struct EventPage {
    chrome: Chrome,
    event: Event,
    when: String,
    place: Option<(i64, String)>,
    audience: Option<String>,
    sessions: Vec<SessionView>,
    categories: Vec<CategoryView>,
    seats: String,
    full: bool,
    over: bool,
    signed_in: bool,
    questions: Vec<QuestionView>,
    errors: FormErrors,
    question_errors: bool,
    participant: String,
    birth_date: String,
    guardian_email: String,
}

fn when(lang: app::i18n::Lang, starts: i64, ends: i64) -> String {
    format!("{} \u{2192} {}", format_datetime(lang, from_micros(starts)), format_datetime(lang, from_micros(ends)))
}

/// Everything of the event page but the visitor's own input.
async fn event_page(state: &AppState, page: Page, id: i64) -> Result<EventPage, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let err = |e: store::StoreError| PageError::from_app(lang, e.into());
    let store = &state.app.store;
    let event = store.event(id).await.map_err(err)?;
    let place = match event.place_id {
        Some(p) => store.atlas_record(p).await.ok().map(|r| (p, r.name)),
        None => None,
    };
    let (held, _) = store.event_counts(id).await.map_err(err)?;
    let counts: HashMap<i64, i64> = store.category_counts(id).await.map_err(err)?.into_iter().collect();
    let left = (event.capacity - held).max(0);
    let categories = store
        .ticket_categories(id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|c| {
            let price = if c.price_cents == 0 { t.ev_free.to_owned() } else { euros(c.price_cents) };
            let cat_left = c.quota.map(|q| (q - counts.get(&c.id).copied().unwrap_or(0)).max(0).min(left));
            CategoryView {
                id: c.id,
                label: format!("{} \u{2013} {price}", c.name),
                left: cat_left.map(|n| fill(t.ev_category_left, &[&n.to_string()])),
                selected: false,
            }
        })
        .collect();
    let sessions = store
        .event_sessions(id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|s| SessionView { title: s.title, when: when(lang, s.starts_at, s.ends_at) })
        .collect();
    let questions = store
        .questions_of(id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|q| QuestionView {
            id: q.id,
            text: q.text,
            kind: q.kind,
            required: q.required,
            choices: q.choices,
            value: String::new(),
            error: None,
        })
        .collect();
    let audience = match (event.min_age, event.max_age) {
        (Some(a), Some(b)) => Some(fill(t.ev_ages, &[&a.to_string(), &b.to_string()])),
        (Some(a), None) => Some(fill(t.ev_age_min, &[&a.to_string()])),
        (None, Some(b)) => Some(fill(t.ev_age_max, &[&b.to_string()])),
        (None, None) => None,
    };
    Ok(EventPage {
        when: when(lang, event.starts_at, event.ends_at),
        seats: fill(t.ev_seats_left, &[&left.to_string(), &event.capacity.to_string()]),
        full: left == 0,
        over: event.ends_at < store::now_micros(),
        signed_in: page.identity.is_some(),
        chrome: page.chrome,
        event,
        place,
        audience,
        sessions,
        categories,
        questions,
        errors: FormErrors::default(),
        question_errors: false,
        participant: String::new(),
        birth_date: String::new(),
        guardian_email: String::new(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
pub struct EventsPage {
    chrome: Chrome,
    /// (id, title, when, place name)
    events: Vec<(i64, String, String, String)>,
}

/// Upcoming events of the territory, soonest first.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let store = &state.app.store;
    let events =
        store.upcoming_events(store::now_micros(), 100).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for e in events {
        let place = match e.place_id {
            Some(p) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(p) {
                    slot.insert(store.atlas_record(p).await.map(|r| r.name).unwrap_or_default());
                }
                names[&p].clone()
            }
            None => String::new(),
        };
        out.push((e.id, e.title, when(lang, e.starts_at, e.ends_at), place));
    }
    Ok(EventsPage { chrome: page.chrome, events: out }.into_response())
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(event_page(&state, page, id).await?.into_response())
}

/// Registers the signed-in person (or someone they register); a refused
/// form comes back with each message beside its field.
pub async fn register_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let identity = page.require_identity()?.clone();
    let t = page.chrome.t;
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let (participant, birth, guardian, category) =
        (get("participant"), get("birth_date"), get("guardian_email"), get("category_id"));
    let mut answers = HashMap::new();
    for (k, v) in &fields {
        if let Some(q) = k.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()) {
            answers.insert(q, v.clone());
        }
    }
    let mut errors = FormErrors::default();
    let birth_date = match birth.as_str() {
        "" => None,
        b => match chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors = errors.with("birth_date", t.ev_bad_date);
                None
            }
        },
    };
    let category_id = category.parse::<i64>().ok();
    let input = RegistrationInput {
        participant: Some(participant.clone()).filter(|p| !p.is_empty()),
        birth_date,
        guardian_email: Some(guardian.clone()).filter(|g| !g.is_empty()),
        category_id,
        answers: answers.clone(),
    };
    let result = if errors.is_empty() {
        register(&state.app, &identity.actor(), id, &input, &identity.user.display_name).await
    } else {
        Err(AppError::Invalid(app::FieldErrors::default()))
    };
    match result {
        Ok(r) => {
            let code = r.registration.checkin_code.unwrap_or_default();
            Ok(Redirect::to(&format!("/billet/{code}")).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let mut view = event_page(&state, page, id).await?;
            match e {
                AppError::Invalid(fe) => {
                    for (f, m) in FormErrors::from_app(t, &fe).all() {
                        if *f == "event" {
                            errors = errors.with("event", t.ev_over);
                        } else if *f != "answers" {
                            errors = errors.with(f, m);
                        }
                    }
                }
                _ => errors = errors.with("event", t.ev_already),
            }
            let stored = state.app.store.questions_of(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
            let problems = check_questions_answers(&stored, &answers).err().unwrap_or_default();
            for q in &mut view.questions {
                q.value = answers.get(&q.id).cloned().unwrap_or_default();
                q.error = problems.iter().find(|(id, _)| *id == q.id).map(|(_, p)| match p {
                    AnswerProblem::Missing => t.ev_answer_missing,
                    AnswerProblem::TooLong => t.ev_answer_long,
                    _ => t.ev_answer_choice,
                });
            }
            view.question_errors = view.questions.iter().any(|q| q.error.is_some());
            view.errors = errors;
            view.participant = participant;
            view.birth_date = birth;
            view.guardian_email = guardian;
            for c in &mut view.categories {
                c.selected = Some(c.id) == category_id;
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view).into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

fn status_text(t: &Messages, lang: app::i18n::Lang, r: &Registration) -> String {
    match r.status.as_str() {
        "confirmed" => t.status_confirmed.to_owned(),
        "consent" => t.status_consent.to_owned(),
        "offered" => fill(
            t.status_offered,
            &[&r.offered_until.map(|u| format_datetime(lang, from_micros(u))).unwrap_or_default()],
        ),
        "waitlisted" => t.status_waitlisted.to_owned(),
        _ => t.status_cancelled.to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "ticket.html")]
pub struct TicketPage {
    chrome: Chrome,
    title: String,
    event: Event,
    participant: String,
    status: String,
    sessions: Vec<SessionView>,
    code: String,
    /// The QR code as inline SVG, once confirmed.
    qr: Option<String>,
}

/// The QR code of a link, as SVG markup.
fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    Some(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build())
}

/// A participant's ticket; the unguessable code in the link is the proof,
/// as with a paper ticket.
pub async fn ticket(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let err = |e: store::StoreError| PageError::from_app(lang, e.into());
    if code.len() > 100 {
        return Err(PageError::NotFound(lang));
    }
    let r = state.app.store.registration_by_code(&code).await.map_err(err)?;
    let event = state.app.store.event(r.event_id).await.map_err(err)?;
    let sessions = state
        .app
        .store
        .event_sessions(event.id)
        .await
        .map_err(err)?
        .into_iter()
        .map(|s| SessionView { title: s.title, when: when(lang, s.starts_at, s.ends_at) })
        .collect();
    let qr = if r.status == "confirmed" { qr_svg(&state.app.link(&format!("/controle/{code}"))) } else { None };
    Ok(TicketPage {
        title: fill(t.ticket_title, &[&event.title]),
        status: status_text(t, lang, &r),
        participant: r.participant.clone(),
        chrome: page.chrome,
        event,
        sessions,
        code,
        qr,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "checkin.html")]
pub struct CheckinPage {
    chrome: Chrome,
    event: Event,
    /// The ticket being checked, when the page was opened from its QR code.
    subject: Option<(String, String, String)>,
    code: String,
    outcome: Option<String>,
    error: Option<&'static str>,
}

fn refusal(t: &Messages, e: &AppError) -> Option<&'static str> {
    match e {
        AppError::NotFound => Some(t.checkin_unknown),
        AppError::Conflict(m) if m.contains("not confirmed") => Some(t.checkin_not_confirmed),
        AppError::Conflict(_) => Some(t.checkin_over),
        _ => None,
    }
}

/// The page a scanned QR code opens: who the ticket is for, and a button
/// to check them in (the manager only).
pub async fn scanned(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let actor = page.require_identity()?.actor();
    let (r, event, session) =
        checkin_subject(&state.app, &actor, None, &code).await.map_err(|e| PageError::from_app(lang, e))?;
    let session = session.map(|s| s.title).unwrap_or_else(|| t.checkin_over.to_owned());
    let status = status_text(t, lang, &r);
    Ok(CheckinPage {
        chrome: page.chrome,
        event,
        subject: Some((r.participant, status, session)),
        code,
        outcome: None,
        error: None,
    }
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

async fn do_check_in(state: &AppState, page: Page, event_id: Option<i64>, code: String) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let actor = page.require_identity()?.actor();
    match check_in(&state.app, &actor, event_id, &code).await {
        Ok(c) => {
            let text = if c.already { t.checkin_already } else { t.checkin_done };
            Ok(CheckinPage {
                chrome: page.chrome,
                event: c.event,
                subject: None,
                code: String::new(),
                outcome: Some(fill(text, &[&c.registration.participant, &c.session.title])),
                error: None,
            }
            .into_response())
        }
        Err(e) => {
            let Some(message) = refusal(t, &e) else { return Err(PageError::from_app(lang, e)) };
            // A code of another event, or none: the form again, message beside the field.
            let event = match event_id {
                Some(id) => state.app.store.event(id).await.map_err(|e| PageError::from_app(lang, e.into()))?,
                None => match checkin_subject(&state.app, &actor, None, &code).await {
                    Ok((_, event, _)) => event,
                    Err(_) => {
                        let chrome = page.chrome;
                        return Ok((
                            StatusCode::NOT_FOUND,
                            MessagePage { chrome, title: t.checkin_title, message: message.to_owned(), link: None },
                        )
                            .into_response());
                    }
                },
            };
            let status = if matches!(e, AppError::NotFound) { StatusCode::NOT_FOUND } else { StatusCode::CONFLICT };
            Ok((
                status,
                CheckinPage { chrome: page.chrome, event, subject: None, code, outcome: None, error: Some(message) },
            )
                .into_response())
        }
    }
}

/// The check-in button of the scanned page.
pub async fn scanned_check_in(
    State(state): State<AppState>,
    page: Page,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    do_check_in(&state, page, None, code).await
}

/// The entrance check of one event: type or paste a ticket's code.
pub async fn desk(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let event =
        app::programmes::managed_event(&state.app, &actor, id).await.map_err(|e| PageError::from_app(lang, e))?;
    Ok(CheckinPage { chrome: page.chrome, event, subject: None, code: String::new(), outcome: None, error: None }
        .into_response())
}

pub async fn desk_check_in(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<CodeForm>,
) -> Result<Response, PageError> {
    do_check_in(&state, page, Some(id), form.code).await
}
