//! The background worker: runs queued jobs from the database. Every `serve`
//! process runs one; the claim in [`store::Store::claim_job`] keeps two
//! servers from running the same job.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use store::StoreError;
use store::jobs::Job;
use store::mail::{DELIVER_JOB, MailStatus};

use crate::App;
use crate::mail::delivery;

const PURGE_JOB: &str = "maintenance.purge";
/// Daily: ask managers of stale records to confirm them.
const FRESHNESS_JOB: &str = "atlas.freshness";
/// Hourly: compare records waiting for duplicate detection (edits, imports
/// that stopped before their end).
const DUPLICATES_JOB: &str = "atlas.duplicates";
/// Every minute: seats offered or awaiting consent whose hold lapsed go to the next in line.
const HOLDS_JOB: &str = "events.holds";
/// Every minute: lapsed booking holds expire, no-shows are released.
const BOOKINGS_JOB: &str = "operations.bookings";
/// Every five minutes: mail confirmed participants a day before each session.
const REMINDERS_JOB: &str = "events.reminders";
const MAX_MAIL_ATTEMPTS: i64 = 6;

/// Runs jobs until `shutdown` completes. `worker` names this process in job leases.
pub async fn run(app: App, worker: String, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    for kind in [PURGE_JOB, FRESHNESS_JOB, DUPLICATES_JOB, HOLDS_JOB, BOOKINGS_JOB, REMINDERS_JOB] {
        if let Err(e) = app.store.ensure_job(kind, kind, Utc::now()).await {
            tracing::warn!(error = %e, kind, "could not schedule a periodic job");
        }
    }
    loop {
        let idle = match run_one(&app, &worker).await {
            Ok(ran) => !ran,
            Err(e) => {
                tracing::warn!(error = %e, "job queue unavailable");
                true
            }
        };
        if idle {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(Duration::from_millis(300)) => {}
            }
        }
    }
}

/// Claims and runs one due job; returns whether there was one.
pub async fn run_one(app: &App, worker: &str) -> Result<bool, StoreError> {
    let Some(job) = app.store.claim_job(worker, chrono::Duration::minutes(2)).await? else {
        return Ok(false);
    };
    match job.kind.as_str() {
        DELIVER_JOB => deliver_mail(app, &job).await?,
        PURGE_JOB => {
            let purged = app.store.purge_expired(Utc::now() - chrono::Duration::days(1)).await?;
            tracing::info!(purged, "maintenance: expired sessions, links and counters removed");
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::hours(1), None).await?;
        }
        FRESHNESS_JOB => {
            match crate::atlas::records::ask_managers_to_confirm(app).await {
                Ok(asked) => tracing::info!(asked, "freshness: confirmation requests queued"),
                Err(e) => tracing::warn!(error = %e, "freshness requests failed; next try tomorrow"),
            }
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::days(1), None).await?;
        }
        HOLDS_JOB => {
            match crate::events::pass_on_lapsed_holds(app).await {
                Ok(0) => {}
                Ok(passed) => tracing::info!(passed, "events: lapsed holds passed on"),
                Err(e) => tracing::warn!(error = %e, "passing on lapsed holds failed; next try in a minute"),
            }
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::minutes(1), None).await?;
        }
        BOOKINGS_JOB => {
            match crate::bookings::release_lapsed(app, Utc::now()).await {
                Ok((0, 0)) => {}
                Ok((expired, released)) => tracing::info!(expired, released, "bookings: lapsed holds and no-shows"),
                Err(e) => tracing::warn!(error = %e, "releasing lapsed bookings failed; next try in a minute"),
            }
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::minutes(1), None).await?;
        }
        REMINDERS_JOB => {
            match crate::programmes::send_reminders(app).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "events: session reminders queued"),
                Err(e) => tracing::warn!(error = %e, "session reminders failed; next try in five minutes"),
            }
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::minutes(5), None).await?;
        }
        DUPLICATES_JOB => {
            match crate::atlas::duplicates::detect(app, &|_| {}).await {
                Ok((merged, queued)) => tracing::info!(merged, queued, "duplicates: pending records compared"),
                Err(e) => tracing::warn!(error = %e, "duplicate detection failed; next try in an hour"),
            }
            app.store.reschedule_job(job.id, Utc::now() + chrono::Duration::hours(1), None).await?;
        }
        other => {
            tracing::warn!(kind = other, id = job.id, "unknown job kind dropped");
            app.store.finish_job(job.id).await?;
        }
    }
    Ok(true)
}

async fn deliver_mail(app: &App, job: &Job) -> Result<(), StoreError> {
    let Ok(id) = job.payload.parse::<i64>() else {
        return app.store.finish_job(job.id).await;
    };
    let mail = match app.store.mail(id).await {
        Ok(m) if m.status == MailStatus::Queued => m,
        // Erased with its account, or already handled.
        Ok(_) | Err(StoreError::NotFound) => return app.store.finish_job(job.id).await,
        Err(e) => return Err(e),
    };
    let Some(smtp) = &app.config.smtp else {
        app.store.set_mail_status(id, MailStatus::Held, Some("no SMTP relay configured")).await?;
        return app.store.finish_job(job.id).await;
    };
    match delivery::send(&app.config, smtp, &mail.recipient, &mail.subject, &mail.body).await {
        Ok(()) => {
            app.store.set_mail_status(id, MailStatus::Sent, None).await?;
            tracing::info!(mail_id = id, "mail sent");
            app.store.finish_job(job.id).await
        }
        Err(error) if job.attempts >= MAX_MAIL_ATTEMPTS => {
            tracing::warn!(mail_id = id, %error, "mail failed for good");
            app.store.set_mail_status(id, MailStatus::Failed, Some(&error)).await?;
            app.store.finish_job(job.id).await
        }
        Err(error) => {
            tracing::warn!(mail_id = id, %error, attempt = job.attempts, "mail delivery failed, will retry");
            app.store.set_mail_status(id, MailStatus::Queued, Some(&error)).await?;
            let backoff = chrono::Duration::seconds(30 * job.attempts * job.attempts);
            app.store.reschedule_job(job.id, Utc::now() + backoff, Some(&error)).await
        }
    }
}
