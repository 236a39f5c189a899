//! Record pages of the atlas: show, edit, confirm.

use app::AppError;
use app::atlas::records::{confirm_by_link, confirm_record, edit_record, may_edit, record_of_link};
use app::atlas::view::{RecordView, link_label, record_view};
use app::i18n::{Lang, field_label, fill, format_datetime, metric_label};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::atlas::fields::{Cardinality, ValueType};
use domain::atlas::kinds::{PLACE_KINDS, label};
use domain::atlas::{RecordKind, Value, fields_of};
use domain::policy::Actor;
use serde::Deserialize;

use super::{Chrome, FormErrors, Page, PageError, redirect_with_notice};
use crate::state::AppState;

pub struct HoursBlock {
    title: String,
    open: bool,
    state: &'static str,
    next: Option<String>,
    osm: String,
}

pub struct SourceLine {
    text: String,
    url: Option<String>,
    licence: Option<String>,
    retired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "record.html")]
pub struct RecordPage {
    chrome: Chrome,
    v: RecordView,
    kind_label: &'static str,
    kinds: Vec<String>,
    summary: Option<String>,
    description: Option<String>,
    description_title: String,
    /// (label, values, values are links)
    facts: Vec<(String, Vec<String>, bool)>,
    hours: Option<HoursBlock>,
    related: Vec<(String, i64, String)>,
    figures: Vec<(i64, String, i64)>,
    territory: Vec<(String, String)>,
    sources: Vec<SourceLine>,
    conflicts: Vec<String>,
    merged_into: Option<i64>,
    verified_line: String,
    updated_line: String,
    quality_line: String,
    quality_band: &'static str,
    stale_warning: String,
    may_edit: bool,
    approximate: bool,
    tiles: String,
    /// The place has bookable resources: link to their page.
    has_resources: bool,
    /// The reader manages the place: link to its back office.
    may_manage: bool,
}

pub fn kind_label(t: &app::i18n::Messages, kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Place => t.kind_place,
        RecordKind::Organisation => t.kind_organisation,
        RecordKind::Service => t.kind_service,
    }
}

/// A value as text lines for the page.
pub fn field_lines(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.clone(),
        Value::Text(t) => vec![t.clone()],
        Value::Int(i) => vec![i.to_string()],
        Value::Num(n) => vec![n.to_string()],
        Value::Bool(b) => vec![if *b { "✓".into() } else { "✗".into() }],
        Value::Geo { lat, lon } => vec![format!("{lat}, {lon}")],
    }
}

/// Fields shown in the facts list, in this order.
const FACTS: &[&str] = &[
    "street",
    "address_complement",
    "postal_code",
    "phones",
    "emails",
    "websites",
    "booking_url",
    "acceslibre_url",
    "accessibility",
    "programmes",
    "labels",
    "itinerance",
    "surface_m2",
    "capacity",
    "pivot",
    "org_kind",
    "legal_form",
    "naf",
    "size_band",
    "service_types",
    "thematiques",
    "publics",
    "fees",
    "fee_details",
    "reception_modes",
    "access_modes",
    "support_modes",
    "mediation_services",
    "eligibility_zone",
    "typologies",
    "parent_structure",
    "training_labels",
    "producer",
];

