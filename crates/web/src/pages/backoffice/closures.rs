//! Closing a resource for whole days (works, holidays, private use) and
//! reopening it. Days are the place's local days: a closure runs from the
//! first day's midnight to the midnight after the last day.

use app::AppError;
use app::i18n::fill;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Days;
use serde::Deserialize;
use store::from_micros;

use super::{Opt, actor, app_err, field_messages, options, unprocessable};
use crate::pages::dates::{day_start, parse_date, period, zone_of};
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClosureForm {
    resource_id: String,
    first_day: String,
    last_day: String,
    reason: String,
}

pub struct ClosureLine {
    id: i64,
    resource: String,
    when: String,
    reason: String,
    delete_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_closures.html")]
pub struct ClosuresPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    closures: Vec<ClosureLine>,
    resources: Vec<Opt>,
    form: ClosureForm,
    errors: FormErrors,
}

async fn closures_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: ClosureForm,
    errors: FormErrors,
) -> Result<ClosuresPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, tree) = app::backoffice::resources(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    let tz = zone_of(&place);
    let upcoming = app::closures::upcoming_of_place(&state.app, &actor, place_id, store::now_micros()).await;
    let closures = upcoming
        .map_err(app_err(lang))?
        .into_iter()
        .map(|(c, resource)| {
            let when = period(lang, from_micros(c.starts_at), from_micros(c.ends_at), tz);
            ClosureLine {
                id: c.id,
                delete_label: fill(t.bo_closure_delete_of, &[&resource, &when]),
                resource,
                when,
                reason: c.reason,
            }
        })
        .collect();
    let depth = |path: &str| path.matches('/').count().saturating_sub(2);
    let resources = options(
        tree.iter().map(|r| (r.id.to_string(), format!("{}{}", "— ".repeat(depth(&r.path)), r.name))),
        &form.resource_id,
    );
    Ok(ClosuresPage {
        place_id,
        title: fill(t.bo_closures_title, &[&place.name]),
        closures,
        resources,
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn closures(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    Ok(closures_page(&state, page, id, ClosureForm::default(), FormErrors::default()).await?.into_response())
}

pub async fn close(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ClosureForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let mut errors = FormErrors::default();
    let resource_id = form.resource_id.trim().parse::<i64>().ok();
    if resource_id.is_none() {
        errors = errors.with("resource_id", t.bo_closure_err_resource);
    }
    let first = parse_date(&form.first_day);
    if first.is_none() {
        errors = errors.with("first_day", t.bk_err_date);
    }
    let last = if form.last_day.trim().is_empty() { first } else { parse_date(&form.last_day) };
    if last.is_none() {
        errors = errors.with("last_day", t.bk_err_date);
    }
    // The day after the last, checked: a year such as +262143 overflows.
    let after = last.and_then(|l| l.checked_add_days(Days::new(1)));
    if let (Some(f), Some(l)) = (first, last)
        && (l < f || after.is_none())
    {
        errors = errors.with("last_day", t.bo_closure_err_order);
    }
    let (Some(resource_id), Some(first), Some(after), true) = (resource_id, first, after, errors.is_empty()) else {
        return Ok(unprocessable(closures_page(&state, page, id, form, errors).await?));
    };
    // A resource of another place is not found here, whoever asks.
    let resource = state.app.store.resource(resource_id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    if resource.place_id != id {
        return Err(PageError::NotFound(lang));
    }
    let place = state.app.store.atlas_record(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let tz = zone_of(&place);
    let (start, end) = (day_start(first, tz), day_start(after, tz));
    match app::closures::close(&state.app, &actor, resource_id, start, end, &form.reason).await {
        Ok((_, affected)) if affected.is_empty() => {
            Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/fermetures"), "bo_closed"))
        }
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/fermetures"), "bo_closed_with_bookings")),
        Err(AppError::Invalid(fields)) => {
            let errors = field_messages(t, &fields, &[("ends_at", "last_day"), ("starts_at", "first_day")]);
            Ok(unprocessable(closures_page(&state, page, id, form, errors).await?))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn reopen(
    State(state): State<AppState>,
    page: Page,
    Path((id, closure)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let actor = actor(&page)?;
    let c = state.app.store.closure(closure).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let resource = state.app.store.resource(c.resource_id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    if resource.place_id != id {
        return Err(PageError::NotFound(lang));
    }
    app::closures::reopen(&state.app, &actor, closure).await.map_err(app_err(lang))?;
    Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/fermetures"), "bo_reopened"))
}
