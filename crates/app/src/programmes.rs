//! Programmes: price categories, sessions and attendance, the registration
//! questionnaire, check-in by code and session reminders.
//!
//! Categories and questions are written with the event and never changed
//! afterwards, so a registration may read them before taking the event's
//! lock; the seats of a category are counted under that lock
//! ([`crate::events::register`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use domain::audit::{AuditActor, AuditEvent};
use domain::operations::programmes::{
    AnswerProblem, CheckedAnswers, QuestionKind, QuestionRule, check_answers, session_for_checkin,
};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::events::{Event, Registration};
use store::programmes::{Attendance, Question, Session, TicketCategory};
use store::{WriteTx, from_micros, now_micros, to_micros};

use crate::i18n::{Lang, fill, format_datetime};
use crate::{App, AppError, FieldErrors};

#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub name: String,
    pub price_cents: i64,
    /// VAT rate in basis points (2000 = 20 %).
    pub vat_bp: i64,
    pub quota: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    pub text: String,
    /// text, choice or yes_no.
    pub kind: String,
    pub required: bool,
    pub choices: Vec<String>,
}

const MAX_CATEGORIES: usize = 20;
const MAX_SESSIONS: usize = 100;
const MAX_QUESTIONS: usize = 30;

pub(crate) fn trimmed(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks what makes the event a programme; returns the span of its
/// sessions when it has some (the event's own dates must then be left out).
pub(crate) fn check_programme(
    input: &crate::events::EventInput,
    errors: &mut FieldErrors,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if let Some(l) = trimmed(&input.language)
        && (l.len() > 12 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        errors.add("language", FieldError::Malformed("a language code such as fr or en".into()));
    }
    if trimmed(&input.accessibility).is_some_and(|a| a.chars().count() > 2000) {
        errors.add("accessibility", FieldError::TooLong { max: 2000 });
    }
    if trimmed(&input.description).is_some_and(|d| d.chars().count() > 10_000) {
        errors.add("description", FieldError::TooLong { max: 10_000 });
    }
    check_categories(&input.categories, errors);
    check_questions(&input.questions, errors);
    if input.sessions.is_empty() {
        return None;
    }
    if input.starts_at.is_some() || input.ends_at.is_some() {
        errors.add("sessions", FieldError::Malformed("give either starts_at and ends_at, or sessions".into()));
        return None;
    }
    if input.sessions.len() > MAX_SESSIONS {
        errors.add("sessions", FieldError::Malformed(format!("at most {MAX_SESSIONS}")));
        return None;
    }
    let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (i, s) in input.sessions.iter().enumerate() {
        let n = i + 1;
        let (Some(start), Some(end)) = (s.starts_at, s.ends_at) else {
            errors.add("sessions", FieldError::Malformed(format!("session {n}: starts_at and ends_at are required")));
            return None;
        };
        if end <= start {
            errors.add("sessions", FieldError::Malformed(format!("session {n}: ends_at must follow starts_at")));
            return None;
        }
        if s.title.as_deref().is_some_and(|t| t.trim().chars().count() > 200) {
            errors.add("sessions", FieldError::Malformed(format!("session {n}: title of at most 200 characters")));
            return None;
        }
        span = Some(span.map_or((start, end), |(a, b)| (a.min(start), b.max(end))));
    }
    span
}

fn check_categories(categories: &[CategoryInput], errors: &mut FieldErrors) {
    if categories.len() > MAX_CATEGORIES {
        errors.add("categories", FieldError::Malformed(format!("at most {MAX_CATEGORIES}")));
        return;
    }
    let mut names = std::collections::HashSet::new();
    for (i, c) in categories.iter().enumerate() {
        let n = i + 1;
        let name = c.name.trim();
        let problem = if name.is_empty() || name.chars().count() > 80 {
            Some("a name of 1 to 80 characters")
        } else if !names.insert(name.to_lowercase()) {
            Some("two categories with the same name")
        } else if c.price_cents < 0 {
            Some("price_cents must not be negative")
        } else if !(0..=10_000).contains(&c.vat_bp) {
            Some("vat_bp between 0 and 10000")
        } else if c.quota.is_some_and(|q| q < 0) {
            Some("quota must not be negative")
        } else {
            None
        };
        if let Some(p) = problem {
            errors.add("categories", FieldError::Malformed(format!("category {n}: {p}")));
            return;
        }
    }
}

fn check_questions(questions: &[QuestionInput], errors: &mut FieldErrors) {
    if questions.len() > MAX_QUESTIONS {
        errors.add("questions", FieldError::Malformed(format!("at most {MAX_QUESTIONS}")));
        return;
    }
    for (i, q) in questions.iter().enumerate() {
        let n = i + 1;
        let kind = QuestionKind::parse(&q.kind);
        let choices: Vec<&str> = q.choices.iter().map(|c| c.trim()).collect();
        let problem = if q.text.trim().is_empty() || q.text.trim().chars().count() > 500 {
            Some("a text of 1 to 500 characters")
        } else if kind.is_none() {
            Some("kind is text, choice or yes_no")
        } else if kind == Some(QuestionKind::Choice)
            && (choices.len() < 2
                || choices.len() > 50
                || choices.iter().any(|c| c.is_empty() || c.contains('\n') || c.chars().count() > 200))
        {
            Some("a choice question needs 2 to 50 choices of one line each")
        } else if kind != Some(QuestionKind::Choice) && !choices.is_empty() {
            Some("only a choice question has choices")
        } else {
            None
        };
        if let Some(p) = problem {
            errors.add("questions", FieldError::Malformed(format!("question {n}: {p}")));
            return;
        }
    }
}

/// Writes categories, sessions (one for the whole event when none is
/// given) and questions, in the event's creating transaction.
pub(crate) async fn store_programme(
    tx: &mut WriteTx,
    e: &Event,
    input: &crate::events::EventInput,
) -> Result<(), AppError> {
    for c in &input.categories {
        tx.insert_ticket_category(e.id, c.name.trim(), c.price_cents, c.vat_bp, c.quota).await?;
    }
    if input.sessions.is_empty() {
        tx.insert_event_session(e.id, e.starts_at, e.ends_at, &e.title).await?;
    }
    for s in &input.sessions {
        let (Some(start), Some(end)) = (s.starts_at, s.ends_at) else { continue };
        let title = s.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&e.title);
        tx.insert_event_session(e.id, to_micros(start), to_micros(end), title).await?;
    }
    for (i, q) in input.questions.iter().enumerate() {
        let choices: Vec<String> = q.choices.iter().map(|c| c.trim().to_owned()).collect();
        tx.insert_question(e.id, i64::try_from(i).unwrap_or(i64::MAX), q.text.trim(), &q.kind, q.required, &choices)
            .await?;
    }
    Ok(())
}

