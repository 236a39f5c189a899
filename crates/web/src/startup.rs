//! Building the router and running the server: the one path used by
//! `maillage serve` and by the tests, so tests exercise what users run.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};

use app::atlas::index::Indexer;
use search::SearchIndex;

use crate::metrics::Metrics;
use crate::middleware::{REQUEST_ID, RandomRequestId};
use crate::state::AppState;
use crate::{api, csrf, health, metrics, middleware, pages};

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Origins allowed to embed pages in frames (`frame-ancestors`), space-separated.
    pub frame_ancestors: String,
    /// Behind a reverse proxy: take the client address from the last
    /// `X-Forwarded-For` hop (for per-address sign-in limits).
    pub trust_forwarded_for: bool,
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Run the background job worker in this process.
    pub run_worker: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            frame_ancestors: String::new(),
            trust_forwarded_for: false,
            request_timeout: Duration::from_secs(30),
            body_limit: 1024 * 1024,
            run_worker: true,
        }
    }
}

/// Whether to trust `X-Forwarded-For`; read by [`ClientIp`].
#[derive(Clone, Copy)]
struct TrustForwardedFor(bool);

pub fn build_router(app: app::App, indexer: Arc<Indexer>, config: &ServerConfig) -> Router {
    let state = AppState {
        app,
        indexer,
        metrics: Arc::new(Metrics::default()),
        frame_ancestors: Arc::from(config.frame_ancestors.as_str()),
    };
    let api = api::router()
        .fallback(|| async {
            crate::error::ApiError::new(crate::error::Code::NotFound, "no such route; see /api/v1/openapi.json")
        })
        .layer(from_fn(middleware::api_json_errors));
    let pages = pages::router()
        .fallback(pages::not_found)
        .layer(from_fn_with_state(state.clone(), csrf::protect))
        .layer(tower_http::csrf::CsrfLayer::new());
    Router::new()
        .nest("/api", api)
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::render))
        .route("/static/{*path}", get(pages::static_file))
        .merge(pages)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(config.body_limit, middleware::refuse_oversize))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(axum::Extension(TrustForwardedFor(config.trust_forwarded_for)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis))
                .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), RandomRequestId))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
/// Runs the job worker alongside when configured.
pub async fn serve(
    app: app::App,
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = config.run_worker.then(|| {
        let app = app.clone();
        let mut rx = stop_rx.clone();
        let name = format!("{}-{}", std::process::id(), listener.local_addr().map(|a| a.port()).unwrap_or(0));
        tokio::spawn(async move {
            app::jobs::run(app, name, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
        })
    });
    let sealer = {
        let store = app.store.clone();
        let mut rx = stop_rx.clone();
        tokio::spawn(async move {
            store
                .run_audit_sealer(std::time::Duration::from_millis(200), async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await;
        })
    };
    let indexer = Arc::new(Indexer::new(SearchIndex::in_ram().map_err(std::io::Error::other)?));
    let started = std::time::Instant::now();
    let indexed = indexer.rebuild(&app).await.map_err(|e| std::io::Error::other(e.to_string()))?;
    tracing::info!(indexed, ms = started.elapsed().as_millis() as u64, "search index built");
    let follower = {
        let (indexer, app) = (indexer.clone(), app.clone());
        let mut rx = stop_rx.clone();
        tokio::spawn(indexer.follow(app, async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    };
    let router = build_router(app, indexer, &config);
    let mut rx = stop_rx;
    let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown => {}
                _ = rx.wait_for(|stop| *stop) => {}
            }
        })
        .await;
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    let _ = follower.await;
    let _ = sealer.await;
    result
}

/// The client's address, for per-address limits. Never logged.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let trust = parts.extensions.get::<TrustForwardedFor>().is_some_and(|t| t.0);
        if trust
            && let Some(last) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
        {
            return Ok(ClientIp(last.to_owned()));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".into(), |c| c.0.ip().to_string());
        Ok(ClientIp(ip))
    }
}
