//! `/health`: the process answers and its database too (for load balancers).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

pub async fn health(State(state): State<AppState>) -> Response {
    let backend = state.app.store.backend().name();
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.app.store.ping()).await {
        Ok(Ok(())) => Json(json!({"status": "ok", "database": {"status": "ok", "backend": backend}})).into_response(),
        Ok(Err(_)) | Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "database": {"status": "unreachable", "backend": backend}})),
        )
            .into_response(),
    }
}
