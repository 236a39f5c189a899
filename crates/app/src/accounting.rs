//! Accounting of a place: closing a month for good, the sales journal in the
//! French FEC layout, and the revenue report per category.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::accounts::FieldError;
use domain::atlas::RecordKind;
use domain::audit::AuditEvent;
use domain::operations::accounting::{
    Document, Month, PeriodError, Revenue, day_range, entry, paris_date, revenue as add_up,
};
use domain::operations::invoices::{InvoiceLine, display_number};
use domain::policy::{Action, Actor, Resource as On, authorize};
use store::accounting::ClosedPeriod;
use store::invoices::Invoice;
use store::{from_micros, to_micros};

use crate::{App, AppError, FieldErrors};

/// The FEC columns (article A47 A-1 of the Livre des procédures fiscales), in order.
pub const FEC_COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

/// A place manager (or the territory team) acting on a live place.
async fn managed_place(app: &App, actor: &Actor, place_id: i64) -> Result<store::atlas::AtlasRecord, AppError> {
    let place = app.store.atlas_record(place_id).await?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(AppError::NotFound);
    }
    authorize(actor, Action::EditPlace, On::Place(place_id))?;
    Ok(place)
}

fn period_error(field: &'static str, e: PeriodError) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(field, FieldError::Malformed(e.to_string()));
    AppError::Invalid(errors)
}

/// Closes a month (`YYYY-MM`, Paris time) of a place: from then on no
/// invoice or credit note can be dated in it, and it cannot be reopened.
pub async fn close_period(app: &App, actor: &Actor, place_id: i64, month: &str) -> Result<ClosedPeriod, AppError> {
    managed_place(app, actor, place_id).await?;
    let m = Month::parse(month).map_err(|e| period_error("period", e))?;
    let now = Utc::now();
    m.check_closable(now).map_err(|e| period_error("period", e))?;
    let (start, end) = m.bounds();
    let mut tx = app.store.write().await?;
    let closed = tx
        .close_period(place_id, i64::from(m.year), &m.to_string(), (to_micros(start), to_micros(end)), to_micros(now))
        .await?;
    tx.audit(
        AuditEvent::new(actor.audit_actor(), "accounting.close_period", "place", place_id)
            .with_summary(format!("period {m} closed")),
    )
    .await?;
    tx.commit().await?;
    Ok(closed)
}

pub async fn closed_periods(app: &App, actor: &Actor, place_id: i64) -> Result<Vec<ClosedPeriod>, AppError> {
    managed_place(app, actor, place_id).await?;
    Ok(app.store.closed_periods(place_id).await?)
}

/// A date range, both days included; defaults to the current year so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// Reads `from` and `to` (YYYY-MM-DD, either may be empty).
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Range, AppError> {
        let today = paris_date(Utc::now());
        let mut errors = FieldErrors::default();
        let mut read = |field: &'static str, v: Option<&str>, default: NaiveDate| match v.map(str::trim) {
            None | Some("") => default,
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| {
                errors.add(field, FieldError::Malformed("a date is written YYYY-MM-DD".into()));
                default
            }),
        };
        let from = read("from", from, NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
        let to = read("to", to, today);
        errors.into_result()?;
        if to < from {
            return Err(period_error("to", PeriodError::Reversed));
        }
        if (to - from).num_days() > 366 * 20 {
            let mut errors = FieldErrors::default();
            errors.add("to", FieldError::Malformed("a range covers at most 20 years".into()));
            return Err(AppError::Invalid(errors));
        }
        Ok(Range { from, to })
    }

    fn micros(self) -> (i64, i64) {
        let (a, b) = day_range(self.from, self.to).unwrap_or_else(|_| (Utc::now(), Utc::now()));
        (to_micros(a), to_micros(b))
    }
}

pub async fn documents(app: &App, actor: &Actor, place_id: i64, range: Range) -> Result<Vec<Invoice>, AppError> {
    managed_place(app, actor, place_id).await?;
    let (from, to) = range.micros();
    Ok(app.store.invoices_between(place_id, from, to).await?)
}

