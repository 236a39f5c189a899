//! Accounting of a place: the revenue category of each invoice line, the
//! monthly accounting periods (in Paris time, like invoice years), the
//! balanced journal entry of each document, and the revenue report.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Paris;

/// What a line of revenue is, for the revenue report and the sales account
/// it is booked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueCategory {
    /// Renting a space, desk or machine.
    Rental,
    /// Privatising a space or the whole venue.
    Privatisation,
    /// Events and multi-session programmes.
    Events,
    Memberships,
    /// Accompaniment services (coaching, consulting, incubation).
    Accompaniment,
    #[default]
    Other,
}

impl RevenueCategory {
    pub const ALL: [RevenueCategory; 6] = [
        RevenueCategory::Rental,
        RevenueCategory::Privatisation,
        RevenueCategory::Events,
        RevenueCategory::Memberships,
        RevenueCategory::Accompaniment,
        RevenueCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevenueCategory::Rental => "rental",
            RevenueCategory::Privatisation => "privatisation",
            RevenueCategory::Events => "events",
            RevenueCategory::Memberships => "memberships",
            RevenueCategory::Accompaniment => "accompaniment",
            RevenueCategory::Other => "other",
        }
    }

    pub fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(5)
    }

    /// The sub-account of 706 (services rendered) of the French chart of
    /// accounts the category is credited to.
    pub fn account(self) -> &'static str {
        match self {
            RevenueCategory::Rental => "706100",
            RevenueCategory::Privatisation => "706200",
            RevenueCategory::Events => "706300",
            RevenueCategory::Memberships => "706400",
            RevenueCategory::Accompaniment => "706500",
            RevenueCategory::Other => "706800",
        }
    }

    /// The account's name as a French ledger prints it.
    pub fn account_label(self) -> &'static str {
        match self {
            RevenueCategory::Rental => "Prestations - location d'espaces",
            RevenueCategory::Privatisation => "Prestations - privatisations",
            RevenueCategory::Events => "Prestations - événements et programmes",
            RevenueCategory::Memberships => "Prestations - adhésions",
            RevenueCategory::Accompaniment => "Prestations - accompagnement",
            RevenueCategory::Other => "Prestations - autres",
        }
    }
}

pub const CUSTOMER_ACCOUNT: &str = "411000";
pub const VAT_ACCOUNT: &str = "445710";

/// A calendar month in Paris time: the unit that is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("a month is written YYYY-MM, e.g. 2027-03")]
    Malformed,
    #[error("a month that has not started cannot be closed")]
    Future,
    #[error("the end of the range is before its start")]
    Reversed,
}

impl Month {
    pub fn parse(s: &str) -> Result<Month, PeriodError> {
        let (y, m) = s.trim().split_once('-').ok_or(PeriodError::Malformed)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(PeriodError::Malformed);
        }
        let (year, month) =
            (y.parse().map_err(|_| PeriodError::Malformed)?, m.parse().map_err(|_| PeriodError::Malformed)?);
        if !(1..=12).contains(&month) || year < 1970 {
            return Err(PeriodError::Malformed);
        }
        Ok(Month { year, month })
    }

    /// The Paris month an instant falls in.
    pub fn of(at: DateTime<Utc>) -> Month {
        let local = at.with_timezone(&Paris);
        Month { year: local.year(), month: local.month() }
    }

    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    /// The first instant of the month in Paris (midnight is never skipped
    /// by a DST change in France, so it always exists).
    pub fn start(self) -> DateTime<Utc> {
        let midnight = self.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
        Paris.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    }

    /// `[start, end)` of the month.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start(), self.next().start())
    }

    /// A month can be closed once it has started (the current one included).
    pub fn check_closable(self, now: DateTime<Utc>) -> Result<(), PeriodError> {
        if self > Month::of(now) { Err(PeriodError::Future) } else { Ok(()) }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A date range of a report or an export, both days included.
pub fn day_range(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>), PeriodError> {
    if to < from {
        return Err(PeriodError::Reversed);
    }
    let start = |d: NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        Paris.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
    };
    Ok((start(from), start(to.succ_opt().unwrap_or(to))))
}

