//! `/api/v1/search`, `/places`, `/organisations`, `/services`: the atlas
//! for programs. Lists share the search parameters of the pages.

use std::collections::BTreeMap;

use app::atlas::records::{confirm_record, edit_record, set_key_figures};
use app::atlas::search::{ParamError, cluster_cell, param_of_facet, parse_params, query};
use app::atlas::view::{RecordView, link_label, record_view};
use app::atlas::vocab::value_label;
use app::i18n::Lang;
use axum::Json as JsonResponse;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::atlas::RecordKind;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// The search parameters (repeat a filter parameter to accept several values).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParamsDoc {
    /// Words to find, in French or English; typos and prefixes are tolerated.
    q: Option<String>,
    /// Record type: place, organisation or service.
    r#type: Option<String>,
    /// Kind of place (tiers-lieu, fablab, coworking…).
    kind: Option<String>,
    service_type: Option<String>,
    thematique: Option<String>,
    public: Option<String>,
    fee: Option<String>,
    label: Option<String>,
    /// Name of a network the record is a member of (member-of links).
    network: Option<String>,
    /// Département code (16, 2A, 974…).
    departement: Option<String>,
    /// Région code (75…).
    region: Option<String>,
    /// high, medium or low.
    quality: Option<String>,
    /// LAT,LON: only records within radius_km, with their distance.
    near: Option<String>,
    /// Radius for near or commune, in km (default 10).
    radius_km: Option<f64>,
    /// INSEE code of a commune: records around its centre.
    commune: Option<String>,
    /// min_lat,min_lon,max_lat,max_lon
    bbox: Option<String>,
    /// `now` or an RFC 3339 date-time: only records open then.
    open: Option<String>,
    /// relevance (default), distance (needs near or commune) or name.
    sort: Option<String>,
    /// 1 to 200 (default 20).
    limit: Option<u32>,
    /// The `next` value of the previous page.
    cursor: Option<String>,
    /// `geojson` for a FeatureCollection instead of the JSON list.
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchItem {
    pub id: i64,
    /// place, organisation or service
    pub r#type: String,
    pub name: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub commune: Option<String>,
    pub code_insee: Option<String>,
    /// Metres from `near` or the commune's centre, when given.
    pub distance_m: Option<f64>,
    /// The record's page.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    pub items: Vec<SearchItem>,
    /// All matching records, not only this page.
    pub total: u64,
    /// Filter parameter (type, kind, service_type, thematique, public, fee,
    /// label, network, departement, region, quality) → its values with their counts
    /// over all matching records; pass a value back as that parameter to filter.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// How many matching records are open now.
    pub open_now: Option<u64>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next: Option<String>,
}

fn pairs(raw: Option<String>) -> Vec<(String, String)> {
    raw.as_deref().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default()
}

fn param_error(e: ParamError) -> ApiError {
    ApiError::new(Code::InvalidQuery, e.to_string()).with_details(json!({"parameter": e.param}))
}

fn search_error(e: search::SearchError) -> ApiError {
    match e {
        search::SearchError::Cursor => ApiError::new(Code::InvalidQuery, "the cursor is not one this API gave")
            .with_details(json!({"parameter": "cursor"})),
        other => ApiError::new(Code::Internal, other.to_string()),
    }
}

/// Runs a search, adding a record type filter for the typed lists.
pub fn run_search(
    state: &AppState,
    raw: Option<String>,
    kind: Option<RecordKind>,
) -> ApiResult<(search::SearchResults, Vec<(String, String)>)> {
    let mut pairs = pairs(raw);
    if let Some(k) = kind {
        pairs.retain(|(p, _)| p != "type");
        pairs.push(("type".into(), k.as_str().into()));
    }
    let params = parse_params(&pairs).map_err(param_error)?;
    let results = state.indexer.index.search(&query(&params, Utc::now())).map_err(search_error)?;
    Ok((results, pairs))
}

fn item(h: &search::Hit) -> SearchItem {
    SearchItem {
        id: h.id,
        r#type: h.kind.clone(),
        name: h.name.clone(),
        latitude: h.lat,
        longitude: h.lon,
        commune: h.commune.clone(),
        code_insee: h.commune_insee.clone(),
        distance_m: h.distance_m.map(|d| d.round()),
        url: format!("/atlas/{}", h.id),
    }
}

