//! Server-rendered pages, in French by default and English on request.
//! Every page works without JavaScript; forms post and redirect.
//!
//! Each handler extracts a [`Page`] (who is asking, in which language, the
//! form token, the frame of the page), does its work through `app`, and
//! renders an askama template from `templates/`.

mod account;
mod accounting;
mod admin;
mod api_docs;
mod atlas;
mod auth;
mod backoffice;
mod bookings;
mod consent;
mod dates;
mod duplicates;
mod events;
mod imports;
mod invoices;

pub use imports::UPLOAD_LIMIT;
mod search;

use app::AppError;
use app::accounts::Identity;
use app::i18n::{Lang, Messages};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::auth::PageCaller;
use crate::csrf::{CsrfCookie, form_token};
use crate::i18n::request_lang;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(search::home))
        .route("/recherche", get(search::show))
        .route("/embed", get(search::embed))
        .route("/signup", get(auth::signup_form).post(auth::signup))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/email/confirm", get(auth::confirm_email))
        .route("/password/forgot", get(auth::forgot_form).post(auth::forgot))
        .route("/password/reset", get(auth::reset_form).post(auth::reset))
        .route("/lang/{code}", get(auth::switch_lang))
        .route("/account", get(account::show))
        .route("/account/profile", post(account::update_profile))
        .route("/account/password", post(account::change_password))
        .route("/account/sessions/{id}/revoke", post(account::revoke_session))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/export", get(account::export))
        .route("/account/delete", post(account::delete))
        .route("/admin", get(admin::show))
        .route("/admin/users/{id}/roles", post(admin::grant))
        .route("/admin/users/{id}/roles/revoke", post(admin::revoke))
        .route("/api/docs", get(api_docs::show))
        .route("/atlas/{id}", get(atlas::show))
        .route("/atlas/{id}/modifier", get(atlas::edit_form).post(atlas::edit))
        .route("/atlas/{id}/confirmer", post(atlas::confirm))
        .route("/atlas/{id}/verifier", get(atlas::verify_form).post(atlas::verify))
        .route("/consentement", get(consent::form).post(consent::give))
        .route("/factures/{id}", get(invoices::show))
        .route("/lieux/{id}/recettes", get(accounting::show_revenue))
        .route("/lieux/{id}/factures", get(accounting::list_invoices))
        .route("/lieux/{id}/fec.csv", get(accounting::fec_download))
        .route("/lieux/{id}/periodes", post(accounting::close))
        .route("/lieux/{id}/gestion", get(backoffice::dashboard))
        .route("/lieux/{id}/gestion/reservations/{booking}/{action}", post(backoffice::act))
        .route("/lieux/{id}/gestion/ressources", get(backoffice::resources).post(backoffice::create_resource))
        .route("/lieux/{id}/gestion/fermetures", get(backoffice::closures).post(backoffice::close))
        .route("/lieux/{id}/gestion/fermetures/{closure}/supprimer", post(backoffice::reopen))
        .route("/ressources/{id}/tarifs", get(backoffice::tariffs).post(backoffice::set_tariffs))
        .route("/lieux/{id}/gestion/formules", get(backoffice::plans).post(backoffice::create_plan))
        .route("/lieux/{id}/gestion/evenements", get(backoffice::events).post(backoffice::create_event))
        .route("/evenements/{id}/inscrits", get(backoffice::attendees))
        .route("/doublons", get(duplicates::queue))
        .route("/doublons/{id}", get(duplicates::pair).post(duplicates::decide))
        .route("/fusions/{id}/annuler", post(duplicates::undo))
        .route(
            "/import",
            get(imports::form).post(imports::upload).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/import/{id}", get(imports::run))
        .route("/import/{id}/rejets.csv", get(imports::rejects_csv))
        .route("/lieux/{id}/reservations", get(bookings::resources))
        .route("/ressources/{id}/calendrier", get(bookings::calendar))
        .route("/ressources/{id}/reserver", get(bookings::book_form).post(bookings::book))
        .route("/compte/reservations", get(bookings::mine))
        .route("/compte/reservations/{id}/annuler", post(bookings::cancel_booking))
        .route("/compte/reservations/{id}/confirmer", post(bookings::confirm_hold))
        .route("/lieux/{id}/formules", get(bookings::plans))
        .route("/formules/{id}/souscrire", post(bookings::subscribe))
        .route("/compte/inscriptions/{id}/annuler", post(bookings::cancel_registration))
        .route("/compte/inscriptions/{id}/accepter", post(bookings::accept_offer))
        .route("/evenements", get(events::list))
        .route("/evenements/{id}", get(events::show))
        .route("/evenements/{id}/inscription", post(events::register_form))
        .route("/evenements/{id}/controle", get(events::desk).post(events::desk_check_in))
        .route("/billet/{code}", get(events::ticket))
        .route("/controle/{code}", get(events::scanned).post(events::scanned_check_in))
}

