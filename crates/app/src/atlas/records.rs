//! People editing and confirming atlas records.

use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::atlas::fields::field_spec;
use domain::audit::{AuditActor, AuditEvent};
use domain::policy::{Action, Actor, Resource, authorize};
use store::atlas::AtlasRecord;
use store::now_micros;
use store::one_time::Purpose;

use super::import::convert::parse_input;
use super::import::resolve_context;
use crate::secrets::{random_token, token_hash};
use crate::{App, AppError, FieldErrors, mail};

/// Who may edit a record: its manager (place manager, organisation
/// admin), the territory team, administrators.
fn edit_right(r: &AtlasRecord) -> (Action, Resource) {
    match r.kind {
        RecordKind::Place => (Action::EditPlace, Resource::Place(r.id)),
        RecordKind::Organisation => (Action::EditOrganisation, Resource::Organisation(r.id)),
        RecordKind::Service => (Action::EditAtlas, Resource::Platform),
    }
}

pub fn may_edit(actor: &Actor, r: &AtlasRecord) -> bool {
    let (action, resource) = edit_right(r);
    authorize(actor, action, resource).is_ok()
}

/// Saves what a person typed for some fields (field name → raw text).
/// Values are checked as imports check them; unchanged ones are ignored;
/// the others become hand edits, which win over sources until the sources
/// change. Saving also confirms the record as up to date.
pub async fn edit_record(
    app: &App,
    actor: &Actor,
    id: i64,
    inputs: &[(String, String)],
) -> Result<AtlasRecord, AppError> {
    let record = app.store.atlas_record(id).await?;
    if !record.is_live() {
        return Err(AppError::NotFound);
    }
    let (action, resource) = edit_right(&record);
    authorize(actor, action, resource)?;
    let mut errors = FieldErrors::default();
    let mut changes = Vec::new();
    for (field, raw) in inputs {
        let Some(spec) = field_spec(record.kind, field) else {
            continue;
        };
        match parse_input(record.kind, field, raw) {
            Ok(value) => {
                let current = record.fields.get(spec.name);
                let cleared = || match spec.cardinality {
                    domain::atlas::Cardinality::Many => domain::atlas::Value::List(vec![]),
                    domain::atlas::Cardinality::One => domain::atlas::Value::Text(String::new()),
                };
                match (value, current) {
                    (Some(v), Some(c)) if v == *c => {}
                    (None, None) => {}
                    (Some(v), _) => changes.push((spec.name, v)),
                    (None, Some(_)) => changes.push((spec.name, cleared())),
                }
            }
            Err(rejection) => errors.add(spec.name, FieldError::Malformed(rejection.reason)),
        }
    }
    if changes.iter().any(|(f, v)| *f == "name" && v.is_empty()) {
        errors.add("name", FieldError::Required);
    }
    errors.into_result()?;
    let now = now_micros();
    let mut tx = app.store.write().await?;
    for (field, value) in &changes {
        let base = tx.sources_fingerprint(id, field).await?;
        tx.set_edit(id, field, value, base.as_deref(), actor.user_id(), now).await?;
    }
    tx.mark_verified(id, now).await?;
    tx.resolve_record(id, resolve_context(app, now)).await?;
    let names: Vec<&str> = changes.iter().map(|(f, _)| *f).collect();
    tx.audit(AuditEvent::new(actor.audit_actor(), "atlas.edit", "atlas_record", id).with_summary(
        if names.is_empty() { "confirmed unchanged".to_owned() } else { format!("fields: {}", names.join(", ")) },
    ))
    .await?;
    tx.commit().await?;
    Ok(app.store.atlas_record(id).await?)
}