/// The category a registration takes: the one asked for, or the only one.
pub(crate) async fn pick_category(
    app: &App,
    event: &Event,
    asked: Option<i64>,
    errors: &mut FieldErrors,
) -> Result<Option<TicketCategory>, AppError> {
    let categories = app.store.ticket_categories(event.id).await?;
    Ok(match asked {
        Some(id) => {
            let found = categories.into_iter().find(|c| c.id == id);
            if found.is_none() {
                errors.add("category_id", FieldError::Malformed("not a category of this event".into()));
            }
            found
        }
        None if categories.len() <= 1 => categories.into_iter().next(),
        None => {
            errors.add("category_id", FieldError::Required);
            None
        }
    })
}

/// The answers to store, or an error naming each question answered wrongly.
pub(crate) async fn check_registration_answers(
    app: &App,
    event: &Event,
    answers: &HashMap<i64, String>,
    errors: &mut FieldErrors,
) -> Result<Vec<(i64, String)>, AppError> {
    let questions = app.store.questions_of(event.id).await?;
    match check_questions_answers(&questions, answers) {
        Ok(keep) => Ok(keep),
        Err(problems) => {
            let named: Vec<String> = problems
                .iter()
                .map(|(id, p)| {
                    let text = questions.iter().find(|q| q.id == *id).map_or("?", |q| q.text.as_str());
                    let why = match p {
                        AnswerProblem::Missing => "required",
                        AnswerProblem::TooLong => "too long",
                        AnswerProblem::NotAChoice => "not one of the choices",
                        AnswerProblem::UnknownQuestion => "not a question of this event",
                    };
                    format!("question {id} \u{ab} {text} \u{bb}: {why}")
                })
                .collect();
            errors.add("answers", FieldError::Malformed(named.join("; ")));
            Ok(Vec::new())
        }
    }
}

/// The domain check over stored questions (pages use it to put each
/// message beside its question).
pub fn check_questions_answers(questions: &[Question], answers: &HashMap<i64, String>) -> CheckedAnswers {
    let rules: Vec<QuestionRule<'_>> = questions
        .iter()
        .map(|q| QuestionRule {
            id: q.id,
            kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
            required: q.required,
            choices: &q.choices,
        })
        .collect();
    check_answers(&rules, answers)
}

