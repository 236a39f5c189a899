//! What makes an event a programme: ticket categories sharing its capacity,
//! sessions with attendance, a questionnaire and its answers, check-in
//! codes and the reminders already sent. Seat counts per category are read
//! under the event's lock ([`WriteTx::lock_event`]) like the event's own.

use crate::events::{Registration, RegistrationRow, registration_columns, registration_from_row};
use crate::{Result, Store, StoreError, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCategory {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub price_cents: i64,
    pub vat_bp: i64,
    pub quota: Option<i64>,
}

type CategoryRow = (i64, i64, String, i64, i64, Option<i64>);

fn category((id, event_id, name, price_cents, vat_bp, quota): CategoryRow) -> TicketCategory {
    TicketCategory { id, event_id, name, price_cents, vat_bp, quota }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub event_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub title: String,
}

type SessionRow = (i64, i64, i64, i64, String);

fn session((id, event_id, starts_at, ends_at, title): SessionRow) -> Session {
    Session { id, event_id, starts_at, ends_at, title }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: i64,
    pub event_id: i64,
    pub text: String,
    /// text, choice or yes_no.
    pub kind: String,
    pub required: bool,
    pub choices: Vec<String>,
}

type QuestionRow = (i64, i64, String, String, i64, String);

fn question((id, event_id, text, kind, required, choices): QuestionRow) -> Question {
    Question {
        id,
        event_id,
        text,
        kind,
        required: required != 0,
        choices: choices.lines().filter(|c| !c.is_empty()).map(str::to_owned).collect(),
    }
}

/// One mark of attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    pub registration_id: i64,
    pub session_id: i64,
    pub present: bool,
}

/// A reminder to send: the session, and whom to tell.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub registration_id: i64,
    pub session_id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub participant: String,
}

impl WriteTx {
    pub async fn insert_ticket_category(
        &mut self,
        event_id: i64,
        name: &str,
        price_cents: i64,
        vat_bp: i64,
        quota: Option<i64>,
    ) -> Result<TicketCategory> {
        let row: CategoryRow = sqlx::query_as(
            "INSERT INTO ticket_categories (event_id, name, price_cents, vat_bp, quota) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, event_id, name, price_cents, vat_bp, quota",
        )
        .bind(event_id)
        .bind(name)
        .bind(price_cents)
        .bind(vat_bp)
        .bind(quota)
        .fetch_one(self.conn())
        .await?;
        Ok(category(row))
    }

