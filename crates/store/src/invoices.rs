//! Invoices: numbered without gaps per place and year, hash-chained, and
//! verifiable like the audit log.

use domain::operations::invoices::{Chained, chain_hash};

use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub place_id: i64,
    pub year: i64,
    pub number: i64,
    pub kind: String,
    pub customer: String,
    pub lines: String,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub credit_of: Option<i64>,
    pub issued_at: i64,
    pub prev_hash: String,
    pub hash: String,
}

type InvoiceRow = (i64, i64, i64, i64, String, String, String, i64, i64, i64, Option<i64>, i64, String, String);

macro_rules! invoice_columns {
    () => {
        "id, place_id, year, number, kind, customer, lines, net_cents, vat_cents, gross_cents, credit_of, issued_at, \
         prev_hash, hash"
    };
}

fn invoice(r: InvoiceRow) -> Invoice {
    Invoice {
        id: r.0,
        place_id: r.1,
        year: r.2,
        number: r.3,
        kind: r.4,
        customer: r.5,
        lines: r.6,
        net_cents: r.7,
        vat_cents: r.8,
        gross_cents: r.9,
        credit_of: r.10,
        issued_at: r.11,
        prev_hash: r.12,
        hash: r.13,
    }
}

impl Invoice {
    fn chained(&self) -> Chained<'_> {
        Chained {
            place_id: self.place_id,
            year: self.year,
            number: self.number,
            kind: &self.kind,
            customer: &self.customer,
            lines_json: &self.lines,
            gross_cents: self.gross_cents,
            issued_at: self.issued_at,
            credit_of: self.credit_of,
        }
    }
}

/// A document to number and chain.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub place_id: i64,
    pub year: i64,
    pub kind: &'a str,
    pub customer: &'a str,
    pub lines_json: &'a str,
    pub net_cents: i64,
    pub vat_cents: i64,
    pub gross_cents: i64,
    pub credit_of: Option<i64>,
    pub issued_at: i64,
}

impl WriteTx {
    /// Takes the next number of (place, year) and chains the document to the
    /// previous one. The counter row stays locked until commit.
    pub async fn issue_invoice(&mut self, n: NewInvoice<'_>) -> Result<Invoice> {
        sqlx::query("INSERT INTO invoice_counters (place_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(n.place_id)
            .bind(n.year)
            .execute(self.conn())
            .await?;
        let (number, prev_hash): (i64, String) = sqlx::query_as(
            "UPDATE invoice_counters SET last_number = last_number + 1 WHERE place_id = $1 AND year = $2 \
             RETURNING last_number, last_hash",
        )
        .bind(n.place_id)
        .bind(n.year)
        .fetch_one(self.conn())
        .await?;
        let hash = chain_hash(
            &prev_hash,
            &Chained {
                place_id: n.place_id,
                year: n.year,
                number,
                kind: n.kind,
                customer: n.customer,
                lines_json: n.lines_json,
                gross_cents: n.gross_cents,
                issued_at: n.issued_at,
                credit_of: n.credit_of,
            },
        );
        sqlx::query("UPDATE invoice_counters SET last_hash = $1 WHERE place_id = $2 AND year = $3")
            .bind(&hash)
            .bind(n.place_id)
            .bind(n.year)
            .execute(self.conn())
            .await?;
        let row: InvoiceRow = sqlx::query_as(concat!(
            "INSERT INTO invoices (place_id, year, number, kind, customer, lines, net_cents, vat_cents, gross_cents, \
             credit_of, issued_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             RETURNING ",
            invoice_columns!()
        ))
        .bind(n.place_id)
        .bind(n.year)
        .bind(number)
        .bind(n.kind)
        .bind(n.customer)
        .bind(n.lines_json)
        .bind(n.net_cents)
        .bind(n.vat_cents)
        .bind(n.gross_cents)
        .bind(n.credit_of)
        .bind(n.issued_at)
        .bind(&prev_hash)
        .bind(&hash)
        .fetch_one(self.conn())
        .await?;
        Ok(invoice(row))
    }
}

/// The first problem in the invoice chains, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceChainReport {
    pub documents: i64,
    pub problem: Option<String>,
}

impl Store {
    pub async fn invoice(&self, id: i64) -> Result<Invoice> {
        let row: InvoiceRow = sqlx::query_as(concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        Ok(invoice(row))
    }

    pub async fn invoices_of(&self, place_id: i64, year: i64) -> Result<Vec<Invoice>> {
        let rows: Vec<InvoiceRow> = sqlx::query_as(concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM invoices WHERE place_id = $1 AND year = $2 ORDER BY number"
        ))
        .bind(place_id)
        .bind(year)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(invoice).collect())
    }

    /// The number of the credit note cancelling an invoice, if any.
    pub async fn credit_note_of(&self, invoice_id: i64) -> Result<Option<String>> {
        let row: Option<(i64, i64)> = sqlx::query_as("SELECT year, number FROM invoices WHERE credit_of = $1")
            .bind(invoice_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|(y, n)| domain::operations::invoices::display_number(y, n)))
    }

    /// Invoices and credit notes of a place issued in `[from, to)`, in the
    /// order they were issued.
    pub async fn invoices_between(&self, place_id: i64, from: i64, to: i64) -> Result<Vec<Invoice>> {
        let rows: Vec<InvoiceRow> = sqlx::query_as(concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM invoices WHERE place_id = $1 AND issued_at >= $2 AND issued_at < $3 ORDER BY issued_at, id"
        ))
        .bind(place_id)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(invoice).collect())
    }

    /// Recomputes every chain: numbers 1, 2, 3… without gaps, each document
    /// chained to the one before, and the counter's last hash at the end.
    pub async fn verify_invoice_chains(&self) -> Result<InvoiceChainReport> {
        let counters: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT place_id, year, last_number, last_hash FROM invoice_counters ORDER BY place_id, year",
        )
        .fetch_all(self.pool())
        .await?;
        let mut documents = 0;
        for (place, year, last_number, last_hash) in counters {
            let docs = self.invoices_of(place, year).await?;
            let mut prev = String::new();
            for (i, d) in docs.iter().enumerate() {
                documents += 1;
                let at = domain::operations::invoices::display_number(year, d.number);
                let problem = if d.number != i as i64 + 1 {
                    Some(format!("place {place}, {year}: number {} where {} was expected", d.number, i + 1))
                } else if d.prev_hash != prev {
                    Some(format!("place {place}: invoice {at} is not chained to the one before"))
                } else if chain_hash(&prev, &d.chained()) != d.hash {
                    Some(format!("place {place}: invoice {at} was altered"))
                } else {
                    None
                };
                if problem.is_some() {
                    return Ok(InvoiceChainReport { documents, problem });
                }
                prev = d.hash.clone();
            }
            if docs.len() as i64 != last_number || prev != last_hash {
                let problem =
                    format!("place {place}, {year}: {} documents where {last_number} were issued", docs.len());
                return Ok(InvoiceChainReport { documents, problem: Some(problem) });
            }
        }
        Ok(InvoiceChainReport { documents, problem: None })
    }
}