/// One participant's attendance, for the manager.
#[derive(Debug, Clone)]
pub struct ParticipantAttendance {
    pub registration: Registration,
    /// Sessions marked present.
    pub attended: usize,
    pub total: usize,
    /// (session id, present) for each session marked.
    pub marks: Vec<(i64, bool)>,
}

fn manage(actor: &Actor, event: &Event) -> Result<(), AppError> {
    authorize(actor, Action::EditPlace, On::Place(event.place_id.unwrap_or(0)))?;
    Ok(())
}

/// The event, for its manager's pages.
pub async fn managed_event(app: &App, actor: &Actor, event_id: i64) -> Result<Event, AppError> {
    let event = app.store.event(event_id).await?;
    manage(actor, &event)?;
    Ok(event)
}

/// Attendance of every confirmed participant, sessions attended out of all.
pub async fn attendance_summary(
    app: &App,
    actor: &Actor,
    event_id: i64,
) -> Result<(Vec<Session>, Vec<ParticipantAttendance>), AppError> {
    let event = app.store.event(event_id).await?;
    manage(actor, &event)?;
    let sessions = app.store.event_sessions(event_id).await?;
    let marks = app.store.attendance_of_event(event_id).await?;
    let mut by_registration: HashMap<i64, Vec<&Attendance>> = HashMap::new();
    for m in &marks {
        by_registration.entry(m.registration_id).or_default().push(m);
    }
    let people = app
        .store
        .registrations_of(event_id)
        .await?
        .into_iter()
        .filter(|r| r.status == "confirmed")
        .map(|r| {
            let mine = by_registration.get(&r.id).map(Vec::as_slice).unwrap_or_default();
            ParticipantAttendance {
                attended: mine.iter().filter(|m| m.present).count(),
                total: sessions.len(),
                marks: mine.iter().map(|m| (m.session_id, m.present)).collect(),
                registration: r,
            }
        })
        .collect();
    Ok((sessions, people))
}

/// The place's manager marks a participant present or absent at a session.
pub async fn mark_attendance(
    app: &App,
    actor: &Actor,
    registration_id: i64,
    session_id: i64,
    present: bool,
) -> Result<(), AppError> {
    let r = app.store.registration(registration_id).await?;
    let event = app.store.event(r.event_id).await?;
    manage(actor, &event)?;
    let session = app.store.event_session(session_id).await?;
    if session.event_id != event.id {
        return Err(AppError::NotFound);
    }
    if r.status != "confirmed" {
        return Err(AppError::Conflict(format!("the registration is {}, not confirmed", r.status)));
    }
    let mut tx = app.store.write().await?;
    tx.mark_attendance(r.id, session.id, present, actor.user_id()).await?;
    let trained = present && grant_if_trained(app, &mut tx, actor, &event, &r).await?;
    tx.audit(AuditEvent::new(actor.audit_actor(), "attendance.mark", "registration", r.id).with_summary(format!(
        "session {}: {}{}",
        session.id,
        if present { "present" } else { "absent" },
        if trained { ", training granted" } else { "" }
    )))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Attending every session of an event that grants a training grants it to
/// the registration's account, at the event's place, in the same write as
/// the attendance. True when it did (again: granting is idempotent). Only
/// for someone registered under their own name: a child registered by a
/// parent has no account of their own, and the parent did not attend; the
/// manager grants theirs by hand.
async fn grant_if_trained(
    app: &App,
    tx: &mut WriteTx,
    actor: &Actor,
    event: &Event,
    r: &Registration,
) -> Result<bool, AppError> {
    let (Some(training), Some(place), Some(user)) = (&event.grants_training, event.place_id, r.user_id) else {
        return Ok(false);
    };
    if app.store.user(user).await?.display_name != r.participant {
        return Ok(false);
    }
    if tx.sessions_not_attended(event.id, r.id).await? > 0 {
        return Ok(false);
    }
    tx.grant_training(user, place, training, actor.user_id()).await?;
    Ok(true)
}

/// A check-in: who, for which session, and whether they had already been.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub registration: Registration,
    pub event: Event,
    pub session: Session,
    pub already: bool,
}

/// Accepts the code itself or a scanned link ending in `/controle/{code}`.
pub fn code_from(scanned: &str) -> &str {
    let s = scanned.trim().trim_end_matches('/');
    s.rsplit('/').next().unwrap_or(s)
}