fn page_of(state: &AppState, page: Page, v: RecordView, actor: &Actor) -> RecordPage {
    let t = page.chrome.t;
    let lang = page.chrome.lang;
    let french = lang == Lang::Fr;
    let r = &v.record;
    let facts = FACTS
        .iter()
        .filter_map(|f| {
            let value = r.fields.get(*f)?;
            let link = matches!(*f, "websites" | "booking_url" | "acceslibre_url");
            Some((field_label(f, lang).to_owned(), field_lines(value), link))
        })
        .collect();
    let hours = r.text("opening_hours").map(|osm| {
        let (open, next) = v.open.as_ref().map_or((false, None), |o| (o.open, o.next_change));
        let when = |d| format_datetime(lang, d);
        HoursBlock {
            title: field_label("opening_hours", lang).to_owned(),
            open,
            state: if open { t.rec_open_now } else { t.rec_closed_now },
            next: next.map(|n| fill(if open { t.rec_closes_at } else { t.rec_opens_at }, &[&when(n)])),
            osm: osm.to_owned(),
        }
    });
    let related = v
        .related
        .iter()
        .map(|rel| {
            let relation = link_label(&rel.link_type, french);
            let text = if rel.outgoing {
                format!("{relation} :")
            } else {
                format!("{} ← {relation} :", kind_label(t, rel.kind))
            };
            (text, rel.id, rel.name.clone())
        })
        .collect();
    let at = |us: i64| format_datetime(lang, store::from_micros(us));
    let territory = [
        (field_label("commune_name", lang), v.commune.clone()),
        (t.rec_epci, v.epci.clone()),
        (t.rec_departement, v.departement.clone()),
        (t.rec_region, v.region.clone()),
    ]
    .into_iter()
    .filter_map(|(l, value)| value.map(|value| (l.to_owned(), value)))
    .collect();
    let sources = v
        .sources
        .iter()
        .map(|s| SourceLine {
            text: fill(t.rec_source_line, &[&s.title, &s.record.source_id, &at(s.record.fetched_at)]),
            url: s.url.clone(),
            licence: s.licence.clone().map(|l| match &s.publisher {
                Some(p) => format!("{p} — {l}"),
                None => l,
            }),
            retired: s.record.retired_at.is_some(),
        })
        .collect();
    let conflicts = r
        .conflicts
        .iter()
        .map(|c| {
            fill(
                t.rec_conflict_line,
                &[
                    field_label(&c.field, lang),
                    &field_lines(&c.hand_value).join(", "),
                    &field_lines(&c.source_value).join(", "),
                ],
            )
        })
        .collect();
    RecordPage {
        kind_label: kind_label(t, r.kind),
        kinds: r.list("kinds").iter().map(|k| label(PLACE_KINDS, k, french).to_owned()).collect(),
        summary: r.text("summary").map(str::to_owned),
        description: r.text("description").map(str::to_owned),
        description_title: field_label("description", lang).to_owned(),
        facts,
        hours,
        related,
        figures: v.figures.iter().map(|f| (f.year, metric_label(&f.metric, lang).to_owned(), f.value)).collect(),
        territory,
        sources,
        conflicts,
        merged_into: r.merged_into,
        verified_line: r
            .verified_at
            .map_or_else(|| t.rec_never_verified.to_owned(), |d| fill(t.rec_verified_on, &[&at(d)])),
        updated_line: fill(t.rec_updated_on, &[&at(r.updated_at)]),
        quality_line: fill(t.rec_quality, &[&r.quality.to_string()]),
        quality_band: match r.quality {
            70.. => "high",
            40..=69 => "medium",
            _ => "low",
        },
        stale_warning: fill(t.rec_stale_warning, &[&state.app.config.stale_after_days.to_string()]),
        may_edit: r.is_live() && may_edit(actor, r),
        approximate: !r.fields.contains_key("geo"),
        tiles: state.app.config.tile_url.clone().unwrap_or_default(),
        has_resources: false,
        may_manage: false,
        chrome: page.chrome,
        v,
    }
}

fn actor_of(page: &Page) -> Actor {
    page.identity.as_ref().map_or(Actor::Anonymous, |i| i.actor())
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let v = record_view(&state.app, id).await.map_err(|e| PageError::from_app(lang, e))?;
    let actor = actor_of(&page);
    let has_resources = v.record.kind == RecordKind::Place
        && v.record.is_live()
        && !state.app.store.resources_of_place(id).await.map_err(|e| PageError::from_app(lang, e.into()))?.is_empty();
    let may_manage =
        v.record.kind == RecordKind::Place && v.record.is_live() && app::backoffice::may_manage(&actor, id);
    Ok(RecordPage { has_resources, may_manage, ..page_of(&state, page, v, &actor) }.into_response())
}

/// One field of the edit form.
pub struct EditField {
    name: &'static str,
    label: String,
    hint: Option<&'static str>,
    /// text, textarea, checkboxes
    widget: &'static str,
    value: String,
    /// For checkboxes: (code, label, checked)
    choices: Vec<(String, String, bool)>,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "record_edit.html")]
pub struct EditPage {
    chrome: Chrome,
    id: i64,
    title: String,
    fields: Vec<EditField>,
    errors: FormErrors,
}

/// Fields people edit by hand; others come from sources only.
const NOT_EDITABLE: &[&str] = &["commune_name", "producer", "mediation_services"];

fn edit_fields(
    lang: Lang,
    t: &app::i18n::Messages,
    record: &store::atlas::AtlasRecord,
    typed: Option<&[(String, String)]>,
    errors: &FormErrors,
) -> Vec<EditField> {
    let french = lang == Lang::Fr;
    fields_of(record.kind)
        .iter()
        .filter(|f| !NOT_EDITABLE.contains(&f.name))
        .map(|f| {
            let current = record.fields.get(f.name);
            let typed_value = typed.map(|pairs| {
                pairs.iter().filter(|(k, _)| k == f.name).map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("\n")
            });
            let value =
                typed_value.clone().unwrap_or_else(|| current.map(|v| field_lines(v).join("\n")).unwrap_or_default());
            let (widget, hint) = match (f.name, f.cardinality, f.ty) {
                ("kinds", _, _) => ("checkboxes", None),
                ("opening_hours", _, _) => ("text", Some(t.edit_hours_hint)),
                (_, _, ValueType::Geo) => ("text", Some(t.edit_geo_hint)),
                ("description", _, _) => ("textarea", None),
                (_, Cardinality::Many, _) => ("textarea", Some(t.edit_list_hint)),
                _ => ("text", None),
            };
            let choices = if f.name == "kinds" {
                let chosen: Vec<String> = value.lines().map(str::to_owned).collect();
                let mut c: Vec<(String, String, bool)> = PLACE_KINDS
                    .iter()
                    .map(|k| {
                        (
                            k.code.to_owned(),
                            label(PLACE_KINDS, k.code, french).to_owned(),
                            chosen.iter().any(|x| x == k.code),
                        )
                    })
                    .collect();
                for extra in chosen.iter().filter(|x| !PLACE_KINDS.iter().any(|k| k.code == *x)) {
                    c.push((extra.clone(), extra.clone(), true));
                }
                c
            } else {
                Vec::new()
            };
            EditField {
                name: f.name,
                label: field_label(f.name, lang).to_owned(),
                hint,
                widget,
                value,
                choices,
                error: errors.get(f.name).map(str::to_owned),
            }
        })
        .collect()
}