    pub async fn insert_event_session(
        &mut self,
        event_id: i64,
        starts_at: i64,
        ends_at: i64,
        title: &str,
    ) -> Result<Session> {
        let row: SessionRow = sqlx::query_as(
            "INSERT INTO event_sessions (event_id, starts_at, ends_at, title) VALUES ($1, $2, $3, $4) \
             RETURNING id, event_id, starts_at, ends_at, title",
        )
        .bind(event_id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(title)
        .fetch_one(self.conn())
        .await?;
        Ok(session(row))
    }

    pub async fn insert_question(
        &mut self,
        event_id: i64,
        position: i64,
        text: &str,
        kind: &str,
        required: bool,
        choices: &[String],
    ) -> Result<Question> {
        let row: QuestionRow = sqlx::query_as(
            "INSERT INTO event_questions (event_id, position, text, kind, required, choices) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, event_id, text, kind, required, choices",
        )
        .bind(event_id)
        .bind(position)
        .bind(text)
        .bind(kind)
        .bind(i64::from(required))
        .bind(choices.join("\n"))
        .fetch_one(self.conn())
        .await?;
        Ok(question(row))
    }

    pub async fn insert_answer(&mut self, registration_id: i64, question_id: i64, answer: &str) -> Result<()> {
        sqlx::query("INSERT INTO registration_answers (registration_id, question_id, answer) VALUES ($1, $2, $3)")
            .bind(registration_id)
            .bind(question_id)
            .bind(answer)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Seats held in one category. Call under [`Self::lock_event`].
    pub async fn category_seats_held(&mut self, category_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM registrations WHERE category_id = $1 AND status IN ('confirmed', 'consent', 'offered')",
        )
        .bind(category_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    pub async fn categories_in_tx(&mut self, event_id: i64) -> Result<Vec<TicketCategory>> {
        let rows: Vec<CategoryRow> = sqlx::query_as(
            "SELECT id, event_id, name, price_cents, vat_bp, quota FROM ticket_categories WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(category).collect())
    }

    /// Marks presence (or absence) at a session; a second mark replaces the first.
    pub async fn mark_attendance(
        &mut self,
        registration_id: i64,
        session_id: i64,
        present: bool,
        marked_by: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO attendance (registration_id, session_id, present, marked_by, marked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (registration_id, session_id) DO UPDATE SET \
             present = excluded.present, marked_by = excluded.marked_by, marked_at = excluded.marked_at",
        )
        .bind(registration_id)
        .bind(session_id)
        .bind(i64::from(present))
        .bind(marked_by)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sessions of the event the registration was not marked present at.
    pub async fn sessions_not_attended(&mut self, event_id: i64, registration_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM event_sessions s WHERE s.event_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM attendance a WHERE a.registration_id = $2 AND a.session_id = s.id AND a.present = 1)",
        )
        .bind(event_id)
        .bind(registration_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Records that the reminder of this session went to this registration;
    /// false when it already had (another worker, an earlier run).
    pub async fn claim_reminder(&mut self, registration_id: i64, session_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO session_reminders (registration_id, session_id, sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (registration_id, session_id) DO NOTHING",
        )
        .bind(registration_id)
        .bind(session_id)
        .bind(now_micros())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    pub async fn ticket_categories(&self, event_id: i64) -> Result<Vec<TicketCategory>> {
        let rows: Vec<CategoryRow> = sqlx::query_as(
            "SELECT id, event_id, name, price_cents, vat_bp, quota FROM ticket_categories WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(category).collect())
    }

    /// (category id, seats held) for each category of an event.
    pub async fn category_counts(&self, event_id: i64) -> Result<Vec<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT c.id, (SELECT COUNT(*) FROM registrations r WHERE r.category_id = c.id \
             AND r.status IN ('confirmed', 'consent', 'offered')) FROM ticket_categories c WHERE c.event_id = $1 \
             ORDER BY c.id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// An event's sessions, by start.
    pub async fn event_sessions(&self, event_id: i64) -> Result<Vec<Session>> {
        let rows: Vec<SessionRow> = sqlx::query_as(
            "SELECT id, event_id, starts_at, ends_at, title FROM event_sessions WHERE event_id = $1 \
             ORDER BY starts_at, id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(session).collect())
    }

    pub async fn event_session(&self, id: i64) -> Result<Session> {
        let row: Option<SessionRow> =
            sqlx::query_as("SELECT id, event_id, starts_at, ends_at, title FROM event_sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        row.map(session).ok_or(StoreError::NotFound)
    }

    /// An event's questionnaire, in order.
    pub async fn questions_of(&self, event_id: i64) -> Result<Vec<Question>> {
        let rows: Vec<QuestionRow> = sqlx::query_as(
            "SELECT id, event_id, text, kind, required, choices FROM event_questions WHERE event_id = $1 \
             ORDER BY position, id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(question).collect())
    }

    /// (registration id, question id, answer) of every registration of an event.
    pub async fn answers_of_event(&self, event_id: i64) -> Result<Vec<(i64, i64, String)>> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT a.registration_id, a.question_id, a.answer FROM registration_answers a \
             JOIN registrations r ON r.id = a.registration_id WHERE r.event_id = $1 ORDER BY a.registration_id, a.question_id",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Every mark of attendance at an event's sessions.
    pub async fn attendance_of_event(&self, event_id: i64) -> Result<Vec<Attendance>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT a.registration_id, a.session_id, a.present FROM attendance a \
             JOIN event_sessions s ON s.id = a.session_id WHERE s.event_id = $1 ORDER BY a.registration_id, s.starts_at",
        )
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(registration_id, session_id, present)| Attendance {
                registration_id,
                session_id,
                present: present != 0,
            })
            .collect())
    }

    pub async fn registration_by_code(&self, code: &str) -> Result<Registration> {
        let row: Option<RegistrationRow> =
            sqlx::query_as(concat!("SELECT ", registration_columns!(), " FROM registrations WHERE checkin_code = $1"))
                .bind(code)
                .fetch_optional(self.pool())
                .await?;
        row.map(registration_from_row).ok_or(StoreError::NotFound)
    }

    /// Confirmed registrations to sessions starting in `(now, until]` that
    /// have not been reminded of that session yet, for people with an account.
    pub async fn due_reminders(&self, now: i64, until: i64) -> Result<Vec<DueReminder>> {
        let rows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT r.id, s.id, s.event_id, r.user_id, r.participant FROM event_sessions s \
             JOIN registrations r ON r.event_id = s.event_id AND r.status = 'confirmed' AND r.user_id IS NOT NULL \
             WHERE s.starts_at > $1 AND s.starts_at <= $2 AND NOT EXISTS (SELECT 1 FROM session_reminders m \
             WHERE m.registration_id = r.id AND m.session_id = s.id) ORDER BY s.starts_at, r.id LIMIT 500",
        )
        .bind(now)
        .bind(until)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(registration_id, session_id, event_id, user_id, participant)| DueReminder {
                registration_id,
                session_id,
                event_id,
                user_id,
                participant,
            })
            .collect())
    }
}
