//! Events and their registrations. Seats are counted and given under a
//! lock on the event row ([`WriteTx::lock_event`]): registrations,
//! cancellations and promotions of one event run one after the other.

use crate::{Result, Store, StoreError, WriteTx, now_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub place_id: Option<i64>,
    pub title: String,
    pub kind: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub hold_minutes: i64,
    pub created_at: i64,
    pub online: bool,
    pub language: Option<String>,
    pub accessibility: Option<String>,
    pub description: Option<String>,
    /// The training attending every session grants (a machine may require it).
    pub grants_training: Option<String>,
}

type EventRow = (
    i64,
    Option<i64>,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

macro_rules! event_columns {
    () => {
        "id, place_id, title, kind, starts_at, ends_at, capacity, min_age, max_age, hold_minutes, created_at, \
         online, language, accessibility, description, grants_training"
    };
}

fn event(r: EventRow) -> Event {
    Event {
        id: r.0,
        place_id: r.1,
        title: r.2,
        kind: r.3,
        starts_at: r.4,
        ends_at: r.5,
        capacity: r.6,
        min_age: r.7,
        max_age: r.8,
        hold_minutes: r.9,
        created_at: r.10,
        online: r.11 != 0,
        language: r.12,
        accessibility: r.13,
        description: r.14,
        grants_training: r.15,
    }
}

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub place_id: Option<i64>,
    pub title: &'a str,
    pub kind: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub hold_minutes: i64,
    pub created_by: Option<i64>,
    pub online: bool,
    pub language: Option<&'a str>,
    pub accessibility: Option<&'a str>,
    pub description: Option<&'a str>,
    pub grants_training: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub user_id: Option<i64>,
    pub participant: String,
    pub birth_date: Option<String>,
    pub guardian_email: Option<String>,
    pub status: String,
    pub offered_until: Option<i64>,
    pub created_at: i64,
    pub category_id: Option<i64>,
    /// What the ticket's QR code carries; unguessable.
    pub checkin_code: Option<String>,
}

pub(crate) type RegistrationRow = (
    i64,
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    i64,
    Option<i64>,
    Option<String>,
);

macro_rules! registration_columns {
    () => {
        "id, event_id, user_id, participant, birth_date, guardian_email, status, offered_until, created_at, \
         category_id, checkin_code"
    };
}

pub(crate) use registration_columns;

pub(crate) fn registration_from_row(r: RegistrationRow) -> Registration {
    registration(r)
}

fn registration(r: RegistrationRow) -> Registration {
    Registration {
        id: r.0,
        event_id: r.1,
        user_id: r.2,
        participant: r.3,
        birth_date: r.4,
        guardian_email: r.5,
        status: r.6,
        offered_until: r.7,
        created_at: r.8,
        category_id: r.9,
        checkin_code: r.10,
    }
}

/// A registration to write: who, and where it stands.
#[derive(Debug, Clone)]
pub struct NewRegistration<'a> {
    pub event_id: i64,
    pub user_id: Option<i64>,
    pub participant: &'a str,
    pub birth_date: Option<&'a str>,
    pub guardian_email: Option<&'a str>,
    pub status: &'a str,
    pub holds_seat: bool,
    pub category_id: Option<i64>,
    pub checkin_code: &'a str,
}

impl WriteTx {
    pub async fn create_event(&mut self, e: NewEvent<'_>) -> Result<Event> {
        let row: EventRow = sqlx::query_as(concat!(
            "INSERT INTO events (place_id, title, kind, starts_at, ends_at, capacity, min_age, max_age, \
             hold_minutes, created_by, created_at, online, language, accessibility, description, grants_training) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ",
            event_columns!()
        ))
        .bind(e.place_id)
        .bind(e.title)
        .bind(e.kind)
        .bind(e.starts_at)
        .bind(e.ends_at)
        .bind(e.capacity)
        .bind(e.min_age)
        .bind(e.max_age)
        .bind(e.hold_minutes)
        .bind(e.created_by)
        .bind(now_micros())
        .bind(i64::from(e.online))
        .bind(e.language)
        .bind(e.accessibility)
        .bind(e.description)
        .bind(e.grants_training)
        .fetch_one(self.conn())
        .await?;
        Ok(event(row))
    }

    /// Locks the event until commit (PostgreSQL row lock; SQLite already
    /// has a single writer) and returns it as it stands.
    pub async fn lock_event(&mut self, id: i64) -> Result<Event> {
        let sql = if self.is_postgres() {
            concat!("SELECT ", event_columns!(), " FROM events WHERE id = $1 FOR UPDATE")
        } else {
            concat!("SELECT ", event_columns!(), " FROM events WHERE id = $1")
        };
        let row: Option<EventRow> = sqlx::query_as(sql).bind(id).fetch_optional(self.conn()).await?;
        row.map(event).ok_or(StoreError::NotFound)
    }