/// The frame around every page: language, navigation, the signed-in person.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Messages,
    pub user_name: Option<String>,
    pub is_admin: bool,
    /// Territory team or administrator: imports and duplicate review.
    pub is_editor: bool,
    /// The token every form posts back in its `csrf` field.
    pub csrf: String,
    /// The current path and query, so the language switch comes back here.
    pub here: String,
    pub notice: Option<&'static str>,
}

impl Chrome {
    /// The other languages, as (code, native name), for the switch.
    pub fn other_langs(&self) -> Vec<(&'static str, &'static str)> {
        Lang::ALL.iter().filter(|l| **l != self.lang).map(|l| (l.code(), l.native_name())).collect()
    }

    pub fn here_encoded(&self) -> String {
        serde_urlencoded::to_string([("next", self.here.as_str())]).unwrap_or_default()
    }
}

/// Everything a page handler needs about the request.
pub struct Page {
    pub identity: Option<Identity>,
    pub chrome: Chrome,
}

impl Page {
    /// The signed-in person, or a redirect to the log-in page.
    pub fn require_identity(&self) -> Result<&Identity, PageError> {
        self.identity.as_ref().ok_or(PageError::LoginRequired { next: self.chrome.here.clone() })
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let PageCaller(identity) = PageCaller::from_request_parts(parts, state).await?;
        let lang = request_lang(&parts.headers);
        let csrf_cookie = parts.extensions.get::<CsrfCookie>().map(|c| c.0.clone()).unwrap_or_default();
        let uri = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |u| u.0.clone());
        let notice = uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "notice")
                .and_then(|(_, v)| notice_text(lang.messages(), &v))
        });
        let chrome = Chrome {
            lang,
            t: lang.messages(),
            user_name: identity.as_ref().map(|i| i.user.display_name.clone()),
            is_admin: identity.as_ref().is_some_and(Identity::is_admin),
            is_editor: identity.as_ref().is_some_and(|i| {
                domain::policy::authorize(
                    &i.actor(),
                    domain::policy::Action::ImportAtlas,
                    domain::policy::Resource::Platform,
                )
                .is_ok()
            }),
            csrf: form_token(state, &csrf_cookie),
            here: uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
            notice,
        };
        Ok(Page { identity, chrome })
    }
}