/// The Paris calendar day of an instant, as printed on the document.
pub fn paris_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// What of a document the accounts need.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    pub credit_note: bool,
    pub lines: &'a [super::invoices::InvoiceLine],
    /// Signed as stored: negative on a credit note.
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

/// Net revenue per category (indexed like [`RevenueCategory::ALL`]), signed:
/// a credit note counts negatively. Always sums to the document's net, even
/// if its lines and total disagree (the difference goes to `other`).
pub fn category_nets(d: &Document<'_>) -> [i64; 6] {
    let sign = if d.credit_note || d.net_cents < 0 { -1 } else { 1 };
    let mut nets = [0i64; 6];
    for l in d.lines {
        nets[l.category.index()] += sign * l.quantity * l.unit_cents;
    }
    let sum: i64 = nets.iter().sum();
    nets[RevenueCategory::Other.index()] += d.net_cents - sum;
    nets
}

/// One line of a journal entry; exactly one of debit and credit is non-zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLine {
    pub account: &'static str,
    pub account_label: &'static str,
    /// Whether the customer's name goes in the auxiliary account columns.
    pub customer: bool,
    pub debit_cents: i64,
    pub credit_cents: i64,
}

/// The sales journal entry of a document: the customer (411) debited the
/// gross amount, each category's sales account (706…) credited its net and
/// collected VAT (44571) credited the VAT; a credit note is the reverse.
pub fn entry(d: &Document<'_>) -> Vec<EntryLine> {
    // A positive amount on the usual side, a negative one on the other.
    fn side(account: &'static str, label: &'static str, customer: bool, debit: i64) -> EntryLine {
        EntryLine { account, account_label: label, customer, debit_cents: debit.max(0), credit_cents: (-debit).max(0) }
    }
    let mut lines = vec![side(CUSTOMER_ACCOUNT, "Clients", true, d.gross_cents)];
    for (c, net) in RevenueCategory::ALL.iter().zip(category_nets(d)) {
        if net != 0 {
            lines.push(side(c.account(), c.account_label(), false, -net));
        }
    }
    if d.vat_cents != 0 {
        lines.push(side(VAT_ACCOUNT, "TVA collectée", false, -d.vat_cents));
    }
    lines
}

/// Revenue of a place over a range: net cents per category, per month and
/// in total, credit notes subtracted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revenue {
    pub by_category: [i64; 6],
    /// Every month of the range, in order, even those without revenue.
    pub by_month: Vec<(Month, [i64; 6])>,
    pub total_cents: i64,
    pub documents: usize,
}

