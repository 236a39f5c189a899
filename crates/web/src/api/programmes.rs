//! What an event carries as a programme (categories, sessions, questions),
//! and the manager's side of it: attendance per session, the answers to the
//! questionnaire, check-in by a ticket's code.

use std::collections::HashMap;

use app::programmes::{
    CategoryInput, QuestionInput, SessionInput, answers, attendance_summary, check_in, mark_attendance,
};
use axum::Json as JsonResponse;
use axum::extract::State;
use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use serde::{Deserialize, Serialize};
use store::from_micros;
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategoryDoc {
    /// E.g. « Plein tarif », « Moins de 26 ans ».
    pub name: String,
    /// Price including VAT, in cents; 0 for free.
    pub price_cents: i64,
    /// VAT rate in basis points (2000 = 20 %).
    #[serde(default)]
    pub vat_bp: i64,
    /// At most this many seats for the category, within the event's capacity.
    pub quota: Option<i64>,
}

impl From<NewCategoryDoc> for CategoryInput {
    fn from(c: NewCategoryDoc) -> Self {
        CategoryInput { name: c.name, price_cents: c.price_cents, vat_bp: c.vat_bp, quota: c.quota }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSessionDoc {
    /// The event's title when left out.
    pub title: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<NewSessionDoc> for SessionInput {
    fn from(s: NewSessionDoc) -> Self {
        SessionInput { title: s.title, starts_at: Some(s.starts_at), ends_at: Some(s.ends_at) }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestionDoc {
    pub text: String,
    /// text, choice or yes_no.
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    /// The accepted answers of a choice question.
    #[serde(default)]
    pub choices: Vec<String>,
}

impl From<NewQuestionDoc> for QuestionInput {
    fn from(q: NewQuestionDoc) -> Self {
        QuestionInput { text: q.text, kind: q.kind, required: q.required, choices: q.choices }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryDoc {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub vat_bp: i64,
    pub quota: Option<i64>,
    /// Seats held in this category.
    pub seats_held: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SessionDoc {
    pub id: i64,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<store::programmes::Session> for SessionDoc {
    fn from(s: store::programmes::Session) -> Self {
        SessionDoc { id: s.id, title: s.title, starts_at: from_micros(s.starts_at), ends_at: from_micros(s.ends_at) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuestionDoc {
    pub id: i64,
    pub text: String,
    pub kind: String,
    pub required: bool,
    pub choices: Vec<String>,
}

#[derive(Default)]
pub struct ProgrammeDocs {
    pub categories: Vec<CategoryDoc>,
    pub sessions: Vec<SessionDoc>,
    pub questions: Vec<QuestionDoc>,
}

pub async fn programme_docs(state: &AppState, event_id: i64) -> ApiResult<ProgrammeDocs> {
    let store = &state.app.store;
    let counts: HashMap<i64, i64> = store.category_counts(event_id).await?.into_iter().collect();
    let categories = store
        .ticket_categories(event_id)
        .await?
        .into_iter()
        .map(|c| CategoryDoc {
            seats_held: counts.get(&c.id).copied().unwrap_or(0),
            id: c.id,
            name: c.name,
            price_cents: c.price_cents,
            vat_bp: c.vat_bp,
            quota: c.quota,
        })
        .collect();
    let sessions = store.event_sessions(event_id).await?.into_iter().map(SessionDoc::from).collect();
    let questions = store
        .questions_of(event_id)
        .await?
        .into_iter()
        .map(|q| QuestionDoc { id: q.id, text: q.text, kind: q.kind, required: q.required, choices: q.choices })
        .collect();
    Ok(ProgrammeDocs { categories, sessions, questions })
}

/// JSON object keys are strings: question ids arrive as "12".
pub fn answers_by_id(answers: HashMap<String, String>) -> Result<HashMap<i64, String>, app::AppError> {
    let mut out = HashMap::new();
    for (k, v) in answers {
        let Ok(id) = k.trim().parse::<i64>() else {
            let mut e = app::FieldErrors::default();
            e.add("answers", FieldError::Malformed(format!("{k:?} is not a question id")));
            return Err(app::AppError::Invalid(e));
        };
        out.insert(id, v);
    }
    Ok(out)
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantAttendanceDoc {
    pub registration_id: i64,
    pub participant: String,
    /// Sessions marked present.
    pub attended: usize,
    /// Sessions of the event.
    pub total: usize,
    /// Session ids marked present.
    pub present_at: Vec<i64>,
    /// Session ids marked absent.
    pub absent_at: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceDoc {
    pub sessions: Vec<SessionDoc>,
    /// Each confirmed participant, in order of registration.
    pub participants: Vec<ParticipantAttendanceDoc>,
}

/// Attendance per confirmed participant: sessions attended out of all (the place's team).
#[utoipa::path(get, path = "/events/{id}/attendance", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, body = AttendanceDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn attendance(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<AttendanceDoc>> {
    let (sessions, people) = attendance_summary(&state.app, &caller.actor(), id).await?;
    Ok(JsonResponse(AttendanceDoc {
        sessions: sessions.into_iter().map(SessionDoc::from).collect(),
        participants: people
            .into_iter()
            .map(|p| ParticipantAttendanceDoc {
                registration_id: p.registration.id,
                participant: p.registration.participant,
                attended: p.attended,
                total: p.total,
                present_at: p.marks.iter().filter(|m| m.1).map(|m| m.0).collect(),
                absent_at: p.marks.iter().filter(|m| !m.1).map(|m| m.0).collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkDoc {
    pub present: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedDoc {
    pub registration_id: i64,
    pub session_id: i64,
    pub present: bool,
}

/// Marks a confirmed participant present or absent at one session (the place's team).
#[utoipa::path(put, path = "/registrations/{id}/attendance/{session_id}", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Registration id"), ("session_id" = i64, Path, description = "Session id")),
    request_body = MarkDoc,
    responses((status = 200, body = MarkedDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, session_id)): Path<(i64, i64)>,
    Json(body): Json<MarkDoc>,
) -> ApiResult<JsonResponse<MarkedDoc>> {
    mark_attendance(&state.app, &caller.actor(), id, session_id, body.present).await?;
    Ok(JsonResponse(MarkedDoc { registration_id: id, session_id, present: body.present }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInDoc {
    /// The ticket's code, or the link its QR code carries.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct CheckedInDoc {
    pub registration_id: i64,
    pub participant: String,
    /// The session under way, or the next one.
    pub session: SessionDoc,
    /// True when already checked in for that session.
    pub already: bool,
}

/// Checks a confirmed participant in by their ticket's code: present at the
/// session under way or the next one (the place's team).
#[utoipa::path(post, path = "/events/{id}/check-in", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Event id")), request_body = CheckInDoc,
    responses((status = 200, body = CheckedInDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in_by_code(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<CheckInDoc>,
) -> ApiResult<JsonResponse<CheckedInDoc>> {
    let c = check_in(&state.app, &caller.actor(), Some(id), &body.code).await?;
    Ok(JsonResponse(CheckedInDoc {
        registration_id: c.registration.id,
        participant: c.registration.participant,
        session: c.session.into(),
        already: c.already,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AnswersDoc {
    pub questions: Vec<QuestionDoc>,
    pub registrations: Vec<RegistrationAnswersDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationAnswersDoc {
    pub registration_id: i64,
    pub participant: String,
    pub status: String,
    /// Question id → answer.
    pub answers: HashMap<String, String>,
}

/// The questionnaire's answers of every live registration (the place's team).
#[utoipa::path(get, path = "/events/{id}/answers", tag = "operations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, body = AnswersDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn list_answers(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<AnswersDoc>> {
    let (questions, regs) = answers(&state.app, &caller.actor(), id).await?;
    Ok(JsonResponse(AnswersDoc {
        questions: questions
            .into_iter()
            .map(|q| QuestionDoc { id: q.id, text: q.text, kind: q.kind, required: q.required, choices: q.choices })
            .collect(),
        registrations: regs
            .into_iter()
            .map(|(r, a)| RegistrationAnswersDoc {
                registration_id: r.id,
                participant: r.participant,
                status: r.status,
                answers: a.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            })
            .collect(),
    }))
}