    /// Seats held now. Call under [`Self::lock_event`]. Counted by status,
    /// which the index reaches directly, so the waitlist's length does not
    /// slow each registration down (`seat` is 1 exactly for these statuses).
    pub async fn seats_held(&mut self, event_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status IN ('confirmed', 'consent', 'offered')",
        )
        .bind(event_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Whether this participant already has a live registration (not cancelled).
    pub async fn already_registered(&mut self, event_id: i64, user_id: Option<i64>, participant: &str) -> Result<bool> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND user_id = $2 AND participant = $3 \
             AND status <> 'cancelled'",
        )
        .bind(event_id)
        .bind(user_id)
        .bind(participant)
        .fetch_one(self.conn())
        .await?;
        Ok(n > 0)
    }

    pub async fn insert_registration(&mut self, r: NewRegistration<'_>) -> Result<Registration> {
        let now = now_micros();
        let row: RegistrationRow = sqlx::query_as(concat!(
            "INSERT INTO registrations (event_id, user_id, participant, birth_date, guardian_email, status, seat, \
             created_at, updated_at, category_id, checkin_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) \
             RETURNING ",
            registration_columns!()
        ))
        .bind(r.event_id)
        .bind(r.user_id)
        .bind(r.participant)
        .bind(r.birth_date)
        .bind(r.guardian_email)
        .bind(r.status)
        .bind(i64::from(r.holds_seat))
        .bind(now)
        .bind(r.category_id)
        .bind(r.checkin_code)
        .fetch_one(self.conn())
        .await?;
        Ok(registration(row))
    }

    pub async fn registration_in_tx(&mut self, id: i64) -> Result<Registration> {
        let row: RegistrationRow =
            sqlx::query_as(concat!("SELECT ", registration_columns!(), " FROM registrations WHERE id = $1"))
                .bind(id)
                .fetch_one(self.conn())
                .await?;
        Ok(registration(row))
    }

    /// Moves a registration to `status`; `offered_until` only for offers.
    pub async fn set_registration_status(
        &mut self,
        id: i64,
        status: &str,
        holds_seat: bool,
        offered_until: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE registrations SET status = $1, seat = $2, offered_until = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(i64::from(holds_seat))
        .bind(offered_until)
        .bind(now_micros())
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The first on the waitlist, in order of arrival, whose ticket
    /// category still has room under its quota (a freed seat of the event
    /// cannot go to a category already full).
    pub async fn next_waitlisted(&mut self, event_id: i64) -> Result<Option<Registration>> {
        let row: Option<RegistrationRow> = sqlx::query_as(concat!(
            "SELECT ",
            registration_columns!(),
            " FROM registrations r WHERE event_id = $1 AND status = 'waitlisted' AND (category_id IS NULL OR \
             NOT EXISTS (SELECT 1 FROM ticket_categories c WHERE c.id = r.category_id AND c.quota IS NOT NULL \
             AND c.quota <= (SELECT COUNT(*) FROM registrations h WHERE h.category_id = c.id \
             AND h.status IN ('confirmed', 'consent', 'offered')))) ORDER BY id LIMIT 1"
        ))
        .bind(event_id)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.map(registration))
    }

    /// 1 for the first on the waitlist, inside the transaction that placed it.
    pub async fn waitlist_position_in_tx(&mut self, event_id: i64, registration_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'waitlisted' AND id <= $2",
        )
        .bind(event_id)
        .bind(registration_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    /// Offers, and seats awaiting a guardian, whose hold ran out before `now`.
    pub async fn expired_offers(&mut self, event_id: i64, now: i64) -> Result<Vec<Registration>> {
        let rows: Vec<RegistrationRow> = sqlx::query_as(concat!(
            "SELECT ",
            registration_columns!(),
            " FROM registrations WHERE event_id = $1 AND status IN ('offered', 'consent') AND offered_until < $2 ORDER BY id"
        ))
        .bind(event_id)
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(registration).collect())
    }
}

impl Store {
    pub async fn event(&self, id: i64) -> Result<Event> {
        let row: EventRow = sqlx::query_as(concat!("SELECT ", event_columns!(), " FROM events WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(event(row))
    }

    pub async fn registration(&self, id: i64) -> Result<Registration> {
        let row: RegistrationRow =
            sqlx::query_as(concat!("SELECT ", registration_columns!(), " FROM registrations WHERE id = $1"))
                .bind(id)
                .fetch_one(self.pool())
                .await?;
        Ok(registration(row))
    }

    /// Every registration of an event, in order of arrival.
    pub async fn registrations_of(&self, event_id: i64) -> Result<Vec<Registration>> {
        let rows: Vec<RegistrationRow> = sqlx::query_as(concat!(
            "SELECT ",
            registration_columns!(),
            " FROM registrations WHERE event_id = $1 ORDER BY id"
        ))
        .bind(event_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(registration).collect())
    }

    /// (seats held, waitlisted) of an event.
    pub async fn event_counts(&self, event_id: i64) -> Result<(i64, i64)> {
        let row: (i64, i64) = sqlx::query_as(
            // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back.
            "SELECT CAST(COALESCE(SUM(seat), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM registrations WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row)
    }

    /// A place's events ending after `after`, by start.
    pub async fn events_of_place(&self, place_id: i64, after: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE place_id = $1 AND ends_at > $2 ORDER BY starts_at, id"
        ))
        .bind(place_id)
        .bind(after)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    /// Upcoming events of every place, soonest first.
    pub async fn upcoming_events(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            "SELECT ",
            event_columns!(),
            " FROM events WHERE ends_at > $1 ORDER BY starts_at, id LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(event).collect())
    }

    /// A person's live registrations (not cancelled) with their events.
    pub async fn registrations_of_user(&self, user_id: i64) -> Result<Vec<(Registration, Event)>> {
        let rows: Vec<RegistrationRow> = sqlx::query_as(concat!(
            "SELECT ",
            registration_columns!(),
            " FROM registrations WHERE user_id = $1 AND status <> 'cancelled' ORDER BY id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        // One query per distinct event, not per registration.
        let mut events: std::collections::HashMap<i64, Event> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for r in rows.into_iter().map(registration) {
            if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(r.event_id) {
                slot.insert(self.event(r.event_id).await?);
            }
            let e = events[&r.event_id].clone();
            out.push((r, e));
        }
        Ok(out)
    }

    /// Events holding an offer or a consent whose hold ran out before `now`.
    pub async fn events_with_lapsed_holds(&self, now: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT event_id FROM registrations WHERE status IN ('offered', 'consent') AND offered_until < $1",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
