//! The home page, the search page and the embeddable widget: a list beside
//! a map, facets as links with counts, every state in the URL (shareable,
//! the back button works, no JavaScript needed).

use app::atlas::search::{FACETS, param_of_facet, parse_params, query};
use app::atlas::vocab::value_label;
use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::atlas::RecordKind;
use domain::atlas::kinds::PLACE_KINDS;

use super::{Chrome, Page, PageError};
use crate::state::AppState;

pub struct ResultRow {
    id: i64,
    name: String,
    kind: &'static str,
    commune: String,
    distance: Option<String>,
}

pub struct FacetBlock {
    title: &'static str,
    /// (label, count, href, selected)
    values: Vec<(String, u64, String, bool)>,
}

/// The search's state: URL parameters, minus the cursor.
pub struct SearchView {
    q: String,
    rows: Vec<ResultRow>,
    total_line: String,
    facets: Vec<FacetBlock>,
    open_now: Option<(u64, String, bool)>,
    next_href: Option<String>,
    first_href: Option<String>,
    clear_href: Option<String>,
    map_query: String,
    map_bounds: String,
    tiles: String,
    error: Option<String>,
    /// Hidden fields that keep the filters when the text changes.
    hidden: Vec<(String, String)>,
}

fn encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn facet_title(t: &Messages, facet: &str) -> &'static str {
    match facet {
        "kind" => t.facet_kind,
        "kinds" => t.facet_kinds,
        "service_types" => t.facet_service_types,
        "thematiques" => t.facet_thematiques,
        "publics" => t.facet_publics,
        "fees" => t.facet_fees,
        "labels" => t.facet_labels,
        "networks" => t.facet_networks,
        "departement" => t.facet_departement,
        "region" => t.facet_region,
        _ => t.facet_quality,
    }
}

fn kind_label(t: &Messages, kind: &str) -> &'static str {
    match RecordKind::parse(kind) {
        Some(k) => super::atlas::kind_label(t, k),
        None => "",
    }
}

/// Runs the search of these URL parameters for a page at `base`.
pub fn search_view(state: &AppState, lang: Lang, base: &str, raw: Option<String>) -> SearchView {
    let t = lang.messages();
    let mut pairs: Vec<(String, String)> =
        raw.as_deref().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    pairs.retain(|(_, v)| !v.trim().is_empty());
    let without_cursor: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "cursor").cloned().collect();
    let href = |p: &[(String, String)]| if p.is_empty() { base.to_owned() } else { format!("{base}?{}", encode(p)) };
    let toggle = |param: &str, value: &str| {
        let mut p = without_cursor.clone();
        match p.iter().position(|(k, v)| k == param && v == value) {
            Some(i) => {
                p.remove(i);
            }
            None => p.push((param.to_owned(), value.to_owned())),
        }
        href(&p)
    };
    let q = pairs.iter().find(|(k, _)| k == "q").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut view = SearchView {
        q,
        rows: Vec::new(),
        total_line: String::new(),
        facets: Vec::new(),
        open_now: None,
        next_href: None,
        first_href: pairs.iter().any(|(k, _)| k == "cursor").then(|| href(&without_cursor)),
        clear_href: without_cursor
            .iter()
            .any(|(k, _)| k != "q")
            .then(|| href(&without_cursor.iter().filter(|(k, _)| k == "q").cloned().collect::<Vec<_>>())),
        map_query: encode(&without_cursor.iter().filter(|(k, _)| k != "bbox").cloned().collect::<Vec<_>>()),
        map_bounds: String::new(),
        tiles: state.app.config.tile_url.clone().unwrap_or_default(),
        error: None,
        hidden: without_cursor.iter().filter(|(k, _)| k != "q").cloned().collect(),
    };
    let params = match parse_params(&pairs) {
        Ok(p) => p,
        Err(e) => {
            view.error = Some(e.to_string());
            return view;
        }
    };
    let results = match state.indexer.index.search(&query(&params, Utc::now())) {
        Ok(r) => r,
        Err(e) => {
            view.error = Some(e.to_string());
            return view;
        }
    };
    view.total_line = match results.total {
        0 => t.search_none.to_owned(),
        1 => t.search_one_result.to_owned(),
        n => fill(t.search_results, &[&n.to_string()]),
    };
    let (mut min_lat, mut min_lon, mut max_lat, mut max_lon) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for h in &results.items {
        if let (Some(lat), Some(lon)) = (h.lat, h.lon) {
            min_lat = min_lat.min(lat);
            max_lat = max_lat.max(lat);
            min_lon = min_lon.min(lon);
            max_lon = max_lon.max(lon);
        }
        view.rows.push(ResultRow {
            id: h.id,
            name: h.name.clone(),
            kind: kind_label(t, &h.kind),
            commune: h.commune.clone().unwrap_or_default(),
            distance: h.distance_m.map(|d| {
                let text = if d < 1000.0 { format!("{} m", d.round()) } else { format!("{:.1} km", d / 1000.0) };
                fill(t.search_distance, &[&text])
            }),
        });
    }
    if min_lat <= max_lat {
        view.map_bounds = format!("{min_lat},{min_lon},{max_lat},{max_lon}");
    }
    view.next_href = results.next.as_ref().map(|c| {
        let mut p = without_cursor.clone();
        p.push(("cursor".into(), c.clone()));
        href(&p)
    });
    let open_selected = without_cursor.iter().any(|(k, v)| k == "open" && v == "now");
    view.open_now = results.open_now.map(|n| (n, toggle("open", "now"), open_selected));
    for facet in FACETS {
        let Some(values) = results.facets.get(*facet) else { continue };
        let Some(param) = param_of_facet(facet) else { continue };
        let selected: Vec<&str> = without_cursor.iter().filter(|(k, _)| k == param).map(|(_, v)| v.as_str()).collect();
        let top: Vec<&(String, u64)> = values.iter().take(12).collect();
        let mut shown: Vec<(String, u64, String, bool)> = top
            .iter()
            .map(|(v, n)| (value_label(facet, v, lang), *n, toggle(param, v), selected.contains(&v.as_str())))
            .collect();
        // A selected value always shows, even when rare, so that it can be removed.
        for s in selected.iter().filter(|s| !top.iter().any(|(v, _)| v == *s)) {
            let n = values.iter().find(|(v, _)| v == s).map_or(0, |(_, n)| *n);
            shown.push((value_label(facet, s, lang), n, toggle(param, s), true));
        }
        if shown.len() > 1 || shown.iter().any(|v| v.3) {
            view.facets.push(FacetBlock { title: facet_title(t, facet), values: shown });
        }
    }
    view
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    chrome: Chrome,
    v: SearchView,
}

