//! Invoices and credit notes: lines in integer cents with a VAT rate each,
//! totals, numbers without gaps per place and year, and the hash chain that
//! makes any later change visible.

use sha2::{Digest, Sha256};

/// One line: quantity × unit price, VAT rate in basis points (2000 = 20 %),
/// and the revenue category it counts under (lines stored before categories
/// existed read as `other`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvoiceLine {
    pub label: String,
    pub quantity: i64,
    pub unit_cents: i64,
    pub vat_bp: i64,
    #[serde(default)]
    pub category: super::accounting::RevenueCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("an invoice needs at least one line")]
    Empty,
    #[error("line {0}: the label is missing")]
    NoLabel(usize),
    #[error("line {0}: the quantity must be positive")]
    Quantity(usize),
    #[error("line {0}: a price cannot be negative (issue a credit note instead)")]
    NegativePrice(usize),
    #[error("line {0}: VAT rates are 0, 2.1, 5.5, 10 or 20 %")]
    VatRate(usize),
}

/// The VAT rates of mainland France, in basis points.
pub const VAT_RATES_BP: [i64; 5] = [0, 210, 550, 1000, 2000];

pub fn check_lines(lines: &[InvoiceLine]) -> Result<(), LineError> {
    if lines.is_empty() {
        return Err(LineError::Empty);
    }
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if l.label.trim().is_empty() {
            return Err(LineError::NoLabel(n));
        }
        if l.quantity <= 0 {
            return Err(LineError::Quantity(n));
        }
        if l.unit_cents < 0 {
            return Err(LineError::NegativePrice(n));
        }
        if !VAT_RATES_BP.contains(&l.vat_bp) {
            return Err(LineError::VatRate(n));
        }
    }
    Ok(())
}

/// Totals, VAT rounded per line to the nearest cent (half away from zero).
pub fn totals(lines: &[InvoiceLine]) -> Totals {
    let mut t = Totals::default();
    for l in lines {
        let net = l.quantity * l.unit_cents;
        let vat = (net * l.vat_bp + net.signum() * 5_000) / 10_000;
        t.net_cents += net;
        t.vat_cents += vat;
    }
    t.gross_cents = t.net_cents + t.vat_cents;
    t
}

/// The printed number: year and a six-digit sequence, e.g. `2027-000042`.
pub fn display_number(year: i64, number: i64) -> String {
    format!("{year}-{number:06}")
}

/// What the chain covers of a document: everything printed on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained<'a> {
    pub place_id: i64,
    pub year: i64,
    pub number: i64,
    pub kind: &'a str,
    pub customer: &'a str,
    pub lines_json: &'a str,
    pub gross_cents: i64,
    pub issued_at: i64,
    pub credit_of: Option<i64>,
}

/// The hash of a document chained to the previous one of its place and year.
pub fn chain_hash(prev_hash: &str, d: &Chained<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash.to_owned(),
        d.place_id.to_string(),
        d.year.to_string(),
        d.number.to_string(),
        d.kind.to_owned(),
        d.customer.to_owned(),
        d.lines_json.to_owned(),
        d.gross_cents.to_string(),
        d.issued_at.to_string(),
        d.credit_of.map_or_else(String::new, |c| c.to_string()),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(q: i64, cents: i64, vat: i64) -> InvoiceLine {
        InvoiceLine { label: "Salle".into(), quantity: q, unit_cents: cents, vat_bp: vat, category: Default::default() }
    }

    #[test]
    fn totals_round_vat_per_line() {
        let t = totals(&[line(3, 1999, 2000), line(1, 1000, 550), line(2, 333, 0)]);
        // 5997 + 1199.4→1199 ; 1000 + 55 ; 666 + 0
        assert_eq!(t, Totals { net_cents: 7663, vat_cents: 1254, gross_cents: 8917 });
        let credit = totals(&[line(1, 1999, 2000)]);
        assert_eq!(credit.vat_cents, 400, "399.8 rounds to 400");
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        assert_eq!(check_lines(&[]), Err(LineError::Empty));
        assert_eq!(check_lines(&[line(1, 100, 2000), line(0, 100, 2000)]), Err(LineError::Quantity(2)));
        assert_eq!(check_lines(&[line(1, -100, 2000)]), Err(LineError::NegativePrice(1)));
        assert_eq!(check_lines(&[line(1, 100, 1900)]), Err(LineError::VatRate(1)));
        assert_eq!(display_number(2027, 42), "2027-000042");
    }

    #[test]
    fn any_change_breaks_the_hash() {
        let d = Chained {
            place_id: 1,
            year: 2027,
            number: 1,
            kind: "invoice",
            customer: "Coop des Usages",
            lines_json: "[]",
            gross_cents: 1200,
            issued_at: 5,
            credit_of: None,
        };
        let h = chain_hash("", &d);
        assert_eq!(h, chain_hash("", &d));
        assert_ne!(h, chain_hash("", &Chained { gross_cents: 1201, ..d.clone() }));
        assert_ne!(h, chain_hash("x", &d), "chained to the previous document");
    }
}