/// A place's key figures for one year (metric → value), entered by its
/// manager or the territory team. Metrics are those of
/// [`crate::i18n::METRIC_CODES`]; a new value replaces the year's old one.
pub async fn set_key_figures(
    app: &App,
    actor: &Actor,
    id: i64,
    year: i64,
    figures: &[(String, i64)],
) -> Result<(), AppError> {
    let record = app.store.atlas_record(id).await?;
    if !record.is_live() || record.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    let (action, resource) = edit_right(&record);
    authorize(actor, action, resource)?;
    let mut errors = FieldErrors::default();
    let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    if !(1990..=this_year + 1).contains(&year) {
        errors.add("year", FieldError::Malformed(format!("a year between 1990 and {}", this_year + 1)));
    }
    for (metric, value) in figures {
        if !crate::i18n::METRIC_CODES.contains(&metric.as_str()) {
            errors.add("figures", FieldError::Malformed(format!("unknown metric {metric:?}")));
        } else if *value < 0 {
            errors.add("figures", FieldError::Malformed(format!("{metric}: a count cannot be negative")));
        }
    }
    errors.into_result()?;
    let mut tx = app.store.write().await?;
    for (metric, value) in figures {
        tx.set_key_figure(id, year, metric, *value, "manual").await?;
    }
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "atlas.figures", "atlas_record", id)
            .with_summary(format!("{} key figures for {year}", figures.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A manager confirms the record is up to date, from the page.
pub async fn confirm_record(app: &App, actor: &Actor, id: i64) -> Result<(), AppError> {
    let record = app.store.atlas_record(id).await?;
    let (action, resource) = edit_right(&record);
    authorize(actor, action, resource)?;
    confirm(app, actor.audit_actor(), id).await
}

async fn confirm(app: &App, by: AuditActor, id: i64) -> Result<(), AppError> {
    let now = now_micros();
    let mut tx = app.store.write().await?;
    tx.mark_verified(id, now).await?;
    tx.resolve_record(id, resolve_context(app, now)).await?;
    tx.audit(AuditEvent::new(by, "atlas.verify", "atlas_record", id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The record a freshness link is about, without using the link.
pub async fn record_of_link(app: &App, token: &str) -> Result<Option<i64>, AppError> {
    Ok(app.store.subject_token(&token_hash(token), Purpose::ConfirmRecord).await?.map(|(_, record)| record))
}

/// A manager confirms the record with the single-use link of a freshness mail.
pub async fn confirm_by_link(app: &App, token: &str) -> Result<i64, AppError> {
    let now = now_micros();
    let mut tx = app.store.write().await?;
    let Some((user, record)) = tx.consume_subject_token(&token_hash(token), Purpose::ConfirmRecord).await? else {
        tx.rollback().await?;
        return Err(AppError::InvalidLink);
    };
    tx.mark_verified(record, now).await?;
    tx.resolve_record(record, resolve_context(app, now)).await?;
    tx.audit(
        AuditEvent::new(AuditActor::User(user), "atlas.verify", "atlas_record", record).with_summary("by mailed link"),
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// Mails each manager of a stale record a single-use link to confirm or
/// correct it; at most one mail per record and manager every 30 days.
/// Returns how many mails were queued.
pub async fn ask_managers_to_confirm(app: &App) -> Result<usize, AppError> {
    let day = 86_400_000_000_i64;
    let now = now_micros();
    let before = now - app.config.stale_after_days * day;
    let mut sent = 0;
    loop {
        let batch = app.store.stale_managed_records(before, now - 30 * day, 200).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        let mut tx = app.store.write().await?;
        for s in &batch {
            let secret = random_token();
            tx.insert_subject_token(
                s.user_id,
                Purpose::ConfirmRecord,
                s.record_id,
                &token_hash(&secret),
                chrono::Utc::now() + chrono::Duration::days(30),
            )
            .await?;
            let lang = crate::i18n::Lang::parse(&s.locale).unwrap_or_default();
            let m = mail::confirm_record(
                lang,
                &s.display_name,
                &s.record_name,
                &app.link(&format!("/atlas/{}/verifier?token={secret}", s.record_id)),
                &app.link(&format!("/atlas/{}/modifier", s.record_id)),
            );
            tx.enqueue_mail(Some(s.user_id), &s.email, &m.subject, &m.body).await?;
            sent += 1;
        }
        tx.audit(
            AuditEvent::new(AuditActor::System, "atlas.freshness", "atlas", 0)
                .with_summary(format!("{} confirmation requests", batch.len())),
        )
        .await?;
        tx.commit().await?;
    }
}
