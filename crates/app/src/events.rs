//! Events of a place and registrations to them.
//!
//! Every change to an event's seats (a registration, a cancellation, an
//! offer taken or expired) runs in one audited transaction holding the
//! event's lock: the seats held never exceed the capacity, the waitlist
//! keeps the order of arrival, and a freed seat is offered to the next
//! person for `hold_minutes`, then passed on.

use chrono::{DateTime, Utc};
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::audit::AuditEvent;
use domain::operations::programmes::has_room;
use domain::operations::registrations::{MAJORITY, RegistrationStatus as Status, age_on, on_arrival};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::events::{Event, NewEvent, NewRegistration, Registration};
use store::{WriteTx, now_micros, to_micros};

use store::one_time::Purpose;

use crate::secrets::{random_token, token_hash};
use crate::{App, AppError, FieldErrors, mail};

pub const EVENT_KINDS: &[&str] =
    &["workshop", "hackathon", "bootcamp", "conference", "training", "open-day", "exhibition", "open-data"];

#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: String,
    pub kind: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub hold_minutes: Option<i64>,
    pub online: bool,
    pub language: Option<String>,
    pub accessibility: Option<String>,
    pub description: Option<String>,
    /// Price categories, all sharing the capacity.
    pub categories: Vec<crate::programmes::CategoryInput>,
    /// A programme's sessions; the event then spans them.
    pub sessions: Vec<crate::programmes::SessionInput>,
    pub questions: Vec<crate::programmes::QuestionInput>,
    /// The training code attending it grants (e.g. `laser`), for the place's
    /// machines that require it.
    pub grants_training: Option<String>,
}

/// A place's manager (or the territory team) creates an event there.
pub async fn create_event(app: &App, actor: &Actor, place_id: i64, input: &EventInput) -> Result<Event, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    let title = input.title.trim();
    if title.is_empty() {
        errors.add("title", FieldError::Required);
    } else if title.chars().count() > 200 {
        errors.add("title", FieldError::TooLong { max: 200 });
    }
    if !EVENT_KINDS.contains(&input.kind.as_str()) {
        errors.add("kind", FieldError::Malformed(format!("one of {}", EVENT_KINDS.join(", "))));
    }
    let span = crate::programmes::check_programme(input, &mut errors);
    match span.map_or((input.starts_at, input.ends_at), |(s, e)| (Some(s), Some(e))) {
        (Some(s), Some(e)) if e <= s => errors.add("ends_at", FieldError::Malformed("must follow starts_at".into())),
        (Some(s), _) if s < Utc::now() => errors.add("starts_at", FieldError::Malformed("in the past".into())),
        (None, _) => errors.add("starts_at", FieldError::Required),
        (_, None) => errors.add("ends_at", FieldError::Required),
        _ => {}
    }
    if !(0..=100_000).contains(&input.capacity) {
        errors.add("capacity", FieldError::Malformed("between 0 and 100000".into()));
    }
    if let (Some(a), Some(b)) = (input.min_age, input.max_age)
        && a > b
    {
        errors.add("max_age", FieldError::Malformed("must not be below min_age".into()));
    }
    if input.hold_minutes.is_some_and(|h| !(1..=10_080).contains(&h)) {
        errors.add("hold_minutes", FieldError::Malformed("between 1 minute and a week".into()));
    }
    let grants_training = crate::programmes::trimmed(&input.grants_training);
    if grants_training.is_some_and(|t| !domain::operations::lifecycle::valid_training_code(t)) {
        errors.add("grants_training", FieldError::Malformed("lowercase letters, digits, - and _, at most 40".into()));
    }
    errors.into_result()?;
    let (Some(starts_at), Some(ends_at)) = span.map_or((input.starts_at, input.ends_at), |(s, e)| (Some(s), Some(e)))
    else {
        return Err(AppError::Internal("dates checked above".into()));
    };
    let mut tx = app.store.write().await?;
    let e = tx
        .create_event(NewEvent {
            place_id: Some(place_id),
            title,
            kind: &input.kind,
            starts_at: to_micros(starts_at),
            ends_at: to_micros(ends_at),
            capacity: input.capacity,
            min_age: input.min_age,
            max_age: input.max_age,
            hold_minutes: input.hold_minutes.unwrap_or(60),
            created_by: actor.user_id(),
            online: input.online,
            language: crate::programmes::trimmed(&input.language),
            accessibility: crate::programmes::trimmed(&input.accessibility),
            description: crate::programmes::trimmed(&input.description),
            grants_training,
        })
        .await?;
    crate::programmes::store_programme(&mut tx, &e, input).await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "event.create", "event", e.id)
            .with_summary(format!("{} with {} seats at place {place_id}", input.kind, input.capacity)),
    )
    .await?;
    tx.commit().await?;
    Ok(e)
}