/// Notices shown after a redirect (`?notice=…`): a fixed set, so the query
/// string cannot inject text.
fn notice_text(t: &'static Messages, key: &str) -> Option<&'static str> {
    Some(match key {
        "confirmed" => t.confirm_ok,
        "logged_out" => t.logged_out,
        "reset_done" => t.reset_done,
        "saved" => t.account_saved,
        "password_changed" => t.account_password_changed,
        "session_revoked" => t.sessions_revoked,
        "token_revoked" => t.tokens_revoked,
        "deleted" => t.deleted_done,
        "record_saved" => t.edit_saved,
        "record_confirmed" => t.rec_confirmed,
        "merged" => t.dup_merged_notice,
        "kept_apart" => t.dup_kept_apart_notice,
        "unmerged" => t.dup_unmerged_notice,
        "pair_settled" => t.dup_already,
        "booked" => t.bk_booked_notice,
        "registration_cancelled" => t.reg_cancelled_notice,
        "offer_accepted" => t.reg_accepted_notice,
        "registration_settled" => t.reg_not_cancellable,
        "booking_requested" => t.bk_requested_notice,
        "booking_cancelled" => t.bk_cancelled_notice,
        "booking_cancelled_fee" => t.bk_cancelled_fee_notice,
        "hold_confirmed" => t.bk_hold_confirmed_notice,
        "hold_expired" => t.bk_hold_expired_notice,
        "booking_settled" => t.bk_booking_settled_notice,
        "subscribed" => t.pl_subscribed_notice,
        "already_subscribed" => t.pl_already_notice,
        "period_closed" => t.acc_closed_notice,
        "bo_approved" => t.bo_approved,
        "bo_refused" => t.bo_refused,
        "bo_checked_in" => t.bo_checked_in,
        "bo_cancelled" => t.bo_cancelled,
        "bo_state" => t.bo_state,
        "bo_check_in_closed" => t.bo_check_in_closed,
        "bo_resource_created" => t.bo_resource_created,
        "bo_closed" => t.bo_closed_notice,
        "bo_closed_with_bookings" => t.bo_closed_with_bookings_notice,
        "bo_reopened" => t.bo_reopened_notice,
        "bo_tariffs_saved" => t.bo_tariffs_saved,
        "bo_plan_created" => t.bo_plan_created,
        "bo_event_created" => t.bo_event_created,
        _ => return None,
    })
}

pub fn redirect_with_notice(path: &str, notice: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}notice={notice}")).into_response()
}