/// Adds up documents (with the instant each was issued) over the months
/// from `first` to `last`.
pub fn revenue<'a>(
    first: Month,
    last: Month,
    docs: impl IntoIterator<Item = (DateTime<Utc>, Document<'a>)>,
) -> Revenue {
    let mut r = Revenue::default();
    let mut m = first;
    while m <= last && r.by_month.len() < 1200 {
        r.by_month.push((m, [0; 6]));
        m = m.next();
    }
    for (at, d) in docs {
        let nets = category_nets(&d);
        let month = Month::of(at);
        for (i, n) in nets.iter().enumerate() {
            r.by_category[i] += n;
        }
        if let Some(v) = r.by_month.iter_mut().find(|(m, _)| *m == month).map(|(_, v)| v) {
            for (i, n) in nets.iter().enumerate() {
                v[i] += n;
            }
        }
        r.total_cents += nets.iter().sum::<i64>();
        r.documents += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::super::invoices::{InvoiceLine, totals};
    use super::*;

    fn line(c: RevenueCategory, q: i64, cents: i64, vat: i64) -> InvoiceLine {
        InvoiceLine { label: "x".into(), quantity: q, unit_cents: cents, vat_bp: vat, category: c }
    }

    fn doc(lines: &[InvoiceLine], credit: bool) -> Document<'_> {
        let t = totals(lines);
        let s = if credit { -1 } else { 1 };
        Document {
            credit_note: credit,
            lines,
            net_cents: s * t.net_cents,
            vat_cents: s * t.vat_cents,
            gross_cents: s * t.gross_cents,
        }
    }

    #[test]
    fn an_entry_balances_and_a_credit_note_reverses_it() {
        use RevenueCategory::*;
        let lines = [line(Rental, 3, 1999, 2000), line(Events, 1, 1000, 550), line(Rental, 2, 333, 0)];
        let e = entry(&doc(&lines, false));
        let debit: i64 = e.iter().map(|l| l.debit_cents).sum();
        let credit: i64 = e.iter().map(|l| l.credit_cents).sum();
        assert_eq!((debit, credit), (8917, 8917));
        let accounts: Vec<_> = e.iter().map(|l| (l.account, l.debit_cents, l.credit_cents)).collect();
        assert_eq!(accounts, [("411000", 8917, 0), ("706100", 0, 6663), ("706300", 0, 1000), ("445710", 0, 1254)]);
        let reversed: Vec<_> =
            entry(&doc(&lines, true)).iter().map(|l| (l.account, l.debit_cents, l.credit_cents)).collect();
        assert_eq!(reversed, [("411000", 0, 8917), ("706100", 6663, 0), ("706300", 1000, 0), ("445710", 1254, 0)]);
    }

    #[test]
    fn months_are_paris_months() {
        let m = Month::parse("2027-03").unwrap();
        assert_eq!(m.to_string(), "2027-03");
        let (start, end) = m.bounds();
        // 1 March 00:00 CET = 28 Feb 23:00 UTC; 1 April 00:00 CEST = 31 March 22:00 UTC.
        assert_eq!(start.to_rfc3339(), "2027-02-28T23:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2027-03-31T22:00:00+00:00");
        assert_eq!(Month::of(start), m);
        assert_eq!(Month::of(end - chrono::Duration::microseconds(1)), m);
        assert_eq!(Month::parse("2027-12").unwrap().next(), Month { year: 2028, month: 1 });
        for bad in ["2027-13", "2027-00", "27-03", "2027/03", "2027-3", "abcd-ef", ""] {
            assert_eq!(Month::parse(bad), Err(PeriodError::Malformed), "{bad}");
        }
        let now = start + chrono::Duration::days(3);
        assert_eq!(m.check_closable(now), Ok(()));
        assert_eq!(m.next().check_closable(now), Err(PeriodError::Future));
    }

    #[test]
    fn revenue_subtracts_credit_notes_per_month() {
        use RevenueCategory::*;
        let a = [line(Rental, 1, 10_000, 2000), line(Accompaniment, 2, 50_000, 2000)];
        let b = [line(Memberships, 1, 3_000, 0)];
        let jan = Month { year: 2027, month: 1 };
        let t = |m: Month| m.start() + chrono::Duration::hours(12);
        let r = revenue(
            jan,
            Month { year: 2027, month: 3 },
            [(t(jan), doc(&a, false)), (t(jan.next()), doc(&b, false)), (t(jan.next()), doc(&a, true))],
        );
        assert_eq!(r.by_category, [0, 0, 0, 3_000, 0, 0]);
        assert_eq!(r.total_cents, 3_000);
        assert_eq!(r.by_month.len(), 3);
        assert_eq!(r.by_month[0].1, [10_000, 0, 0, 0, 100_000, 0]);
        assert_eq!(r.by_month[1].1, [-10_000, 0, 0, 3_000, -100_000, 0]);
        assert_eq!(r.by_month[2].1, [0; 6]);
        assert_eq!(
            day_range(NaiveDate::from_ymd_opt(2027, 1, 2).unwrap(), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            Err(PeriodError::Reversed)
        );
    }
}