/// Who registers: the person themself, or someone they register (a child).
#[derive(Debug, Clone, Default)]
pub struct RegistrationInput {
    /// The participant's name when registering someone else.
    pub participant: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    /// Required for a participant under 18: the consent link goes there.
    pub guardian_email: Option<String>,
    /// The ticket category; may be left out when the event has at most one.
    pub category_id: Option<i64>,
    /// Answers to the event's questionnaire, by question id.
    pub answers: std::collections::HashMap<i64, String>,
}

/// Registers; the answer says whether the seat is confirmed, awaits a
/// guardian's consent, or waits in line.
/// A registration and, when it waits, its place in line — computed before
/// commit, so that the answer never needs a query that could fail after
/// the registration is stored.
#[derive(Debug, Clone)]
pub struct Registered {
    pub registration: Registration,
    pub waitlist_position: Option<i64>,
}

pub async fn register(
    app: &App,
    actor: &Actor,
    event_id: i64,
    input: &RegistrationInput,
    display_name: &str,
) -> Result<Registered, AppError> {
    let event = app.store.event(event_id).await?;
    let place = event.place_id.ok_or(AppError::NotFound)?;
    authorize(actor, Action::Book, On::Place(place))?;
    let participant = input.participant.as_deref().map(str::trim).filter(|p| !p.is_empty()).unwrap_or(display_name);
    let day = store::from_micros(event.starts_at).date_naive();
    let age = input.birth_date.map(|b| i64::from(age_on(b, day)));
    let mut errors = FieldErrors::default();
    if participant.chars().count() > 120 {
        errors.add("participant", FieldError::TooLong { max: 120 });
    }
    if let Some(a) = age {
        if event.min_age.is_some_and(|min| a < min) || event.max_age.is_some_and(|max| a > max) {
            errors.add("birth_date", FieldError::Malformed("outside the event's age range".into()));
        }
    } else if event.min_age.is_some() || event.max_age.is_some() {
        errors.add("birth_date", FieldError::Required);
    }
    let minor = age.is_some_and(|a| a < i64::from(MAJORITY));
    let guardian = input.guardian_email.as_deref().map(str::trim).filter(|g| !g.is_empty());
    if minor {
        match guardian.map(domain::accounts::Email::parse) {
            None => errors.add("guardian_email", FieldError::Required),
            Some(Err(e)) => errors.add("guardian_email", e),
            Some(Ok(_)) => {}
        }
    }
    if event.ends_at < now_micros() {
        errors.add("event", FieldError::Malformed("the event is over".into()));
    }
    let category = crate::programmes::pick_category(app, &event, input.category_id, &mut errors).await?;
    let answers = crate::programmes::check_registration_answers(app, &event, &input.answers, &mut errors).await?;
    errors.into_result()?;
    let code = random_token();
    let (code, answers, category) = (code.as_str(), &answers, &category);
    let birth = input.birth_date.map(|b| b.to_string());
    let birth = birth.as_deref();
    with_event(app, event_id, |mut tx, event| async move {
        if tx.already_registered(event.id, actor.user_id(), participant).await? {
            return Err(AppError::Conflict("already registered for this event".into()));
        }
        let held = tx.seats_held(event.id).await?;
        let in_category = match &category {
            Some(c) if c.quota.is_some() => Some((tx.category_seats_held(c.id).await?, c.quota)),
            _ => None,
        };
        // A full category waits like a full event: `on_arrival` sees no room.
        let status =
            if has_room(held, event.capacity, in_category) { on_arrival(0, 1, minor) } else { Status::Waitlisted };
        let r = tx
            .insert_registration(NewRegistration {
                event_id: event.id,
                user_id: actor.user_id(),
                participant,
                birth_date: birth,
                guardian_email: if minor { guardian } else { None },
                status: status.as_str(),
                holds_seat: status.holds_seat(),
                category_id: category.as_ref().map(|c| c.id),
                checkin_code: code,
            })
            .await?;
        for (question, answer) in answers {
            tx.insert_answer(r.id, *question, answer).await?;
        }
        if status == Status::AwaitingConsent {
            ask_guardian(app, &mut tx, &event, &r, display_name).await?;
        }
        let waitlist_position =
            if status == Status::Waitlisted { Some(tx.waitlist_position_in_tx(event.id, r.id).await?) } else { None };
        tx.audit(
            AuditEvent::new(actor.audit_actor(), "registration.create", "registration", r.id).with_summary(format!(
                "event {}: {}",
                event.id,
                status.as_str()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(Registered { registration: r, waitlist_position })
    })
    .await
}

/// Cancels a registration; a freed seat goes to the next in line.
pub async fn cancel(app: &App, actor: &Actor, registration_id: i64) -> Result<Registration, AppError> {
    let r = app.store.registration(registration_id).await?;
    let event = app.store.event(r.event_id).await?;
    let own = r.user_id.is_some() && r.user_id == actor.user_id();
    if !own {
        authorize(actor, Action::EditPlace, On::Place(event.place_id.unwrap_or(0)))?;
    }
    with_event(app, event.id, |mut tx, event| async move {
        let r = tx.registration_in_tx(registration_id).await?;
        let status = Status::parse(&r.status).unwrap_or(Status::Cancelled);
        if status == Status::Cancelled {
            return Err(AppError::Conflict("already cancelled".into()));
        }
        tx.set_registration_status(r.id, Status::Cancelled.as_str(), false, None).await?;
        if status.holds_seat() {
            offer_freed_seats(&mut tx, &event).await?;
        }
        tx.audit(
            AuditEvent::new(actor.audit_actor(), "registration.cancel", "registration", r.id)
                .with_summary(format!("event {}", event.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(Registration { status: Status::Cancelled.as_str().to_owned(), ..r })
    })
    .await
}

/// The person a seat was offered to takes it, while the offer holds.
pub async fn accept_offer(app: &App, actor: &Actor, registration_id: i64) -> Result<Registration, AppError> {
    let r = app.store.registration(registration_id).await?;
    if r.user_id.is_none() || r.user_id != actor.user_id() {
        return Err(AppError::NotFound);
    }
    with_event(app, r.event_id, |mut tx, event| async move {
        let expired = expire_offers(&mut tx, &event).await?;
        let r = tx.registration_in_tx(registration_id).await?;
        if r.status != Status::Offered.as_str() {
            if expired > 0 {
                tx.audit(
                    AuditEvent::new(actor.audit_actor(), "registration.expire", "event", event.id)
                        .with_summary(format!("{expired} offers passed on")),
                )
                .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            return Err(AppError::Conflict("no seat is offered to this registration (any more)".into()));
        }
        let minor = r.guardian_email.is_some();
        let next = if minor { Status::AwaitingConsent } else { Status::Confirmed };
        tx.set_registration_status(r.id, next.as_str(), true, None).await?;
        if minor {
            ask_guardian(app, &mut tx, &event, &r, &r.participant).await?;
        }
        tx.audit(
            AuditEvent::new(actor.audit_actor(), "registration.accept", "registration", r.id)
                .with_summary(format!("event {}", event.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(Registration { status: next.as_str().to_owned(), offered_until: None, ..r })
    })
    .await
}

/// How long a guardian has to consent before the seat passes on.
const CONSENT_DAYS: i64 = 7;

/// Mails the guardian a single-use consent link; the seat is held until
/// the link expires.
async fn ask_guardian(
    app: &App,
    tx: &mut WriteTx,
    event: &Event,
    r: &Registration,
    registrant: &str,
) -> Result<(), AppError> {
    let (Some(guardian), Some(user)) = (r.guardian_email.as_deref(), r.user_id) else { return Ok(()) };
    let secret = random_token();
    let expires = Utc::now() + chrono::Duration::days(CONSENT_DAYS);
    tx.insert_subject_token(user, Purpose::GuardianConsent, r.id, &token_hash(&secret), expires).await?;
    tx.set_registration_status(r.id, Status::AwaitingConsent.as_str(), true, Some(to_micros(expires))).await?;
    let lang = crate::i18n::Lang::Fr;
    let when = crate::i18n::format_datetime(lang, store::from_micros(event.starts_at));
    let link = app.link(&format!("/consentement?token={secret}"));
    let m = mail::guardian_consent(lang, registrant, &r.participant, &event.title, &when, &link);
    tx.enqueue_mail(None, guardian, &m.subject, &m.body).await?;
    Ok(())
}

/// What a consent link is about: (event, registration), if it is valid.
pub async fn consent_subject(app: &App, token: &str) -> Result<Option<(Event, Registration)>, AppError> {
    let Some((_, registration_id)) = app.store.subject_token(&token_hash(token), Purpose::GuardianConsent).await?
    else {
        return Ok(None);
    };
    let r = app.store.registration(registration_id).await?;
    Ok(Some((app.store.event(r.event_id).await?, r)))
}

/// A guardian consents by link: the minor's seat is confirmed.
pub async fn give_consent(app: &App, token: &str) -> Result<Registration, AppError> {
    let Some((event, _)) = consent_subject(app, token).await? else { return Err(AppError::InvalidLink) };
    with_event(app, event.id, |mut tx, event| async move {
        let Some((_, id)) = tx.consume_subject_token(&token_hash(token), Purpose::GuardianConsent).await? else {
            tx.rollback().await?;
            return Err(AppError::InvalidLink);
        };
        let r = tx.registration_in_tx(id).await?;
        if r.status != Status::AwaitingConsent.as_str() {
            tx.rollback().await?;
            return Err(AppError::InvalidLink);
        }
        tx.set_registration_status(r.id, Status::Confirmed.as_str(), true, None).await?;
        tx.audit(
            AuditEvent::new(domain::audit::AuditActor::Anonymous, "registration.consent", "registration", r.id)
                .with_summary(format!("event {}: guardian consented", event.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(Registration { status: Status::Confirmed.as_str().to_owned(), offered_until: None, ..r })
    })
    .await
}

/// Passes on every lapsed hold (offers not taken, consents not given) to
/// the next in line; the job worker runs it every minute. Returns how many.
pub async fn pass_on_lapsed_holds(app: &App) -> Result<usize, AppError> {
    let mut passed = 0;
    for event_id in app.store.events_with_lapsed_holds(now_micros()).await? {
        passed += with_event(app, event_id, |mut tx, event| async move {
            let n = expire_offers(&mut tx, &event).await?;
            tx.audit(
                AuditEvent::new(domain::audit::AuditActor::System, "registration.expire", "event", event.id)
                    .with_summary(format!("{n} lapsed holds passed on")),
            )
            .await?;
            tx.commit().await?;
            Ok(n)
        })
        .await?;
    }
    Ok(passed)
}

/// Offers whose hold ran out are passed on to the next in line; returns how many.
async fn expire_offers(tx: &mut WriteTx, event: &Event) -> Result<usize, AppError> {
    let expired = tx.expired_offers(event.id, now_micros()).await?;
    for r in &expired {
        tx.set_registration_status(r.id, Status::Cancelled.as_str(), false, None).await?;
    }
    if !expired.is_empty() {
        offer_freed_seats(tx, event).await?;
    }
    Ok(expired.len())
}

/// Offers every free seat to the next on the waitlist, in order.
async fn offer_freed_seats(tx: &mut WriteTx, event: &Event) -> Result<(), AppError> {
    let until = now_micros() + event.hold_minutes * 60_000_000;
    while tx.seats_held(event.id).await? < event.capacity {
        let Some(next) = tx.next_waitlisted(event.id).await? else { break };
        tx.set_registration_status(next.id, Status::Offered.as_str(), true, Some(until)).await?;
    }
    Ok(())
}

/// Runs `f` with the event locked in a write transaction, retrying when
/// the database is busy.
pub(crate) async fn with_event<T, F, Fut>(app: &App, event_id: i64, f: F) -> Result<T, AppError>
where
    F: Fn(WriteTx, Event) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut attempt = 0u64;
    loop {
        let result = async {
            let mut tx = app.store.write().await?;
            let event = tx.lock_event(event_id).await?;
            f(tx, event).await
        }
        .await;
        match result {
            Err(AppError::Busy) if attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            other => return other,
        }
    }
}
