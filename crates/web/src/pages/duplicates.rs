//! The territory team's review of duplicate candidates: the queue, two
//! records side by side with a choice per field, merge or keep apart, and
//! the recent merges with their undo.

use std::collections::BTreeSet;

use app::AppError;
use app::atlas::duplicates::{keep_apart, merge_pair, survivor_of, undo_merge};
use app::atlas::vocab::value_label;
use app::i18n::{Lang, dedup_reason, field_label, fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::atlas::fields::{Cardinality, field_spec};
use domain::atlas::{Value, fields_of};
use domain::policy::{Action, Actor, Resource, authorize};
use store::atlas::AtlasRecord;

use super::atlas::field_lines;
use super::{Chrome, Page, PageError, redirect_with_notice};
use crate::state::AppState;

/// The reviewer, or the reason they may not review.
fn reviewer(page: &Page) -> Result<Actor, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    authorize(&actor, Action::ReviewDuplicates, Resource::Platform).map_err(|_| PageError::Forbidden(lang))?;
    Ok(actor)
}

fn page_error(lang: Lang) -> impl Fn(AppError) -> PageError {
    move |e| PageError::from_app(lang, e)
}

pub struct PendingRow {
    id: i64,
    a: (i64, String, String),
    b: (i64, String, String),
    score: u32,
    reasons: String,
}

pub struct MergeRow {
    id: i64,
    text: String,
    undone: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "duplicates.html")]
pub struct QueuePage {
    chrome: Chrome,
    pending: Vec<PendingRow>,
    pending_line: String,
    merges: Vec<MergeRow>,
}

/// A record as "name (commune)" for lists.
fn name_and_place(r: &AtlasRecord) -> (i64, String, String) {
    (r.id, r.name.clone(), r.text("commune_name").unwrap_or_default().to_owned())
}

pub async fn queue(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    reviewer(&page)?;
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let store = &state.app.store;
    let candidates = store.pending_duplicates(200).await.map_err(|e| page_error(lang)(e.into()))?;
    let ids: Vec<i64> = candidates.iter().flat_map(|c| [c.a_id, c.b_id]).collect();
    let records = store.atlas_records_by_ids(&ids).await.map_err(|e| page_error(lang)(e.into()))?;
    let find = |id: i64| records.iter().find(|r| r.id == id).map(name_and_place);
    let pending = candidates
        .iter()
        .filter_map(|c| {
            Some(PendingRow {
                id: c.id,
                a: find(c.a_id)?,
                b: find(c.b_id)?,
                score: (c.score * 100.0).round() as u32,
                reasons: c.reasons.iter().map(|r| dedup_reason(r, lang)).collect::<Vec<_>>().join(", "),
            })
        })
        .collect();
    let merges = store
        .merges(30)
        .await
        .map_err(|e| page_error(lang)(e.into()))?
        .into_iter()
        .map(|m| {
            let how = if m.automatic { t.dup_auto } else { t.dup_manual };
            let when = format_datetime(lang, store::from_micros(m.merged_at));
            MergeRow {
                id: m.id,
                text: fill(t.dup_merge_line, &[&m.merged_id.to_string(), &m.survivor_id.to_string(), &when, how]),
                undone: m.undone_at.map(|u| fill(t.dup_undone, &[&format_datetime(lang, store::from_micros(u))])),
            }
        })
        .collect();
    let pending_line = fill(t.dup_pending_count, &[&candidates.len().to_string()]);
    Ok(QueuePage { chrome: page.chrome, pending, pending_line, merges }.into_response())
}

