//! The place's memberships and packs, and the form that creates one.

use app::AppError;
use app::i18n::{Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Opt, actor, app_err, field_messages, options, parse_euros, unprocessable, vat_options};
use crate::pages::invoices::euros;
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanForm {
    kind: String,
    name: String,
    fee: String,
    vat: String,
    credit_unit: String,
    credit: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_plans.html")]
pub struct PlansPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    /// (name, kind, fee, credit)
    plans: Vec<(String, &'static str, String, String)>,
    kinds: Vec<Opt>,
    vats: Vec<Opt>,
    units: Vec<Opt>,
    form: PlanForm,
    errors: FormErrors,
}

fn credit_text(t: &Messages, unit: &str, amount: i64) -> String {
    if unit == "cents" { euros(amount) } else { fill(t.bo_credit_minutes, &[&amount.to_string()]) }
}

async fn plans_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: PlanForm,
    errors: FormErrors,
) -> Result<PlansPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, plans) = app::backoffice::plans(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    Ok(PlansPage {
        place_id,
        title: fill(t.bo_plans_title, &[&place.name]),
        plans: plans
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    if p.kind == "pack" { t.bo_plan_pack } else { t.bo_plan_membership },
                    euros(p.fee_cents),
                    credit_text(t, &p.credit_unit, p.credit_amount),
                )
            })
            .collect(),
        kinds: options([("membership", t.bo_plan_membership), ("pack", t.bo_plan_pack)], &form.kind),
        vats: vat_options(&form.vat),
        units: options([("minutes", t.bo_credit_unit_minutes), ("cents", t.bo_credit_unit_cents)], &form.credit_unit),
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn plans(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let form = PlanForm {
        kind: "membership".into(),
        vat: "2000".into(),
        credit_unit: "minutes".into(),
        ..PlanForm::default()
    };
    Ok(plans_page(&state, page, id, form, FormErrors::default()).await?.into_response())
}

pub async fn create_plan(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let mut errors = FormErrors::default();
    let fee = parse_euros(&form.fee);
    if fee.is_none() {
        errors = errors.with("fee", t.bo_err_euros);
    }
    let credit = if form.credit.trim().is_empty() {
        Some(0)
    } else if form.credit_unit == "cents" {
        parse_euros(&form.credit)
    } else {
        form.credit.trim().parse::<i64>().ok().filter(|n| *n >= 0)
    };
    if credit.is_none() {
        errors = errors.with("credit", if form.credit_unit == "cents" { t.bo_err_euros } else { t.bo_err_integer });
    }
    let vat_bp = form.vat.trim().parse::<i64>().ok();
    let (Some(fee), Some(credit)) = (fee, credit) else {
        let p = plans_page(&state, page, id, form, errors).await?;
        return Ok(unprocessable(p));
    };
    let input = app::tariffs::PlanInput {
        kind: form.kind.trim().to_owned(),
        name: form.name.clone(),
        fee_cents: fee,
        vat_bp: Some(vat_bp.unwrap_or(-1)),
        credit_unit: form.credit_unit.trim().to_owned(),
        credit_amount: credit,
    };
    match app::tariffs::create_plan(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/formules"), "bo_plan_created")),
        Err(AppError::Invalid(fields)) => {
            let errors =
                field_messages(t, &fields, &[("fee_cents", "fee"), ("vat_bp", "vat"), ("credit_amount", "credit")]);
            let p = plans_page(&state, page, id, form, errors).await?;
            Ok(unprocessable(p))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
