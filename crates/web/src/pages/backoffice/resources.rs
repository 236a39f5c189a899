//! The place's resource tree, indented by depth, and the form that adds a
//! resource to it.

use app::AppError;
use app::i18n::fill;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::operations::ResourceKind;
use serde::Deserialize;

use super::{Opt, actor, app_err, field_messages, opt_int, options, unprocessable};
use crate::pages::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResourceForm {
    name: String,
    kind: String,
    parent_id: String,
    capacity: String,
    opening_hours: String,
    min_minutes: String,
    max_minutes: String,
    advance_days: String,
    buffer_minutes: String,
    needs_approval: Option<String>,
    access: String,
    /// Comma-separated labels.
    equipment: String,
    /// https URLs separated by spaces or lines.
    photos: String,
}

/// One resource of the tree, indented by its depth.
pub struct TreeLine {
    id: i64,
    name: String,
    kind: &'static str,
    depth: usize,
    details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "backoffice_resources.html")]
pub struct ResourcesPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    tree: Vec<TreeLine>,
    /// The parent select: none, then the tree indented.
    parents: Vec<Opt>,
    kinds: Vec<Opt>,
    accesses: Vec<Opt>,
    form: ResourceForm,
    errors: FormErrors,
}

async fn resources_page(
    state: &AppState,
    page: Page,
    place_id: i64,
    form: ResourceForm,
    errors: FormErrors,
) -> Result<ResourcesPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let (place, list) = app::backoffice::resources(&state.app, &actor, place_id).await.map_err(app_err(lang))?;
    let depth = |path: &str| path.matches('/').count().saturating_sub(2);
    let tree = list
        .iter()
        .map(|r| {
            let mut details = Vec::new();
            if let Some(c) = r.capacity {
                details.push(fill(t.bk_capacity, &[&c.to_string()]));
            }
            details.push(fill(t.bo_min_max, &[&r.min_minutes.to_string()]));
            if let Some(m) = r.max_minutes {
                details.push(fill(t.bo_max, &[&m.to_string()]));
            }
            if r.needs_approval {
                details.push(t.bo_needs_approval_short.to_owned());
            }
            if let Some(h) = &r.opening_hours {
                details.push(h.clone());
            }
            if !r.equipment.is_empty() {
                details.push(r.equipment.join(", "));
            }
            TreeLine {
                id: r.id,
                name: r.name.clone(),
                kind: t.resource_kind(&r.kind),
                depth: depth(&r.path),
                details: details.join(" · "),
            }
        })
        .collect();
    let top = (String::new(), t.bo_parent_none.to_owned());
    let parents = options(
        std::iter::once(top)
            .chain(list.iter().map(|r| (r.id.to_string(), format!("{}{}", "— ".repeat(depth(&r.path)), r.name)))),
        &form.parent_id,
    );
    Ok(ResourcesPage {
        place_id,
        title: fill(t.bo_resources_title, &[&place.name]),
        tree,
        parents,
        kinds: options(ResourceKind::ALL.iter().map(|k| (k.as_str(), t.resource_kind(k.as_str()))), &form.kind),
        accesses: options(
            [("public", t.bo_access_public), ("members", t.bo_access_members), ("residents", t.bo_access_residents)],
            if form.access.is_empty() { "public" } else { form.access.as_str() },
        ),
        form,
        errors,
        chrome: page.chrome,
    })
}

pub async fn resources(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let form = ResourceForm { kind: "room".into(), min_minutes: "30".into(), ..ResourceForm::default() };
    Ok(resources_page(&state, page, id, form, FormErrors::default()).await?.into_response())
}

pub async fn create_resource(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ResourceForm>,
) -> Result<Response, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let actor = actor(&page)?;
    let mut errors = FormErrors::default();
    let parent_id = opt_int(&mut errors, t, "parent_id", &form.parent_id);
    let input = app::operations::ResourceInput {
        parent_id,
        kind: form.kind.trim().to_owned(),
        name: form.name.clone(),
        capacity: opt_int(&mut errors, t, "capacity", &form.capacity),
        opening_hours: Some(form.opening_hours.clone()),
        min_minutes: opt_int(&mut errors, t, "min_minutes", &form.min_minutes),
        max_minutes: opt_int(&mut errors, t, "max_minutes", &form.max_minutes),
        advance_days: opt_int(&mut errors, t, "advance_days", &form.advance_days),
        buffer_minutes: opt_int(&mut errors, t, "buffer_minutes", &form.buffer_minutes),
        needs_approval: Some(form.needs_approval.is_some()),
        access: Some(form.access.clone()),
        equipment: form.equipment.split(',').map(str::to_owned).collect(),
        photos: form.photos.split_whitespace().map(str::to_owned).collect(),
        ..app::operations::ResourceInput::default()
    };
    if !errors.is_empty() {
        let p = resources_page(&state, page, id, form, errors).await?;
        return Ok(unprocessable(p));
    }
    match app::operations::create_resource(&state.app, &actor, id, &input).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/lieux/{id}/gestion/ressources"), "bo_resource_created")),
        Err(AppError::Invalid(fields)) => {
            // The use case words these for the API; the form says what to type.
            let errors = field_messages(t, &fields, &[])
                .reword("equipment", t.bo_err_equipment)
                .reword("photos", t.bo_err_photos);
            let p = resources_page(&state, page, id, form, errors).await?;
            Ok(unprocessable(p))
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
