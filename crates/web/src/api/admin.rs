//! Administration: accounts, roles, the audit log and the mail outbox.

use app::accounts;
use app::i18n::Lang;
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use domain::accounts::{Grant, Role};
use domain::policy::{Action, Resource, authorize};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::me::{AuditEntryDoc, LocaleDto, MailDoc, MeDoc, RoleDoc, me_doc};
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Return records after this id (users) or before this sequence (audit).
    pub after: Option<i64>,
    /// At most 500.
    pub limit: Option<i64>,
}

impl Page {
    fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(100),
            Some(n @ 1..=500) => Ok(n),
            Some(_) => Err(ApiError::new(Code::InvalidQuery, "limit must be between 1 and 500")),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<MeDoc>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<i64>,
}

/// Accounts in id order.
#[utoipa::path(get, path = "/users", tag = "admin", security(("bearer" = [])), params(Page),
    responses((status = 200, body = UserList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(page): Query<Page>,
) -> ApiResult<JsonResponse<UserList>> {
    authorize(&caller.actor(), Action::ManageUsers, Resource::Platform)?;
    let limit = page.limit()?;
    let list = state.app.store.list_users(page.after.unwrap_or(0), limit).await?;
    let mut items = Vec::with_capacity(list.len());
    for u in &list {
        let grants: Vec<Grant> = state.app.store.grants_of(u.id).await?.into_iter().map(|g| g.grant).collect();
        items.push(me_doc(u, &grants));
    }
    let next = (list.len() as i64 == limit).then(|| list.last().map(|u| u.id)).flatten();
    Ok(JsonResponse(UserList { items, next }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub locale: Option<LocaleDto>,
}

/// Creates a confirmed account.
#[utoipa::path(post, path = "/users", tag = "admin", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = MeDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewUser>,
) -> ApiResult<(StatusCode, JsonResponse<MeDoc>)> {
    let lang = body.locale.and_then(|l| Lang::parse(l.code())).unwrap_or_default();
    let user =
        accounts::create_user(&state.app, &caller.actor(), &body.email, &body.display_name, &body.password, lang)
            .await?;
    Ok((StatusCode::CREATED, JsonResponse(me_doc(&user, &[]))))
}

/// A user's roles.
#[utoipa::path(get, path = "/users/{id}/roles", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Vec<RoleDoc>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn roles(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<JsonResponse<Vec<RoleDoc>>> {
    authorize(&caller.actor(), Action::ManageRoles, Resource::Platform)?;
    state.app.store.user(id).await?;
    let grants = state.app.store.grants_of(id).await?;
    Ok(JsonResponse(grants.iter().map(|g| RoleDoc::from(&g.grant)).collect()))
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    PlatformAdmin,
    TerritoryEditor,
    PlaceManager,
    OrganisationAdmin,
    OrganisationMember,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::PlatformAdmin => Role::PlatformAdmin,
            RoleDto::TerritoryEditor => Role::TerritoryEditor,
            RoleDto::PlaceManager => Role::PlaceManager,
            RoleDto::OrganisationAdmin => Role::OrganisationAdmin,
            RoleDto::OrganisationMember => Role::OrganisationMember,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub role: RoleDto,
    /// Required for place_manager (a place id) and organisation roles (an organisation id).
    pub scope_id: Option<i64>,
}

fn grant_of(role: Role, scope_id: Option<i64>) -> Result<Grant, ApiError> {
    Grant::new(role, scope_id).map_err(|e| {
        ApiError::new(Code::ValidationFailed, "some fields were refused; see details")
            .with_details(serde_json::json!({"scope_id": e.to_string()}))
    })
}

/// Grants a role (idempotent).
#[utoipa::path(post, path = "/users/{id}/roles", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body = NewGrant,
    responses((status = 201, body = RoleDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant_role(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Json(body): Json<NewGrant>,
) -> ApiResult<(StatusCode, JsonResponse<RoleDoc>)> {
    let grant = grant_of(body.role.into(), body.scope_id)?;
    let record = accounts::grant_role(&state.app, &caller.actor(), id, &grant).await?;
    Ok((StatusCode::CREATED, JsonResponse(RoleDoc::from(&record.grant))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    pub scope_id: Option<i64>,
}

/// Revokes a role.
#[utoipa::path(delete, path = "/users/{id}/roles/{role}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id"), ("role" = String, Path, description = "Role name"), ScopeQuery),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, role)): Path<(i64, String)>,
    Query(q): Query<ScopeQuery>,
) -> ApiResult<StatusCode> {
    let role = Role::parse(&role).map_err(|e| ApiError::new(Code::InvalidPath, e.to_string()))?;
    let grant = grant_of(role, q.scope_id)?;
    accounts::revoke_role(&state.app, &caller.actor(), id, &grant).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntryDoc>,
    /// Pass as `after` to read older entries; absent at the start of the log.
    pub next: Option<i64>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "admin", security(("bearer" = [])), params(Page),
    responses((status = 200, body = AuditList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(page): Query<Page>,
) -> ApiResult<JsonResponse<AuditList>> {
    authorize(&caller.actor(), Action::ViewAudit, Resource::Platform)?;
    let limit = page.limit()?;
    let list = state.app.store.audit_entries(page.after, limit).await?;
    let next = (list.len() as i64 == limit).then(|| list.last().map(|e| e.seq)).flatten();
    Ok(JsonResponse(AuditList { items: list.into_iter().map(Into::into).collect(), next }))
}

#[derive(Serialize, ToSchema)]
pub struct ChainReportDoc {
    pub intact: bool,
    pub entries: i64,
    /// The hash of the last entry: keep it elsewhere to detect a rewritten log later.
    pub head_hash: String,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

/// Recomputes the audit chain.
#[utoipa::path(get, path = "/audit/verify", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ChainReportDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify_audit(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<JsonResponse<ChainReportDoc>> {
    authorize(&caller.actor(), Action::ViewAudit, Resource::Platform)?;
    let r = state.app.store.verify_audit_chain().await?;
    Ok(JsonResponse(ChainReportDoc {
        intact: r.problem.is_none(),
        entries: r.entries,
        head_hash: r.head_hash,
        problem: r.problem.map(|p| p.to_string()),
    }))
}

/// The latest mails, queued or sent.
#[utoipa::path(get, path = "/outbox", tag = "admin", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Vec<MailDoc>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn outbox(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(page): Query<Page>,
) -> ApiResult<JsonResponse<Vec<MailDoc>>> {
    authorize(&caller.actor(), Action::ViewOutbox, Resource::Platform)?;
    let list = state.app.store.outbox(page.limit()?).await?;
    Ok(JsonResponse(list.into_iter().map(Into::into).collect()))
}
