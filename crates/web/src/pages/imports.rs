//! Imports from the web for the territory team: upload a file with a
//! mapping, follow the run, read its summary and rejected rows.
//!
//! The import runs in the background as the command line runs it; the
//! upload answers as soon as the run is recorded, and the run's page
//! reloads itself until the run ends.

use std::sync::Mutex;

use app::AppError;
use app::atlas::import::mapping::{InputFormat, Mapping, SHIPPED};
use app::atlas::import::{ImportRequest, Progress, import, readers, write_rejects_csv};
use app::i18n::{fill, format_datetime};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::policy::{Action, Actor, Resource, authorize};
use store::atlas::ImportRun;

use super::{Chrome, FormErrors, Page, PageError};
use crate::state::AppState;

/// The largest file the form accepts (the national files are a few MB).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// Rejected rows shown on the run's page; the CSV has them all.
const REJECTS_SHOWN: i64 = 500;

fn importer(page: &Page) -> Result<Actor, PageError> {
    let lang = page.chrome.lang;
    let actor = page.require_identity()?.actor();
    authorize(&actor, Action::ImportAtlas, Resource::Platform).map_err(|_| PageError::Forbidden(lang))?;
    Ok(actor)
}

pub struct RunRow {
    id: i64,
    source: String,
    started: String,
    status: &'static str,
    counts: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "imports.html")]
pub struct FormPage {
    chrome: Chrome,
    mappings: Vec<(&'static str, String, bool)>,
    source: String,
    within: String,
    errors: FormErrors,
    runs: Vec<RunRow>,
}

fn status_label(t: &app::i18n::Messages, status: &str) -> &'static str {
    match status {
        "running" => t.imp_status_running,
        "done" => t.imp_status_done,
        "failed" => t.imp_status_failed,
        _ => t.imp_status_interrupted,
    }
}

fn counts_line(t: &app::i18n::Messages, r: &ImportRun) -> String {
    let c = &r.counts;
    let n = [c.read, c.created, c.updated, c.unchanged, c.retired, c.rejected].map(|x| x.to_string());
    fill(t.imp_counts, &n.each_ref().map(String::as_str))
}

async fn form_page(
    state: &AppState,
    page: Page,
    chosen: &str,
    source: String,
    within: String,
    errors: FormErrors,
) -> Result<FormPage, PageError> {
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let runs = state.app.store.import_runs(20).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let mappings = SHIPPED
        .iter()
        .map(|(name, text)| {
            let title = Mapping::parse(text).map(|m| m.source.title).unwrap_or_default();
            (*name, format!("{title} ({name})"), *name == chosen)
        })
        .collect();
    Ok(FormPage {
        mappings,
        source,
        within,
        errors,
        runs: runs
            .iter()
            .map(|r| RunRow {
                id: r.id,
                source: r.source.clone(),
                started: format_datetime(lang, store::from_micros(r.started_at)),
                status: status_label(t, &r.status),
                counts: counts_line(t, r),
            })
            .collect(),
        chrome: page.chrome,
    })
}

pub async fn form(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    importer(&page)?;
    Ok(form_page(&state, page, "", String::new(), String::new(), FormErrors::default()).await?.into_response())
}

/// What the form sent.
#[derive(Default)]
struct Upload {
    source: String,
    mapping: String,
    mapping_file: Option<Vec<u8>>,
    within: String,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "source" => u.source = text(),
            "mapping" => u.mapping = text(),
            "within" => u.within = text(),
            "mapping_file" if !bytes.is_empty() => u.mapping_file = Some(bytes),
            "file" if !bytes.is_empty() => u.file = Some((file_name.unwrap_or_default(), bytes)),
            _ => {}
        }
    }
    Ok(u)
}

/// Checks the form field by field; returns what the import needs.
fn check(t: &app::i18n::Messages, u: &Upload) -> Result<(Mapping, String, Option<Vec<String>>), FormErrors> {
    let mut errors = Vec::new();
    let mapping = match &u.mapping_file {
        Some(bytes) => std::str::from_utf8(bytes).ok().and_then(|text| Mapping::parse(text).ok()),
        None => SHIPPED.iter().find(|(n, _)| *n == u.mapping).and_then(|(_, text)| Mapping::parse(text).ok()),
    };
    if mapping.is_none() {
        errors.push(("mapping", t.imp_err_mapping.to_owned()));
    }
    let source =
        if u.source.is_empty() { mapping.as_ref().map(|m| m.source.name.clone()) } else { Some(u.source.clone()) }
            .unwrap_or_default();
    if mapping.is_some() && (source.is_empty() || source.chars().count() > 80 || source == "manual") {
        errors.push(("source", t.imp_err_source.to_owned()));
    }
    let within: Vec<String> = u.within.split(',').map(|d| d.trim().to_uppercase()).filter(|d| !d.is_empty()).collect();
    if within.iter().any(|d| !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric())) {
        errors.push(("within", t.imp_err_within.to_owned()));
    }
    if u.file.is_none() {
        errors.push(("file", t.imp_err_file.to_owned()));
    }
    match (mapping, errors.is_empty()) {
        (Some(m), true) => Ok((m, source, (!within.is_empty()).then_some(within))),
        _ => Err(errors.into_iter().fold(FormErrors::default(), |acc, (f, m)| acc.with(f, &m))),
    }
}