fn lines_of(i: &Invoice) -> Vec<InvoiceLine> {
    serde_json::from_str(&i.lines).unwrap_or_default()
}

fn document<'a>(i: &Invoice, lines: &'a [InvoiceLine]) -> Document<'a> {
    Document {
        credit_note: i.kind == "credit_note",
        lines,
        net_cents: i.net_cents,
        vat_cents: i.vat_cents,
        gross_cents: i.gross_cents,
    }
}

/// Revenue of a place over a range, per category and month.
pub async fn revenue(app: &App, actor: &Actor, place_id: i64, range: Range) -> Result<Revenue, AppError> {
    let docs = documents(app, actor, place_id, range).await?;
    let lines: Vec<Vec<InvoiceLine>> = docs.iter().map(lines_of).collect();
    let first = Month { year: range.from.year(), month: range.from.month() };
    let last = Month { year: range.to.year(), month: range.to.month() };
    Ok(add_up(first, last, docs.iter().zip(&lines).map(|(i, l)| (from_micros(i.issued_at), document(i, l)))))
}

/// Cents as a FEC amount: `1234,50`, no thousands separator.
fn fec_amount(cents: i64) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

/// Text in a field: no separator, no line break.
fn fec_text(s: &str) -> String {
    s.split(['|', '\t', '\r', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

fn fec_date(at: DateTime<Utc>) -> String {
    paris_date(at).format("%Y%m%d").to_string()
}

/// The sales journal of a place over a range in the FEC layout: 18 columns
/// separated by `|`, one balanced entry per document, amounts with a comma.
pub async fn fec(app: &App, actor: &Actor, place_id: i64, range: Range) -> Result<String, AppError> {
    let docs = documents(app, actor, place_id, range).await?;
    let mut out = FEC_COLUMNS.join("|");
    out.push_str("\r\n");
    for i in &docs {
        let lines = lines_of(i);
        let number = display_number(i.year, i.number);
        let date = fec_date(from_micros(i.issued_at));
        let what = if i.kind == "credit_note" { "Avoir" } else { "Facture" };
        let customer = fec_text(i.customer.lines().next().unwrap_or_default());
        let label = fec_text(&format!("{what} {number} {customer}"));
        for l in entry(&document(i, &lines)) {
            let (aux_num, aux_lib) = if l.customer {
                (format!("C{:08}", customer_code(&customer)), customer.clone())
            } else {
                Default::default()
            };
            let fields = [
                "VE".to_owned(),
                "Ventes".to_owned(),
                number.clone(),
                date.clone(),
                l.account.to_owned(),
                l.account_label.to_owned(),
                aux_num,
                aux_lib,
                number.clone(),
                date.clone(),
                label.clone(),
                fec_amount(l.debit_cents),
                fec_amount(l.credit_cents),
                String::new(),
                String::new(),
                date.clone(),
                String::new(),
                String::new(),
            ];
            out.push_str(&fields.join("|"));
            out.push_str("\r\n");
        }
    }
    Ok(out)
}

/// A stable auxiliary account number for a customer name, so one customer's
/// entries group together in the ledger.
fn customer_code(name: &str) -> u32 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(name.to_lowercase().as_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]]) % 100_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fec_fields_hold_no_separator() {
        assert_eq!(fec_amount(123_450), "1234,50");
        assert_eq!(fec_amount(5), "0,05");
        assert_eq!(fec_text("Coop | des\tUsages\r\n2 rue"), "Coop des Usages 2 rue");
        assert_eq!(customer_code("Coop"), customer_code("COOP"));
    }

    #[test]
    fn ranges_are_checked() {
        assert!(Range::parse(Some("2027-01-01"), Some("2027-12-31")).is_ok());
        for (from, to) in [("2027-02-01", "2027-01-01"), ("2027-13-01", ""), ("hier", "")] {
            assert!(matches!(Range::parse(Some(from), Some(to)), Err(AppError::Invalid(_))), "{from} {to}");
        }
        let r = Range::parse(None, Some("")).unwrap();
        assert_eq!(r.from.ordinal(), 1);
    }
}
