//! `/metrics` in the Prometheus text format. Request counters live in this
//! process (each server is scraped on its own); queue sizes come from the
//! shared database.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use store::mail::MailStatus;

use crate::state::AppState;

const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
pub struct Metrics {
    in_flight: AtomicI64,
    /// (method, route, status) → count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// cumulative bucket counts, sum of seconds, count
    latency: Mutex<([u64; BUCKETS.len()], f64, u64)>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let secs = elapsed.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    l.0[i] += 1;
                }
            }
            l.1 += secs;
            l.2 += 1;
        }
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The matched route, not the raw path: ids must not explode the label set.
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_owned();
    let method = req.method().as_str().to_owned();
    let started = std::time::Instant::now();
    state.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let response = next.run(req).await;
    state.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    state.metrics.record(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

pub async fn render(State(state): State<AppState>) -> Response {
    use std::fmt::Write;
    let m = &state.metrics;
    let mut out = String::new();
    out.push_str("# HELP maillage_http_requests_total HTTP requests handled by this server.\n");
    out.push_str("# TYPE maillage_http_requests_total counter\n");
    if let Ok(r) = m.requests.lock() {
        for ((method, route, status), n) in r.iter() {
            let _ = writeln!(
                out,
                "maillage_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
    }
    out.push_str("# HELP maillage_http_request_duration_seconds Time to answer a request.\n");
    out.push_str("# TYPE maillage_http_request_duration_seconds histogram\n");
    if let Ok(l) = m.latency.lock() {
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(out, "maillage_http_request_duration_seconds_bucket{{le=\"{b}\"}} {}", l.0[i]);
        }
        let _ = writeln!(out, "maillage_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}", l.2);
        let _ = writeln!(out, "maillage_http_request_duration_seconds_sum {}", l.1);
        let _ = writeln!(out, "maillage_http_request_duration_seconds_count {}", l.2);
    }
    let _ = writeln!(out, "# HELP maillage_http_requests_in_flight Requests being answered now.");
    let _ = writeln!(out, "# TYPE maillage_http_requests_in_flight gauge");
    let _ = writeln!(out, "maillage_http_requests_in_flight {}", m.in_flight.load(Ordering::Relaxed));
    let (size, idle) = state.app.store.pool_usage();
    let _ = writeln!(out, "# TYPE maillage_db_connections gauge");
    let _ = writeln!(out, "maillage_db_connections{{state=\"open\"}} {size}");
    let _ = writeln!(out, "maillage_db_connections{{state=\"idle\"}} {idle}");
    if let Ok(jobs) = state.app.store.pending_jobs().await {
        let _ = writeln!(out, "# HELP maillage_jobs_pending Jobs waiting in the shared queue.");
        let _ = writeln!(out, "# TYPE maillage_jobs_pending gauge");
        let _ = writeln!(out, "maillage_jobs_pending {jobs}");
    }
    let _ = writeln!(out, "# HELP maillage_mails Mails in the outbox by status.");
    let _ = writeln!(out, "# TYPE maillage_mails gauge");
    for status in [MailStatus::Queued, MailStatus::Sent, MailStatus::Held, MailStatus::Failed] {
        if let Ok(n) = state.app.store.count_mails(status).await {
            let _ = writeln!(out, "maillage_mails{{status=\"{}\"}} {n}", status.as_str());
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