/// The input's format from the file name, else the mapping's.
fn format_of(file_name: &str, mapping: &Mapping) -> InputFormat {
    match file_name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("csv" | "tsv" | "txt") => InputFormat::Csv,
        Some("json") => InputFormat::Json,
        Some("geojson") => InputFormat::Geojson,
        _ => mapping.source.format,
    }
}

pub async fn upload(State(state): State<AppState>, page: Page, multipart: Multipart) -> Result<Response, PageError> {
    let actor = importer(&page)?;
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    // A body that is not valid multipart is treated as an empty form.
    let u = read_upload(multipart).await.unwrap_or_default();
    let (mapping, source, within) = match check(t, &u) {
        Ok(checked) => checked,
        Err(errors) => {
            let form = form_page(&state, page, &u.mapping, u.source.clone(), u.within.clone(), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, form).into_response());
        }
    };
    let (file_name, bytes) = u.file.unwrap_or_default();
    let rows = match readers::rows(
        format_of(&file_name, &mapping),
        std::io::Cursor::new(bytes),
        mapping.source.json_root.as_deref(),
    ) {
        Ok(rows) => rows,
        Err(e) => {
            let errors = FormErrors::one("file", &fill(t.imp_err_unreadable, &[&e.to_string()]));
            let form = form_page(&state, page, &u.mapping, u.source.clone(), u.within.clone(), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, form).into_response());
        }
    };

    let (started, run_id) = tokio::sync::oneshot::channel();
    let app = state.app.clone();
    tokio::spawn(async move {
        let started = Mutex::new(Some(started));
        let progress = |p: Progress| {
            if let Progress::Started { run_id } = p
                && let Some(tx) = started.lock().unwrap_or_else(|p| p.into_inner()).take()
            {
                let _ = tx.send(run_id);
            }
        };
        let request = ImportRequest { source: &source, mapping: &mapping, within: within.as_deref() };
        if let Err(e) = import(&app, &actor, request, rows, &progress).await {
            tracing::warn!(error = %e, "import from the web stopped");
        }
    });
    match run_id.await {
        Ok(id) => Ok(Redirect::to(&format!("/import/{id}")).into_response()),
        Err(_) => Err(PageError::from_app(lang, AppError::Internal("the import did not start".into()))),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_run.html")]
pub struct RunPage {
    chrome: Chrome,
    title: String,
    status: &'static str,
    running: bool,
    counts: String,
    skipped: Option<String>,
    duplicates: String,
    rejects: Vec<store::atlas::ImportReject>,
    rejected: i64,
    id: i64,
}

pub async fn run(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    importer(&page)?;
    let (lang, t) = (page.chrome.lang, page.chrome.t);
    let store = &state.app.store;
    let r = store.import_run(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let rejects = store.import_rejects(id, REJECTS_SHOWN).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let c = r.counts;
    Ok(RunPage {
        title: fill(t.imp_run_title, &[&id.to_string(), &r.source]),
        status: status_label(t, &r.status),
        running: r.status == "running",
        counts: counts_line(t, &r),
        skipped: (c.skipped > 0).then(|| fill(t.imp_skipped, &[&c.skipped.to_string()])),
        duplicates: fill(t.imp_duplicates, &[&c.merged.to_string(), &c.queued.to_string()]),
        rejects,
        rejected: c.rejected,
        id,
        chrome: page.chrome,
    }
    .into_response())
}

/// Every rejected row of a run: line, field, reason, the row as JSON.
pub async fn rejects_csv(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    importer(&page)?;
    let lang = page.chrome.lang;
    let store = &state.app.store;
    store.import_run(id).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let rejects = store.import_rejects(id, i64::MAX).await.map_err(|e| PageError::from_app(lang, e.into()))?;
    let mut out = Vec::new();
    write_rejects_csv(&mut out, &rejects).map_err(|e| PageError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"import-{id}-rejets.csv\"")),
        ],
        out,
    )
        .into_response())
}