/// Only paths on this site: refuses `//evil.example` and absolute URLs.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Per-field messages of a form, already translated.
#[derive(Default)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    pub fn from_app(t: &Messages, e: &app::FieldErrors) -> Self {
        Self(e.0.iter().map(|(f, err)| (*f, t.field_error(err))).collect())
    }

    pub fn one(field: &'static str, message: &str) -> Self {
        Self(vec![(field, message.to_owned())])
    }

    pub fn with(mut self, field: &'static str, message: &str) -> Self {
        self.0.push((field, message.to_owned()));
        self
    }

    /// Words the message of `field` for this form, when it has one.
    pub fn reword(mut self, field: &str, message: &str) -> Self {
        for (f, m) in &mut self.0 {
            if *f == field {
                *m = message.to_owned();
            }
        }
        self
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (field, message) in form order, for the summary at the top.
    pub fn all(&self) -> &[(&'static str, String)] {
        &self.0
    }
}

/// What a page answers when it cannot do what was asked.
#[derive(Debug)]
pub enum PageError {
    NotFound(Lang),
    Forbidden(Lang),
    LoginRequired { next: String },
    Csrf(Lang),
    TooLarge(Lang),
    Busy(Lang),
    Internal(String),
}

impl PageError {
    pub fn csrf(headers: &HeaderMap) -> Self {
        PageError::Csrf(request_lang(headers))
    }

    pub fn payload_too_large(headers: &HeaderMap) -> Self {
        PageError::TooLarge(request_lang(headers))
    }

    /// Maps a use case's failure that a page does not handle itself.
    pub fn from_app(lang: Lang, e: AppError) -> Self {
        match e {
            AppError::NotFound => PageError::NotFound(lang),
            AppError::Denied(domain::policy::Denied::Unauthenticated) => PageError::LoginRequired { next: "/".into() },
            AppError::Denied(_) => PageError::Forbidden(lang),
            AppError::Busy => PageError::Busy(lang),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::from_app(Lang::Fr, e)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: &'static str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, lang, pick): (StatusCode, Lang, fn(&Messages) -> &'static str) = match self {
            PageError::LoginRequired { next } => {
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                return Redirect::to(&format!("/login?{q}")).into_response();
            }
            PageError::NotFound(l) => (StatusCode::NOT_FOUND, l, |t| t.error_not_found),
            PageError::Forbidden(l) => (StatusCode::FORBIDDEN, l, |t| t.error_forbidden),
            PageError::Csrf(l) => (StatusCode::FORBIDDEN, l, |t| t.error_csrf),
            PageError::TooLarge(l) => (StatusCode::PAYLOAD_TOO_LARGE, l, |t| t.error_title),
            PageError::Busy(l) => (StatusCode::SERVICE_UNAVAILABLE, l, |t| t.error_busy),
            PageError::Internal(m) => {
                tracing::error!(message = %m, "internal error on a page");
                (StatusCode::INTERNAL_SERVER_ERROR, Lang::Fr, |t| t.error_internal)
            }
        };
        let t = lang.messages();
        let chrome = Chrome {
            lang,
            t,
            user_name: None,
            is_admin: false,
            is_editor: false,
            csrf: String::new(),
            here: "/".into(),
            notice: None,
        };
        (status, ErrorPage { chrome, message: pick(t) }).into_response()
    }
}

/// The fallback for unknown page paths.
pub async fn not_found(headers: HeaderMap) -> PageError {
    PageError::NotFound(request_lang(&headers))
}

/// A role as people read it.
pub fn role_label(t: &Messages, grant: &domain::accounts::Grant) -> String {
    use domain::accounts::Role;
    let scope = grant.scope_id.map(|id| id.to_string()).unwrap_or_default();
    match grant.role {
        Role::PlatformAdmin => t.role_platform_admin.to_owned(),
        Role::TerritoryEditor => t.role_territory_editor.to_owned(),
        Role::PlaceManager => app::i18n::fill(t.role_place_manager, &[&scope]),
        Role::OrganisationAdmin => app::i18n::fill(t.role_organisation_admin, &[&scope]),
        Role::OrganisationMember => app::i18n::fill(t.role_organisation_member, &[&scope]),
    }
}

/// Static files compiled into the binary: ours, Leaflet from npm (see
/// `crates/web/build.rs`), and the territory's outlines.
pub async fn static_file(axum::extract::Path(path): axum::extract::Path<String>, headers: HeaderMap) -> Response {
    macro_rules! leaflet {
        ($file:literal) => {
            include_bytes!(concat!("../../assets/node_modules/leaflet/dist/", $file))
        };
    }
    let (body, content_type): (&'static [u8], &str) = match path.as_str() {
        "maillage.css" => (include_bytes!("../../static/maillage.css"), "text/css; charset=utf-8"),
        "bookings.css" => (include_bytes!("../../static/bookings.css"), "text/css; charset=utf-8"),
        "backoffice.css" => (include_bytes!("../../static/backoffice.css"), "text/css; charset=utf-8"),
        "favicon.svg" => (include_bytes!("../../static/favicon.svg"), "image/svg+xml"),
        "map.js" => (include_bytes!("../../static/map.js"), "text/javascript; charset=utf-8"),
        "vendor/leaflet/leaflet.js" => (leaflet!("leaflet.js"), "text/javascript; charset=utf-8"),
        "vendor/leaflet/leaflet.css" => (leaflet!("leaflet.css"), "text/css; charset=utf-8"),
        "vendor/leaflet/images/marker-icon.png" => (leaflet!("images/marker-icon.png"), "image/png"),
        "vendor/leaflet/images/marker-icon-2x.png" => (leaflet!("images/marker-icon-2x.png"), "image/png"),
        "vendor/leaflet/images/marker-shadow.png" => (leaflet!("images/marker-shadow.png"), "image/png"),
        "vendor/leaflet/images/layers.png" => (leaflet!("images/layers.png"), "image/png"),
        "vendor/leaflet/images/layers-2x.png" => (leaflet!("images/layers-2x.png"), "image/png"),
        "territory/departements.geojson" => {
            (domain::territory::DEPARTEMENTS_GEOJSON.as_bytes(), "application/geo+json")
        }
        "territory/regions.geojson" => (domain::territory::REGIONS_GEOJSON.as_bytes(), "application/geo+json"),
        _ => return PageError::NotFound(request_lang(&headers)).into_response(),
    };
    (
        [(axum::http::header::CONTENT_TYPE, content_type), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")],
        body,
    )
        .into_response()
}
