//! The JSON API under `/api/v1`. Each module holds one resource's handlers,
//! annotated with `#[utoipa::path]`; [`openapi`] assembles the document
//! served at `/api/v1/openapi.json`, so it cannot drift from the code.

mod accounting;
mod admin;
pub mod atlas;
mod auth;
mod bookings;
mod calendars;
mod closures;
mod events;
mod exports;
mod invoices;
pub mod me;
mod openapi;
mod operations;
pub mod programmes;
mod tariffs;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub use accounting::fec_response;

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::signup))
        .routes(routes!(auth::request_password_reset))
        .routes(routes!(me::get_me, me::update_me, me::delete_me))
        .routes(routes!(me::export))
        .routes(routes!(me::sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(me::tokens, me::create_token))
        .routes(routes!(me::revoke_token))
        .routes(routes!(admin::users, admin::create_user))
        .routes(routes!(admin::roles, admin::grant_role))
        .routes(routes!(admin::revoke_role))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::verify_audit))
        .routes(routes!(admin::outbox))
        .routes(routes!(atlas::search))
        .routes(routes!(atlas::clusters))
        .routes(routes!(atlas::places))
        .routes(routes!(atlas::organisations))
        .routes(routes!(atlas::services))
        .routes(routes!(atlas::place))
        .routes(routes!(atlas::organisation))
        .routes(routes!(atlas::service))
        .routes(routes!(atlas::edit))
        .routes(routes!(atlas::verify))
        .routes(routes!(atlas::set_figures))
        .routes(routes!(exports::download))
        .routes(routes!(operations::create, operations::list))
        .routes(routes!(operations::create_booking))
        .routes(routes!(operations::create_series))
        .routes(routes!(operations::availability))
        .routes(routes!(closures::create))
        .routes(routes!(closures::delete))
        .routes(routes!(bookings::show))
        .routes(routes!(bookings::confirm))
        .routes(routes!(bookings::approve))
        .routes(routes!(bookings::refuse))
        .routes(routes!(bookings::cancel_booking))
        .routes(routes!(bookings::check_in_booking))
        .routes(routes!(bookings::create_membership))
        .routes(routes!(bookings::create_training))
        .routes(routes!(events::create))
        .routes(routes!(events::show))
        .routes(routes!(events::create_registration))
        .routes(routes!(events::cancel_registration))
        .routes(routes!(events::accept))
        .routes(routes!(invoices::create))
        .routes(routes!(invoices::show))
        .routes(routes!(invoices::credit))
        .routes(routes!(accounting::close))
        .routes(routes!(accounting::export))
        .routes(routes!(accounting::report))
        .routes(routes!(calendars::place))
        .routes(routes!(calendars::event))
        .routes(routes!(calendars::me))
        .routes(routes!(tariffs::put_tariffs, tariffs::get_tariffs))
        .routes(routes!(tariffs::quote))
        .routes(routes!(tariffs::create_plan, tariffs::list_plans))
        .routes(routes!(tariffs::subscribe))
        .routes(routes!(tariffs::credits))
        .routes(routes!(tariffs::charge))
        .routes(routes!(programmes::attendance))
        .routes(routes!(programmes::mark))
        .routes(routes!(programmes::check_in_by_code))
        .routes(routes!(programmes::list_answers))
}

/// The OpenAPI 3.1 document of the API, generated from the handlers.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) =
        OpenApiRouter::<AppState>::with_openapi(openapi::base()).nest("/api/v1", api_router()).split_for_parts();
    openapi::finish(&mut doc);
    doc
}

/// The API's routes relative to `/api` (the caller nests them there, so the
/// API gets its own JSON fallback), including the document itself.
pub fn router() -> Router<AppState> {
    let (router, _) = OpenApiRouter::new().nest("/v1", api_router()).split_for_parts();
    let doc = std::sync::Arc::new(openapi_document());
    router.route(
        "/v1/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
}