pub struct FieldChoice {
    name: String,
    label: String,
    /// ("a", values of the first record), ("b", values of the second).
    sides: [(&'static str, Vec<String>); 2],
    /// Single values that differ: the reviewer picks one.
    differs: bool,
    /// Lists that differ: the merge keeps both.
    united: bool,
    /// Which side is selected by default: "a" or "b".
    default: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "duplicate.html")]
pub struct PairPage {
    chrome: Chrome,
    id: i64,
    a: AtlasRecord,
    b: AtlasRecord,
    a_title: String,
    b_title: String,
    hint: String,
    fields: Vec<FieldChoice>,
    score: u32,
    reasons: String,
}

pub async fn pair(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    reviewer(&page)?;
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let store = &state.app.store;
    let c = store.duplicate_candidate(id).await.map_err(|e| page_error(lang)(e.into()))?;
    if c.status != "pending" {
        return Ok(redirect_with_notice("/doublons", "pair_settled"));
    }
    let a = store.atlas_record(c.a_id).await.map_err(|e| page_error(lang)(e.into()))?;
    let b = store.atlas_record(c.b_id).await.map_err(|e| page_error(lang)(e.into()))?;
    let (survivor, _) = survivor_of(&a, &b);
    // In the order of the record's form; lists are united by the merge, so
    // only single values need a choice.
    let present: BTreeSet<&String> = a.fields.keys().chain(b.fields.keys()).collect();
    let fields = fields_of(a.kind)
        .iter()
        .filter(|spec| present.iter().any(|p| p.as_str() == spec.name))
        .map(|spec| {
            let name = spec.name;
            let (va, vb) = (a.fields.get(name), b.fields.get(name));
            let shown = |v: Option<&Value>| {
                v.map(field_lines).unwrap_or_default().into_iter().map(|x| value_label(name, &x, lang)).collect()
            };
            let default = match (survivor == a.id, va.is_some(), vb.is_some()) {
                (true, true, _) | (false, true, false) => "a",
                _ => "b",
            };
            FieldChoice {
                name: name.to_owned(),
                label: field_label(name, lang).to_owned(),
                sides: [("a", shown(va)), ("b", shown(vb))],
                differs: va != vb && spec.cardinality == Cardinality::One,
                united: va != vb && spec.cardinality == Cardinality::Many,
                default,
            }
        })
        .collect();
    let survivor_name = if survivor == a.id { &a.name } else { &b.name };
    Ok(PairPage {
        id,
        a_title: fill(t.dup_record, &[&a.id.to_string()]),
        b_title: fill(t.dup_record, &[&b.id.to_string()]),
        hint: fill(t.dup_pair_hint, &[survivor_name]),
        fields,
        score: (c.score * 100.0).round() as u32,
        reasons: c.reasons.iter().map(|r| dedup_reason(r, lang)).collect::<Vec<_>>().join(", "),
        a,
        b,
        chrome: page.chrome,
    }
    .into_response())
}

/// Merge (with `choice_FIELD` = a | b for fields that differ) or keep apart.
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = reviewer(&page)?;
    let lang = page.chrome.lang;
    let action = pairs.iter().find(|(k, _)| k == "action").map(|(_, v)| v.as_str());
    let settled = |e: AppError| match e {
        AppError::Conflict(_) => Ok(redirect_with_notice("/doublons", "pair_settled")),
        other => Err(page_error(lang)(other)),
    };
    match action {
        Some("distinct") => match keep_apart(&state.app, &actor, id).await {
            Ok(()) => Ok(redirect_with_notice("/doublons", "kept_apart")),
            Err(e) => settled(e),
        },
        Some("merge") => {
            let c = state.app.store.duplicate_candidate(id).await.map_err(|e| page_error(lang)(e.into()))?;
            let a = state.app.store.atlas_record(c.a_id).await.map_err(|e| page_error(lang)(e.into()))?;
            let b = state.app.store.atlas_record(c.b_id).await.map_err(|e| page_error(lang)(e.into()))?;
            let (survivor, _) = survivor_of(&a, &b);
            // Every field that differs keeps the chosen value as a hand
            // edit, so later imports do not overturn the reviewer.
            let choices: Vec<(String, i64)> = pairs
                .iter()
                .filter_map(|(k, v)| {
                    let field = k.strip_prefix("choice_")?;
                    let from = match v.as_str() {
                        "a" => c.a_id,
                        "b" => c.b_id,
                        _ => return None,
                    };
                    let single = field_spec(a.kind, field).is_some_and(|s| s.cardinality == Cardinality::One);
                    (single && a.fields.get(field) != b.fields.get(field)).then(|| (field.to_owned(), from))
                })
                .collect();
            match merge_pair(&state.app, &actor, id, survivor, &choices).await {
                Ok(_) => Ok(redirect_with_notice(&format!("/atlas/{survivor}"), "merged")),
                Err(e) => settled(e),
            }
        }
        _ => Err(PageError::NotFound(lang)),
    }
}

pub async fn undo(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let actor = reviewer(&page)?;
    let lang = page.chrome.lang;
    match undo_merge(&state.app, &actor, id).await {
        Ok(()) | Err(AppError::Conflict(_)) => Ok(redirect_with_notice("/doublons", "unmerged")),
        Err(e) => Err(page_error(lang)(e)),
    }
}