fn respond(results: search::SearchResults, pairs: &[(String, String)]) -> Response {
    if pairs.iter().any(|(k, v)| k == "format" && v == "geojson") {
        let features: Vec<Value> = results
            .items
            .iter()
            .map(|h| {
                let geometry = match (h.lon, h.lat) {
                    (Some(lon), Some(lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                    _ => Value::Null,
                };
                json!({"type": "Feature", "id": h.id, "geometry": geometry,
                       "properties": {"type": h.kind, "name": h.name, "commune": h.commune, "code_insee": h.commune_insee, "url": format!("/atlas/{}", h.id)}})
            })
            .collect();
        let body = json!({"type": "FeatureCollection", "features": features, "next": results.next});
        return ([(header::CONTENT_TYPE, "application/geo+json")], body.to_string()).into_response();
    }
    let facets = results
        .facets
        .into_iter()
        .map(|(facet, values)| {
            let values = values
                .into_iter()
                .map(|(value, count)| FacetValue { label: value_label(&facet, &value, Lang::Fr), value, count })
                .collect();
            (param_of_facet(&facet).map(str::to_owned).unwrap_or(facet), values)
        })
        .collect();
    JsonResponse(SearchResponse {
        items: results.items.iter().map(item).collect(),
        total: results.total,
        facets,
        open_now: results.open_now,
        next: results.next,
    })
    .into_response()
}

/// Searches every record: text, facets, geography, opening time.
#[utoipa::path(get, path = "/search", tag = "atlas", params(SearchParamsDoc),
    responses((status = 200, body = SearchResponse, description = "Records, facet counts, next cursor (or GeoJSON with format=geojson)"),
              (status = 400, body = ErrorBody)))]
pub async fn search(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let (results, pairs) = run_search(&state, raw, None)?;
    Ok(respond(results, &pairs))
}

/// Places (same parameters as /search).
#[utoipa::path(get, path = "/places", tag = "atlas", params(SearchParamsDoc),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
pub async fn places(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let (results, pairs) = run_search(&state, raw, Some(RecordKind::Place))?;
    Ok(respond(results, &pairs))
}

/// Organisations (same parameters as /search).
#[utoipa::path(get, path = "/organisations", tag = "atlas", params(SearchParamsDoc),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
pub async fn organisations(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let (results, pairs) = run_search(&state, raw, Some(RecordKind::Organisation))?;
    Ok(respond(results, &pairs))
}

/// Services (same parameters as /search).
#[utoipa::path(get, path = "/services", tag = "atlas", params(SearchParamsDoc),
    responses((status = 200, body = SearchResponse), (status = 400, body = ErrorBody)))]
pub async fn services(State(state): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Response> {
    let (results, pairs) = run_search(&state, raw, Some(RecordKind::Service))?;
    Ok(respond(results, &pairs))
}

#[derive(Serialize, ToSchema)]
pub struct ClusterDoc {
    pub lat: f64,
    pub lon: f64,
    pub count: u64,
    /// The record, when the cluster holds one.
    pub item: Option<SearchItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ClustersResponse {
    pub clusters: Vec<ClusterDoc>,
    pub total: u64,
}

/// Matching records grouped on a grid for a map's viewport (`bbox`, `zoom`).
#[utoipa::path(get, path = "/search/clusters", tag = "atlas", params(SearchParamsDoc, ("zoom" = Option<u8>, Query, description = "Map zoom level, 0 to 22")),
    responses((status = 200, body = ClustersResponse), (status = 400, body = ErrorBody)))]
