//! Issuing invoices and credit notes for a place. A document is never
//! changed once issued: a credit note cancels an invoice.

use chrono::{Datelike, Utc};
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::audit::AuditEvent;
use domain::operations::invoices::{InvoiceLine, check_lines, display_number, totals};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::invoices::{Invoice, NewInvoice};
use store::{now_micros, to_micros};

use crate::{App, AppError, FieldErrors};

/// Issues an invoice of `lines` to `customer` (name and address, as printed).
pub async fn issue_invoice(
    app: &App,
    actor: &Actor,
    place_id: i64,
    customer: &str,
    lines: &[InvoiceLine],
) -> Result<Invoice, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    let mut errors = FieldErrors::default();
    let customer = customer.trim();
    if customer.is_empty() {
        errors.add("customer", FieldError::Required);
    } else if customer.chars().count() > 500 {
        errors.add("customer", FieldError::TooLong { max: 500 });
    }
    if let Err(e) = check_lines(lines) {
        errors.add("lines", FieldError::Malformed(e.to_string()));
    }
    errors.into_result()?;
    let t = totals(lines);
    let lines_json = serde_json::to_string(lines).map_err(|e| AppError::Internal(e.to_string()))?;
    issue(app, actor, place_id, "invoice", customer, &lines_json, t, None).await
}

/// Cancels an invoice with a credit note of the opposite amounts.
pub async fn credit_note(app: &App, actor: &Actor, invoice_id: i64) -> Result<Invoice, AppError> {
    let original = app.store.invoice(invoice_id).await?;
    authorize(actor, Action::EditPlace, On::Place(original.place_id))?;
    if original.kind != "invoice" {
        return Err(AppError::Conflict("only an invoice can be credited".into()));
    }
    // The unique index on credit_of settles two credit notes racing.
    if let Some(c) = app.store.credit_note_of(original.id).await? {
        return Err(AppError::Conflict(format!("this invoice is already cancelled by credit note {c}")));
    }
    let t = domain::operations::invoices::Totals {
        net_cents: -original.net_cents,
        vat_cents: -original.vat_cents,
        gross_cents: -original.gross_cents,
    };
    let place = original.place_id;
    issue(app, actor, place, "credit_note", &original.customer, &original.lines, t, Some(original.id)).await
}

#[allow(clippy::too_many_arguments)]
async fn issue(
    app: &App,
    actor: &Actor,
    place_id: i64,
    kind: &str,
    customer: &str,
    lines_json: &str,
    t: domain::operations::invoices::Totals,
    credit_of: Option<i64>,
) -> Result<Invoice, AppError> {
    let mut attempt = 0u64;
    loop {
        let result = async {
            let now = Utc::now();
            let year = i64::from(now.with_timezone(&chrono_tz::Europe::Paris).year());
            let mut tx = app.store.write().await?;
            let issued_at = to_micros(now).max(now_micros());
            if let Some(period) = tx.closed_period_at(place_id, issued_at).await? {
                return Err(AppError::Conflict(format!(
                    "the accounting period {period} is closed: no invoice or credit note can be dated in it"
                )));
            }
            let inv = tx
                .issue_invoice(NewInvoice {
                    place_id,
                    year,
                    kind,
                    customer,
                    lines_json,
                    net_cents: t.net_cents,
                    vat_cents: t.vat_cents,
                    gross_cents: t.gross_cents,
                    credit_of,
                    issued_at,
                })
                .await?;
            tx.audit(
                AuditEvent::new(actor.audit_actor(), "invoice.issue", "invoice", inv.id)
                    .with_summary(format!("{kind} {} of place {place_id}", display_number(year, inv.number))),
            )
            .await?;
            tx.commit().await?;
            Ok::<_, AppError>(inv)
        }
        .await;
        match result {
            Err(AppError::Busy) if attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            other => return other,
        }
    }
}
