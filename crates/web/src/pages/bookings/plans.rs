//! A place's membership plans and prepaid packs as its public sees them,
//! the signed-in person's credits there, and subscribing or buying.

use app::AppError;
use app::i18n::{Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::operations::invoices::{InvoiceLine, totals};
use domain::operations::tariffs::CreditUnit;
use store::tariffs::Plan;

use super::{place_of, store_err};
use crate::pages::invoices::euros;
use crate::pages::{Chrome, Page, PageError, redirect_with_notice};
use crate::state::AppState;

pub struct PlanItem {
    id: i64,
    name: String,
    kind: &'static str,
    terms: String,
    button: &'static str,
    button_label: String,
    subscribed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_plans.html")]
pub struct PlansPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    items: Vec<PlanItem>,
    signed_in: bool,
    balance: Option<String>,
}

/// A plan's credit as text: "10 h 00" or "50,00 €".
fn credit_text(unit: &str, amount: i64) -> String {
    match CreditUnit::parse(unit) {
        Some(CreditUnit::Minutes) => format!("{} h {:02}", amount / 60, amount % 60),
        _ => euros(amount),
    }
}

/// A fee with its VAT, rounded as an invoice line is: plans are priced
/// excluding VAT, shown including it.
fn with_vat(cents: i64, vat_bp: i64) -> i64 {
    let line =
        InvoiceLine { label: String::new(), quantity: 1, unit_cents: cents, vat_bp, category: Default::default() };
    totals(&[line]).gross_cents
}

fn item(t: &Messages, p: &Plan, subscribed: bool) -> PlanItem {
    let fee = euros(with_vat(p.fee_cents, p.vat_bp));
    let credit = credit_text(&p.credit_unit, p.credit_amount);
    let membership = p.kind == "membership";
    let terms = match (membership, p.credit_amount > 0) {
        (true, true) => fill(t.pl_membership_line, &[&fee, &credit]),
        (true, false) => fill(t.pl_membership_line_no_credit, &[&fee]),
        (false, _) => fill(t.pl_pack_line, &[&fee, &credit]),
    };
    PlanItem {
        id: p.id,
        name: p.name.clone(),
        kind: if membership { t.pl_membership } else { t.pl_pack },
        terms,
        button: if membership { t.pl_subscribe } else { t.pl_buy },
        button_label: fill(if membership { t.pl_subscribe_of } else { t.pl_buy_of }, &[&p.name]),
        subscribed,
    }
}

pub async fn plans(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let place = place_of(&state, lang, id).await?;
    let plans = app::tariffs::plans(&state.app, id).await.map_err(|e| PageError::from_app(lang, e))?;
    let (mut subscribed, mut balance) = (Vec::new(), None);
    if let Some(identity) = page.identity.as_ref() {
        let actor = identity.actor();
        match app::tariffs::credits(&state.app, &actor, id).await {
            Ok((b, _)) => {
                let mut parts = Vec::new();
                if b.minutes > 0 {
                    parts.push(credit_text("minutes", b.minutes));
                }
                if b.cents > 0 {
                    parts.push(euros(b.cents));
                }
                balance = Some(if parts.is_empty() {
                    t.pl_balance_none.to_owned()
                } else {
                    fill(t.pl_balance, &[&parts.join(" + ")])
                });
            }
            Err(AppError::Denied(_)) => {}
            Err(e) => return Err(PageError::from_app(lang, e)),
        }
        let subs = state.app.store.subscriptions_at(identity.user.id, id).await.map_err(store_err(lang))?;
        subscribed = subs.into_iter().map(|(_, p)| p.id).collect();
    }
    let items = plans.iter().map(|p| item(t, p, p.kind == "membership" && subscribed.contains(&p.id))).collect();
    Ok(PlansPage {
        place_id: id,
        title: fill(t.pl_title, &[&place.name]),
        items,
        signed_in: page.identity.is_some(),
        balance,
        chrome: page.chrome,
    }
    .into_response())
}

pub async fn subscribe(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let plan = state.app.store.plan(id).await.map_err(store_err(lang))?;
    let Some(identity) = page.identity.as_ref() else {
        return Err(PageError::LoginRequired { next: format!("/lieux/{}/formules", plan.place_id) });
    };
    let back = format!("/lieux/{}/formules", plan.place_id);
    match app::tariffs::subscribe(&state.app, &identity.actor(), id).await {
        Ok(_) => Ok(redirect_with_notice(&back, "subscribed")),
        Err(AppError::Conflict(_)) => Ok(redirect_with_notice(&back, "already_subscribed")),
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_show_their_fee_with_vat_and_their_credit_in_its_unit() {
        assert_eq!(with_vat(5_000, 2000), 6_000);
        assert_eq!(with_vat(1_999, 550), 2_109, "VAT is rounded to the nearest cent");
        assert_eq!(credit_text("minutes", 600), "10 h 00");
        assert_eq!(credit_text("minutes", 90), "1 h 30");
        assert_eq!(credit_text("cents", 5_000), euros(5_000));
    }
}