pub async fn clusters(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<JsonResponse<ClustersResponse>> {
    let pairs = pairs(raw);
    let params = parse_params(&pairs).map_err(param_error)?;
    if params.bbox.is_none() {
        return Err(ApiError::new(Code::InvalidQuery, "clusters need the map's bbox")
            .with_details(json!({"parameter": "bbox"})));
    }
    let clusters =
        state.indexer.index.clusters(&query(&params, Utc::now()), cluster_cell(params.zoom)).map_err(search_error)?;
    let total = clusters.iter().map(|c| c.count).sum();
    Ok(JsonResponse(ClustersResponse {
        clusters: clusters
            .iter()
            .map(|c| ClusterDoc { lat: c.lat, lon: c.lon, count: c.count, item: c.single.as_ref().map(item) })
            .collect(),
        total,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CodeName {
    pub code: String,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkDoc {
    /// resident-at, partner-of, operates, funds, member-of, offered-at
    pub r#type: String,
    /// The relation as read from this record, in French.
    pub label: String,
    /// `out`: this record is the subject (it operates the other); `in`: the reverse.
    pub direction: String,
    pub id: i64,
    pub name: String,
    pub record_type: String,
    pub since: Option<String>,
    pub until: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SourceDoc {
    pub source: String,
    pub title: String,
    pub source_id: String,
    pub fetched_at: DateTime<Utc>,
    pub licence: Option<String>,
    pub retired: bool,
}

#[derive(Serialize, ToSchema)]
pub struct KeyFigureDoc {
    pub year: i64,
    pub metric: String,
    pub value: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RecordDoc {
    pub id: i64,
    pub r#type: String,
    pub name: String,
    /// Every field with its value (text, number, list or {lat, lon}).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// field → where its value comes from: [{source, source_id, fetched_at (RFC 3339), fingerprint}]
    #[schema(value_type = Object)]
    pub provenance: Value,
    pub commune: Option<CodeName>,
    pub epci: Option<CodeName>,
    pub departement: Option<CodeName>,
    pub region: Option<CodeName>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// True when the position is the commune's centre.
    pub approximate_position: bool,
    pub open_now: Option<bool>,
    pub next_change: Option<DateTime<Utc>>,
    pub quality: i64,
    pub updated_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Neither updated nor verified for longer than the configured age.
    pub stale: bool,
    pub synthetic: bool,
    /// Set when the record was merged into another.
    pub merged_into: Option<i64>,
    pub retired: bool,
    pub links: Vec<LinkDoc>,
    pub key_figures: Vec<KeyFigureDoc>,
    pub sources: Vec<SourceDoc>,
}

pub fn record_doc(v: RecordView) -> RecordDoc {
    let r = &v.record;
    let code_name =
        |code: &Option<String>, name: &Option<String>| code.clone().map(|code| CodeName { code, name: name.clone() });
    RecordDoc {
        id: r.id,
        r#type: r.kind.as_str().into(),
        name: r.name.clone(),
        fields: serde_json::to_value(&r.fields).unwrap_or_default(),
        provenance: provenance_doc(serde_json::to_value(&r.provenance).unwrap_or_default()),
        commune: code_name(&r.commune_insee, &v.commune),
        epci: code_name(&r.epci, &v.epci),
        departement: code_name(&r.departement, &v.departement),
        region: code_name(&r.region, &v.region),
        latitude: r.geo.map(|g| g.0),
        longitude: r.geo.map(|g| g.1),
        approximate_position: !r.fields.contains_key("geo") && r.geo.is_some(),
        open_now: v.open.as_ref().map(|o| o.open),
        next_change: v.open.as_ref().and_then(|o| o.next_change),
        quality: r.quality,
        updated_at: store::from_micros(r.updated_at),
        verified_at: r.verified_at.map(store::from_micros),
        stale: v.stale,
        synthetic: r.synthetic,
        merged_into: r.merged_into,
        retired: r.retired_at.is_some(),
        links: v
            .related
            .iter()
            .map(|l| LinkDoc {
                r#type: l.link_type.clone(),
                label: link_label(&l.link_type, true).into(),
                direction: if l.outgoing { "out".into() } else { "in".into() },
                id: l.id,
                name: l.name.clone(),
                record_type: l.kind.as_str().into(),
                since: l.since.clone(),
                until: l.until.clone(),
            })
            .collect(),
        key_figures: v
            .figures
            .iter()
            .map(|f| KeyFigureDoc { year: f.year, metric: f.metric.clone(), value: f.value })
            .collect(),
        sources: v
            .sources
            .iter()
            .map(|s| SourceDoc {
                source: s.record.source.clone(),
                title: s.title.clone(),
                source_id: s.record.source_id.clone(),
                fetched_at: store::from_micros(s.record.fetched_at),
                licence: s.licence.clone(),
                retired: s.record.retired_at.is_some(),
            })
            .collect(),
    }
}

/// Provenance with its instants as RFC 3339 dates, as everywhere in the API.
fn provenance_doc(mut provenance: Value) -> Value {
    let entries = provenance.as_object_mut().into_iter().flat_map(|m| m.values_mut());
    for entry in entries.filter_map(Value::as_array_mut).flatten() {
        if let Some(at) = entry.get("fetched_at").and_then(Value::as_i64) {
            entry["fetched_at"] = json!(store::from_micros(at));
        }
    }
    provenance
}

async fn typed_record(state: &AppState, id: i64, kind: RecordKind) -> ApiResult<RecordView> {
    let v = record_view(&state.app, id).await?;
    if v.record.kind != kind {
        return Err(ApiError::not_found());
    }
    Ok(v)
}

/// A place, with its links, key figures and sources.
#[utoipa::path(get, path = "/places/{id}", tag = "atlas", params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, body = RecordDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn place(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<JsonResponse<RecordDoc>> {
    Ok(JsonResponse(record_doc(typed_record(&state, id, RecordKind::Place).await?)))
}

/// An organisation.
#[utoipa::path(get, path = "/organisations/{id}", tag = "atlas", params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, body = RecordDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn organisation(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<JsonResponse<RecordDoc>> {
    Ok(JsonResponse(record_doc(typed_record(&state, id, RecordKind::Organisation).await?)))
}

/// A service.
#[utoipa::path(get, path = "/services/{id}", tag = "atlas", params(("id" = i64, Path, description = "Record id")),
    responses((status = 200, body = RecordDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn service(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<JsonResponse<RecordDoc>> {
    Ok(JsonResponse(record_doc(typed_record(&state, id, RecordKind::Service).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordEdit {
    /// field → new value: a string, or a list of strings for fields holding
    /// several values; "" or [] empties the field. Coordinates as "lat, lon".
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
}

/// Edits fields by hand; the changes win over imports until the sources
/// change, and confirm the record as up to date. Needs the record's
/// manager, the territory team or an administrator.
#[utoipa::path(patch, path = "/atlas/{id}", tag = "atlas", security(("bearer" = [])), params(("id" = i64, Path, description = "Record id")),
    request_body = RecordEdit,
    responses((status = 200, body = RecordDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<RecordEdit>,
) -> ApiResult<JsonResponse<RecordDoc>> {
    let mut inputs = Vec::new();
    for (field, value) in body.fields {
        let text = match value {
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned).ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|()| ApiError::new(Code::InvalidBody, format!("{field}: a list of strings expected")))?
                .join("\n"),
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            _ => {
                return Err(ApiError::new(
                    Code::InvalidBody,
                    format!("{field}: a string or a list of strings expected"),
                ));
            }
        };
        inputs.push((field, text));
    }
    edit_record(&state.app, &caller.actor(), id, &inputs).await?;
    Ok(JsonResponse(record_doc(record_view(&state.app, id).await?)))
}

/// The record's manager confirms it is up to date.
#[utoipa::path(post, path = "/atlas/{id}/verify", tag = "atlas", security(("bearer" = [])), params(("id" = i64, Path, description = "Record id")),
    responses((status = 204, description = "Verified"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn verify(State(state): State<AppState>, caller: ApiCaller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    confirm_record(&state.app, &caller.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiguresEdit {
    /// metric → value for the year: surface_m2, residents, partners,
    /// projects, events, visitors.
    #[schema(value_type = Object)]
    pub figures: BTreeMap<String, i64>,
}

/// Sets a place's key figures for a year (the values given replace that
/// year's); needs the place's manager, the territory team or an administrator.
#[utoipa::path(put, path = "/atlas/{id}/figures/{year}", tag = "atlas", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Place id"), ("year" = i64, Path, description = "Year, e.g. 2025")),
    request_body = FiguresEdit,
    responses((status = 200, body = RecordDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_figures(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, year)): Path<(i64, i64)>,
    Json(body): Json<FiguresEdit>,
) -> ApiResult<JsonResponse<RecordDoc>> {
    let figures: Vec<(String, i64)> = body.figures.into_iter().collect();
    set_key_figures(&state.app, &caller.actor(), id, year, &figures).await?;
    Ok(JsonResponse(record_doc(record_view(&state.app, id).await?)))
}