/// What a code stands for, and the session a check-in would count for —
/// for the manager only: the code alone says nothing to others.
pub async fn checkin_subject(
    app: &App,
    actor: &Actor,
    event_id: Option<i64>,
    code: &str,
) -> Result<(Registration, Event, Option<Session>), AppError> {
    let code = code_from(code);
    if code.is_empty() || code.len() > 100 {
        return Err(AppError::NotFound);
    }
    let r = app.store.registration_by_code(code).await?;
    let event = app.store.event(r.event_id).await?;
    manage(actor, &event)?;
    if event_id.is_some_and(|id| id != event.id) {
        return Err(AppError::NotFound);
    }
    let sessions = app.store.event_sessions(event.id).await?;
    let spans: Vec<(i64, i64, i64)> = sessions.iter().map(|s| (s.id, s.starts_at, s.ends_at)).collect();
    let session = session_for_checkin(&spans, now_micros()).and_then(|id| sessions.into_iter().find(|s| s.id == id));
    Ok((r, event, session))
}

/// The manager checks a participant in by their ticket's code: present at
/// the session under way, or the next one.
pub async fn check_in(app: &App, actor: &Actor, event_id: Option<i64>, code: &str) -> Result<CheckIn, AppError> {
    let (r, event, session) = checkin_subject(app, actor, event_id, code).await?;
    if r.status != "confirmed" {
        return Err(AppError::Conflict(format!("the registration is {}, not confirmed", r.status)));
    }
    let Some(session) = session else {
        return Err(AppError::Conflict("every session of the event is over".into()));
    };
    let already = app
        .store
        .attendance_of_event(event.id)
        .await?
        .iter()
        .any(|a| a.registration_id == r.id && a.session_id == session.id && a.present);
    if !already {
        let mut tx = app.store.write().await?;
        tx.mark_attendance(r.id, session.id, true, actor.user_id()).await?;
        let trained = grant_if_trained(app, &mut tx, actor, &event, &r).await?;
        tx.audit(
            AuditEvent::new(actor.audit_actor(), "attendance.check_in", "registration", r.id).with_summary(format!(
                "session {}{}",
                session.id,
                if trained { ", training granted" } else { "" }
            )),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(CheckIn { registration: r, event, session, already })
}

/// Questions and every registration's answers, for the manager.
pub async fn answers(
    app: &App,
    actor: &Actor,
    event_id: i64,
) -> Result<(Vec<Question>, Vec<(Registration, HashMap<i64, String>)>), AppError> {
    let event = app.store.event(event_id).await?;
    manage(actor, &event)?;
    let questions = app.store.questions_of(event_id).await?;
    let mut by_registration: HashMap<i64, HashMap<i64, String>> = HashMap::new();
    for (r, q, a) in app.store.answers_of_event(event_id).await? {
        by_registration.entry(r).or_default().insert(q, a);
    }
    let out = app
        .store
        .registrations_of(event_id)
        .await?
        .into_iter()
        .filter(|r| r.status != "cancelled")
        .map(|r| {
            let a = by_registration.remove(&r.id).unwrap_or_default();
            (r, a)
        })
        .collect();
    Ok((questions, out))
}

/// How long before a session its reminder goes.
pub const REMINDER_AHEAD_HOURS: i64 = 24;

/// Mails every confirmed participant whose session starts within the next
/// 24 hours, once per session; the job worker runs it every few minutes.
pub async fn send_reminders(app: &App) -> Result<usize, AppError> {
    let now = now_micros();
    let due = app.store.due_reminders(now, now + REMINDER_AHEAD_HOURS * 3_600_000_000).await?;
    let mut sent = 0;
    let mut events: HashMap<i64, Event> = HashMap::new();
    for d in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(d.event_id) {
            slot.insert(app.store.event(d.event_id).await?);
        }
        let event = &events[&d.event_id];
        let session = app.store.event_session(d.session_id).await?;
        let user = app.store.user(d.user_id).await?;
        let mut tx = app.store.write().await?;
        if !tx.claim_reminder(d.registration_id, d.session_id).await? {
            tx.rollback().await?;
            continue;
        }
        if let Some(email) = user.email.as_deref() {
            let lang = Lang::parse(&user.locale).unwrap_or(Lang::Fr);
            let t = lang.messages();
            let when = format_datetime(lang, from_micros(session.starts_at));
            let what = if session.title == event.title {
                event.title.clone()
            } else {
                format!("{} \u{2013} {}", event.title, session.title)
            };
            let subject = fill(t.mail_reminder_subject, &[&what]);
            let body = crate::mail::signed(lang, fill(t.mail_reminder_body, &[&d.participant, &what, &when]));
            tx.enqueue_mail(Some(d.user_id), email, &subject, &body).await?;
        }
        tx.audit(
            AuditEvent::new(AuditActor::System, "registration.remind", "registration", d.registration_id)
                .with_summary(format!("session {}", d.session_id)),
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