pub async fn edit_form(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    page.require_identity()?;
    let record = state.app.store.atlas_record(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    if !may_edit(&actor_of(&page), &record) {
        return Err(PageError::Forbidden(lang));
    }
    let t = page.chrome.t;
    Ok(EditPage {
        id,
        title: fill(t.edit_title, &[&record.name]),
        fields: edit_fields(lang, t, &record, None, &FormErrors::default()),
        errors: FormErrors::default(),
        chrome: page.chrome,
    }
    .into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    page.require_identity()?;
    let actor = actor_of(&page);
    let record = state.app.store.atlas_record(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    // Checkboxes send one pair per ticked box; fields absent from the form
    // (an unticked set of boxes) count as emptied.
    let mut inputs: Vec<(String, String)> = Vec::new();
    for f in fields_of(record.kind).iter().filter(|f| !NOT_EDITABLE.contains(&f.name)) {
        let values: Vec<&str> = pairs.iter().filter(|(k, _)| k == f.name).map(|(_, v)| v.as_str()).collect();
        inputs.push((f.name.to_owned(), values.join("\n")));
    }
    match edit_record(&state.app, &actor, id, &inputs).await {
        Ok(_) => Ok(redirect_with_notice(&format!("/atlas/{id}"), "record_saved")),
        Err(AppError::Invalid(errors)) => {
            let t = page.chrome.t;
            let errors = FormErrors::from_app(t, &errors);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                EditPage {
                    id,
                    title: fill(t.edit_title, &[&record.name]),
                    fields: edit_fields(lang, t, &record, Some(&inputs), &errors),
                    errors,
                    chrome: page.chrome,
                },
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}

pub async fn confirm(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    page.require_identity()?;
    confirm_record(&state.app, &actor_of(&page), id).await.map_err(|e| PageError::from_app(lang, e))?;
    Ok(redirect_with_notice(&format!("/atlas/{id}"), "record_confirmed"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "record_verify.html")]
pub struct VerifyPage {
    chrome: Chrome,
    id: i64,
    title: String,
    token: String,
    facts: Vec<(String, Vec<String>, bool)>,
}

pub async fn verify_form(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let t = page.chrome.t;
    let valid = record_of_link(&state.app, &q.token).await.map_err(|e| PageError::from_app(lang, e))? == Some(id);
    if !valid {
        return Ok((
            StatusCode::BAD_REQUEST,
            super::auth::MessagePage {
                chrome: page.chrome,
                title: t.verify_invalid,
                message: String::new(),
                link: None,
            },
        )
            .into_response());
    }
    let record = state.app.store.atlas_record(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let title = fill(t.verify_title, &[&record.name]);
    let facts =
        ["name", "street", "postal_code", "commune_name", "opening_hours", "phones", "emails", "websites", "summary"]
            .iter()
            .filter_map(|f| {
                record.fields.get(*f).map(|v| (field_label(f, lang).to_owned(), field_lines(v), *f == "websites"))
            })
            .collect();
    Ok(VerifyPage { chrome: page.chrome, id, title, token: q.token, facts }.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyInput {
    token: String,
}

pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(input): Form<VerifyInput>,
) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    match confirm_by_link(&state.app, &input.token).await {
        Ok(record) if record == id => Ok(redirect_with_notice(&format!("/atlas/{id}"), "record_confirmed")),
        Ok(record) => Ok(Redirect::to(&format!("/atlas/{record}")).into_response()),
        Err(AppError::InvalidLink) => {
            let t = page.chrome.t;
            Ok((
                StatusCode::BAD_REQUEST,
                super::auth::MessagePage {
                    chrome: page.chrome,
                    title: t.verify_invalid,
                    message: String::new(),
                    link: None,
                },
            )
                .into_response())
        }
        Err(e) => Err(PageError::from_app(lang, e)),
    }
}
