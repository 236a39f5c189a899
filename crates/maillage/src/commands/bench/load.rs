//! A small closed-loop load generator, and the HTTP server it is aimed at.
//!
//! Closed loop: `concurrency` tasks each send a request, wait for the
//! answer, and send the next, for a fixed duration; throughput is what the
//! system sustains at that concurrency and latency is measured per request
//! (so p99 includes queueing, as users feel it). The same driver loads the
//! HTTP API and the PostgreSQL baseline, so the two are measured alike.
//!
//! The server is the real one (`web::serve`: router, middleware, its own
//! index built from the database), started in this process on
//! 127.0.0.1:0, so its memory is this process's memory. Client and server
//! share the machine's cores: the figures are a floor for the server alone.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::queries::BenchQuery;

/// What a load run measured.
#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    pub requests: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Per request, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
    /// The first error met, to say what went wrong.
    pub first_error: Option<String>,
    /// Quantiles (q, ms) as an external load generator reported them, when
    /// it keeps the latencies to itself (then `latencies_us` is empty).
    pub reported_quantiles: Vec<(f64, f64)>,
}

impl LoadStats {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0..=1) in milliseconds, nearest rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return self.reported_quantiles.iter().find(|(at, _)| *at >= q).map_or(f64::NAN, |(_, ms)| *ms);
        }
        quantile_ms(&self.latencies_us, q)
    }
}

/// Nearest-rank quantile of sorted microsecond latencies, in milliseconds.
pub fn quantile_ms(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    f64::from(sorted_us[rank - 1]) / 1000.0
}

/// What one client task saw: latencies (µs), errors, the first error.
type TaskOutcome = (Vec<u32>, u64, Option<String>);

/// Runs `fire(i)` for i = 0, 1, 2… from `concurrency` tasks until
/// `duration` has passed; `fire` says whether the request succeeded.
pub async fn closed_loop<F, Fut>(concurrency: usize, duration: Duration, fire: F) -> LoadStats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let fire = Arc::new(fire);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<JoinHandle<TaskOutcome>> = (0..concurrency.max(1))
        .map(|_| {
            let (fire, next) = (fire.clone(), next.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0u64, None);
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let outcome = fire(i).await;
                    latencies.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    if let Err(e) = outcome {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut stats = LoadStats::default();
    for t in tasks {
        if let Ok((latencies, errors, first_error)) = t.await {
            stats.latencies_us.extend(latencies);
            stats.errors += errors;
            if stats.first_error.is_none() {
                stats.first_error = first_error;
            }
        }
    }
    stats.elapsed = start.elapsed();
    stats.requests = stats.latencies_us.len() as u64;
    stats.latencies_us.sort_unstable();
    stats
}

/// The HTTP server under test, running in this process.
pub struct Server {
    pub base: String,
    /// From start to the first answer: includes building its search index.
    pub ready_after: Duration,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Starts `web::serve` on a free local port, without the job worker
    /// (nothing to deliver here), and waits until it answers.
    pub async fn start(app: app::App, client: &reqwest::Client) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let config = web::ServerConfig { run_worker: false, ..web::ServerConfig::default() };
        let started = Instant::now();
        let handle = tokio::spawn(web::serve(app, listener, config, async move {
            let _ = stopped.await;
        }));
        let mut server = Self { base, ready_after: Duration::ZERO, stop, handle };
        server.wait_ready(client).await?;
        server.ready_after = started.elapsed();
        Ok(server)
    }

    /// Until `/health` answers 200; the server builds its index first, and
    /// connections wait in the listen queue meanwhile.
    async fn wait_ready(&self, client: &reqwest::Client) -> anyhow::Result<()> {
        let url = format!("{}/health", self.base);
        loop {
            if self.handle.is_finished() {
                return Err(anyhow!("the server stopped before answering"));
            }
            match client.get(&url).timeout(Duration::from_secs(10)).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Asks the server to stop and waits for it.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.handle.await.context("server task")?.context("server")?;
        Ok(())
    }
}

/// A keep-alive client with room for `concurrency` connections.
pub fn client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("HTTP client")
}

/// The API URL of each query.
pub fn search_urls(base: &str, queries: &[BenchQuery]) -> anyhow::Result<Vec<String>> {
    queries
        .iter()
        .map(|q| {
            reqwest::Url::parse_with_params(&format!("{base}/api/v1/search"), &q.pairs)
                .map(String::from)
                .context("search URL")
        })
        .collect()
}

/// GETs the query URLs in turn under load; a request succeeds when it
/// answers 200 and its body is read whole.
pub async fn http_load(
    client: reqwest::Client,
    urls: Arc<Vec<String>>,
    concurrency: usize,
    duration: Duration,
) -> LoadStats {
    closed_loop(concurrency, duration, move |i| {
        let (client, urls) = (client.clone(), urls.clone());
        async move {
            let url = &urls[i % urls.len()];
            let response = client.get(url).send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])));
            }
            Ok(())
        }
    })
    .await
}