pub async fn show(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let v = search_view(&state, page.chrome.lang, "/recherche", raw);
    let status = if v.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, SearchPage { chrome: page.chrome, v }).into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct Home {
    chrome: Chrome,
    signed_in_as: String,
    counts: String,
    kinds: Vec<(String, String, u64)>,
    tiles: String,
}

pub async fn home(State(state): State<AppState>, page: Page) -> Result<Home, PageError> {
    let t = page.chrome.t;
    let lang = page.chrome.lang;
    let signed_in_as = fill(t.home_signed_in_as, &[page.chrome.user_name.as_deref().unwrap_or("")]);
    let results = state
        .indexer
        .index
        .search(&search::SearchQuery {
            limit: 1,
            facet_counts: vec!["kind".into(), "kinds".into()],
            ..Default::default()
        })
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let count =
        |k: &str| results.facets.get("kind").and_then(|v| v.iter().find(|(c, _)| c == k)).map_or(0, |(_, n)| *n);
    let counts = fill(
        t.home_counts,
        &[&count("place").to_string(), &count("organisation").to_string(), &count("service").to_string()],
    );
    let kinds = results
        .facets
        .get("kinds")
        .map(|values| {
            values
                .iter()
                .filter(|(code, _)| PLACE_KINDS.iter().any(|k| k.code == code))
                .map(|(code, n)| (value_label("kinds", code, lang), format!("/recherche?kind={code}"), *n))
                .collect()
        })
        .unwrap_or_default();
    Ok(Home {
        chrome: page.chrome,
        signed_in_as,
        counts,
        kinds,
        tiles: state.app.config.tile_url.clone().unwrap_or_default(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "embed.html")]
pub struct EmbedPage {
    chrome: Chrome,
    v: SearchView,
    public_url: String,
}

/// `/embed?departement=16&kind=fablab`: a list and a map for other sites'
/// frames, with the same parameters as the search.
pub async fn embed(State(state): State<AppState>, page: Page, RawQuery(raw): RawQuery) -> Response {
    let v = search_view(&state, page.chrome.lang, "/embed", raw);
    let mut response =
        EmbedPage { chrome: page.chrome, v, public_url: state.app.config.public_url.clone() }.into_response();
    // Embedding is this page's purpose: any site may frame it unless the
    // operator listed the allowed ones.
    let ancestors = if state.frame_ancestors.is_empty() { "*".to_owned() } else { state.frame_ancestors.to_string() };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    )) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response.extensions_mut().insert(crate::middleware::OwnCsp);
    response
}
