//! A printable invoice or credit note with the mentions French law requires
//! (seller, SIRET, number, date, customer, lines with VAT rates, totals,
//! payment terms, late-payment penalties and the €40 recovery indemnity).

use app::i18n::{fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::operations::invoices::{InvoiceLine, display_number};
use domain::policy::{Action, Resource, authorize};

use super::{Chrome, Page, PageError};
use crate::state::AppState;

/// (label, quantity, unit price, VAT rate, line total)
type PrintedLine = (String, i64, String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "invoice.html")]
pub struct InvoicePage {
    chrome: Chrome,
    title: String,
    seller: String,
    seller_address: String,
    siret: Option<String>,
    issued: String,
    /// Issue date + 30 days, as the payment terms say.
    due: String,
    credit_of: Option<String>,
    customer: String,
    lines: Vec<PrintedLine>,
    net: String,
    vat: String,
    gross: String,
    hash: String,
}

/// Cents as French money: 1 234,50 €.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let (units, rest) = (cents.abs() / 100, cents.abs() % 100);
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{rest:02}\u{a0}€")
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    let store = &state.app.store;
    let i = store.invoice(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    authorize(&actor, Action::EditPlace, Resource::Place(i.place_id)).map_err(|_| PageError::Forbidden(lang))?;
    let place = store.atlas_record(i.place_id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let t = page.chrome.t;
    let lines: Vec<InvoiceLine> = serde_json::from_str(&i.lines).unwrap_or_default();
    let sign = if i.kind == "credit_note" { -1 } else { 1 };
    let address = [place.text("street"), place.text("postal_code"), place.text("commune_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let number = display_number(i.year, i.number);
    let credit_of = match i.credit_of {
        Some(original) => {
            let o = store.invoice(original).await.map_err(|e| PageError::from_app(lang, e.into()))?;
            Some(fill(t.inv_credit_of, &[&display_number(o.year, o.number)]))
        }
        None => None,
    };
    Ok(InvoicePage {
        title: fill(if i.kind == "credit_note" { t.inv_credit_title } else { t.inv_title }, &[&number]),
        seller: place.name.clone(),
        seller_address: address,
        siret: place.text("pivot").filter(|p| p.len() == 14).map(str::to_owned),
        issued: format_datetime(lang, store::from_micros(i.issued_at)),
        due: domain::operations::accounting::paris_date(store::from_micros(i.issued_at) + chrono::Duration::days(30))
            .format("%d/%m/%Y")
            .to_string(),
        credit_of,
        customer: i.customer.clone(),
        lines: lines
            .iter()
            .map(|l| {
                let vat = format!("{} %", l.vat_bp as f64 / 100.0).replace('.', ",");
                (l.label.clone(), l.quantity, euros(l.unit_cents * sign), vat, euros(l.quantity * l.unit_cents * sign))
            })
            .collect(),
        net: euros(i.net_cents),
        vat: euros(i.vat_cents),
        gross: euros(i.gross_cents),
        hash: i.hash.clone(),
        chrome: page.chrome,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_is_written_the_french_way() {
        assert_eq!(super::euros(123_450), "1\u{202f}234,50\u{a0}€");
        assert_eq!(super::euros(-5), "-0,05\u{a0}€");
        assert_eq!(super::euros(100_000_000), "1\u{202f}000\u{202f}000,00\u{a0}€");
    }
}
