//! `/api/v1/me`: the token owner's account, sessions, tokens and data.

use app::accounts;
use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::accounts::{Grant, TokenScope, TokenScopes};
use domain::policy::{Action, Resource, authorize};
use serde::{Deserialize, Serialize};
use store::personal_data::PersonalData;
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct RoleDoc {
    /// One of platform_admin, territory_editor, place_manager, organisation_admin, organisation_member.
    pub role: String,
    /// The place or organisation the role applies to.
    pub scope_id: Option<i64>,
}

impl From<&Grant> for RoleDoc {
    fn from(g: &Grant) -> Self {
        Self { role: g.role.as_str().to_owned(), scope_id: g.scope_id }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeDoc {
    pub id: i64,
    pub email: Option<String>,
    pub display_name: String,
    /// `fr` or `en`.
    pub locale: String,
    pub email_confirmed: bool,
    pub created_at: DateTime<Utc>,
    pub roles: Vec<RoleDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionDoc {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenDoc {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub scopes: Vec<ScopeDto>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a token may do.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub enum ScopeDto {
    #[serde(rename = "account:read")]
    AccountRead,
    #[serde(rename = "account:write")]
    AccountWrite,
    #[serde(rename = "admin")]
    Admin,
    #[serde(rename = "atlas:write")]
    AtlasWrite,
    #[serde(rename = "bookings:write")]
    Bookings,
}

impl From<ScopeDto> for TokenScope {
    fn from(s: ScopeDto) -> Self {
        match s {
            ScopeDto::AccountRead => TokenScope::AccountRead,
            ScopeDto::AccountWrite => TokenScope::AccountWrite,
            ScopeDto::Admin => TokenScope::Admin,
            ScopeDto::AtlasWrite => TokenScope::AtlasWrite,
            ScopeDto::Bookings => TokenScope::Bookings,
        }
    }
}

impl From<TokenScope> for ScopeDto {
    fn from(s: TokenScope) -> Self {
        match s {
            TokenScope::AccountRead => ScopeDto::AccountRead,
            TokenScope::AccountWrite => ScopeDto::AccountWrite,
            TokenScope::Admin => ScopeDto::Admin,
            TokenScope::AtlasWrite => ScopeDto::AtlasWrite,
            TokenScope::Bookings => ScopeDto::Bookings,
        }
    }
}

impl From<store::api_tokens::ApiToken> for TokenDoc {
    fn from(t: store::api_tokens::ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes.iter().map(Into::into).collect(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

impl From<store::sessions::Session> for SessionDoc {
    fn from(s: store::sessions::Session) -> Self {
        Self {
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
        }
    }
}

/// Everything Maillage holds about a person (GDPR articles 15 and 20).
#[derive(Serialize, ToSchema)]
pub struct PersonalDataDoc {
    pub exported_at: DateTime<Utc>,
    pub account: MeDoc,
    pub sessions: Vec<SessionDoc>,
    pub api_tokens: Vec<TokenDoc>,
    pub mails: Vec<MailDoc>,
    pub audit_log: Vec<AuditEntryDoc>,
    pub registrations: Vec<PersonalRegistrationDoc>,
    pub bookings: Vec<PersonalBookingDoc>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalRegistrationDoc {
    pub id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub participant: String,
    pub birth_date: Option<String>,
    pub guardian_email: Option<String>,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalBookingDoc {
    pub id: i64,
    pub resource_id: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct MailDoc {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// queued, sent, held (no relay configured) or failed.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<store::mail::Mail> for MailDoc {
    fn from(m: store::mail::Mail) -> Self {
        Self {
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
            status: m.status.as_str().to_owned(),
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDoc {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `user:ID`, `anonymous` or `system`.
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<domain::audit::AuditRecord> for AuditEntryDoc {
    fn from(r: domain::audit::AuditRecord) -> Self {
        Self {
            seq: r.seq,
            at: store::from_micros(r.at_micros),
            actor: r.actor,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            summary: r.summary,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

pub fn me_doc(user: &store::accounts::User, grants: &[Grant]) -> MeDoc {
    MeDoc {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        locale: user.locale.clone(),
        email_confirmed: user.is_confirmed(),
        created_at: user.created_at,
        roles: grants.iter().map(RoleDoc::from).collect(),
    }
}

impl From<PersonalData> for PersonalDataDoc {
    fn from(d: PersonalData) -> Self {
        let grants: Vec<Grant> = d.grants.iter().map(|g| g.grant.clone()).collect();
        Self {
            exported_at: Utc::now(),
            account: me_doc(&d.user, &grants),
            sessions: d.sessions.into_iter().map(Into::into).collect(),
            api_tokens: d.api_tokens.into_iter().map(Into::into).collect(),
            mails: d.mails.into_iter().map(Into::into).collect(),
            audit_log: d.audit.into_iter().map(Into::into).collect(),
            registrations: d
                .registrations
                .into_iter()
                .map(|(r, e)| PersonalRegistrationDoc {
                    id: r.id,
                    event_id: e.id,
                    event_title: e.title,
                    participant: r.participant,
                    birth_date: r.birth_date,
                    guardian_email: r.guardian_email,
                    status: r.status,
                })
                .collect(),
            bookings: d
                .bookings
                .into_iter()
                .map(|b| PersonalBookingDoc {
                    id: b.id,
                    resource_id: b.resource_id,
                    starts_at: store::from_micros(b.starts_at),
                    ends_at: store::from_micros(b.ends_at),
                    status: b.status,
                })
                .collect(),
        }
    }
}

/// The token's owner.
#[utoipa::path(get, path = "/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = MeDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_me(caller: ApiCaller) -> ApiResult<JsonResponse<MeDoc>> {
    let identity = caller.identity();
    authorize(&caller.actor(), Action::ViewAccount, Resource::User(identity.user.id))?;
    Ok(JsonResponse(me_doc(&identity.user, &identity.grants)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    pub display_name: Option<String>,
    pub locale: Option<LocaleDto>,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum LocaleDto {
    Fr,
    En,
}

impl LocaleDto {
    pub fn code(self) -> &'static str {
        match self {
            LocaleDto::Fr => "fr",
            LocaleDto::En => "en",
        }
    }
}

/// Changes the display name or language; fields left out stay as they are.
#[utoipa::path(patch, path = "/me", tag = "account", security(("bearer" = [])), request_body = UpdateMe,
    responses((status = 200, body = MeDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<UpdateMe>,
) -> ApiResult<JsonResponse<MeDoc>> {
    let identity = caller.identity();
    let user = &identity.user;
    let name = body.display_name.unwrap_or_else(|| user.display_name.clone());
    let locale = body.locale.map_or_else(|| user.locale.clone(), |l| l.code().to_owned());
    accounts::update_profile(&state.app, &caller.actor(), user.id, &name, &locale).await?;
    let user = state.app.store.user(user.id).await?;
    Ok(JsonResponse(me_doc(&user, &identity.grants)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMe {
    /// The account's password, as a confirmation.
    pub password: String,
}

/// Deletes the account: personal data erased, public contributions kept anonymous.
#[utoipa::path(delete, path = "/me", tag = "account", security(("bearer" = [])), request_body = DeleteMe,
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn delete_me(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<DeleteMe>,
) -> ApiResult<StatusCode> {
    let identity = caller.identity();
    accounts::delete_account(&state.app, &caller.actor(), identity.user.id, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All the data held about the token's owner.
#[utoipa::path(get, path = "/me/export", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = PersonalDataDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<JsonResponse<PersonalDataDoc>> {
    let identity = caller.identity();
    let data = accounts::export_personal_data(&state.app, &caller.actor(), identity.user.id).await?;
    Ok(JsonResponse(data.into()))
}

/// The owner's open browser sessions.
#[utoipa::path(get, path = "/me/sessions", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionDoc>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sessions(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<JsonResponse<Vec<SessionDoc>>> {
    let identity = caller.identity();
    authorize(&caller.actor(), Action::ViewAccount, Resource::User(identity.user.id))?;
    let list = state.app.store.sessions_of(identity.user.id).await?;
    Ok(JsonResponse(list.into_iter().map(Into::into).collect()))
}

/// Closes one of the owner's browser sessions.
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Session id")),
    responses((status = 204, description = "Closed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let identity = caller.identity();
    accounts::revoke_session(&state.app, &caller.actor(), identity.user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The owner's API tokens (never their secrets).
#[utoipa::path(get, path = "/me/tokens", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenDoc>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tokens(State(state): State<AppState>, caller: ApiCaller) -> ApiResult<JsonResponse<Vec<TokenDoc>>> {
    let identity = caller.identity();
    authorize(&caller.actor(), Action::ViewAccount, Resource::User(identity.user.id))?;
    let list = state.app.store.api_tokens_of(identity.user.id).await?;
    Ok(JsonResponse(list.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<ScopeDto>,
    /// When the token stops working; never when left out.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTokenDoc {
    pub token: TokenDoc,
    /// Shown once: store it now.
    pub secret: String,
}

/// Creates a token; its secret is in this answer only.
#[utoipa::path(post, path = "/me/tokens", tag = "account", security(("bearer" = [])), request_body = NewToken,
    responses((status = 201, body = CreatedTokenDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewToken>,
) -> ApiResult<(StatusCode, JsonResponse<CreatedTokenDoc>)> {
    let identity = caller.identity();
    let scopes = TokenScopes::new(body.scopes.iter().map(|s| TokenScope::from(*s)));
    let created =
        accounts::create_api_token(&state.app, &caller.actor(), identity.user.id, &body.name, scopes, body.expires_at)
            .await?;
    Ok((StatusCode::CREATED, JsonResponse(CreatedTokenDoc { token: created.token.into(), secret: created.secret })))
}

/// Revokes a token at once, on every server.
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let identity = caller.identity();
    accounts::revoke_api_token(&state.app, &caller.actor(), identity.user.id, id).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
