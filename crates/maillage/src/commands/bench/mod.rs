//! `maillage bench search`: how search holds up at 100,000 or 1,000,000
//! records on the machine at hand, and against the usual approach.
//!
//! Why a command and not a test: it measures, it does not check; it takes
//! minutes; and its figures only mean something in release builds on a
//! quiet machine. It never touches real data: by default it works in a
//! fresh temporary directory, removed at the end (and it does not read
//! `MAILLAGE_DATA_DIR` or `DATABASE_URL`).
//!
//! Phases, in order, each timed:
//! 1. generate N places and organisations (`generate`) and import them
//!    with the real pipeline (batches, resolution, duplicate detection);
//! 2. start the real HTTP server in this process (it builds its own index)
//!    and load `/api/v1/search` with the query set (`queries`, `load`),
//!    recording the process's peak memory over that phase;
//! 3. build an index with `Indexer::rebuild` and run every query in process
//!    (`parse_params` + `query` + `SearchIndex::search`, as the API does),
//!    one at a time, then from every core;
//! 4. load the same documents into PostgreSQL and run the same queries
//!    under the same load (`pg_baseline`).
//!
//! The output ends with one `RESULT key=value …` line for scripts.

mod generate;
mod load;
mod operations;
mod pg_baseline;
mod queries;
mod report;
mod system;
mod wrk;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use app::atlas::import::mapping::{Mapping, Row};
use app::atlas::import::readers::ReadError;
use app::atlas::import::{ImportRequest, Progress, import};
use app::atlas::index::Indexer;
use app::atlas::search::{parse_params, query};
use app::{App, AppConfig};
use chrono::Utc;
use clap::{Args, Subcommand};
use domain::policy::Actor;
use search::SearchIndex;

use self::generate::{Generator, ORGANISATIONS_MAPPING, PLACES_MAPPING, Referentials};
use self::load::{LoadStats, Server, quantile_ms};
use self::pg_baseline::Baseline;
use self::queries::{BenchQuery, QuerySource};
use self::report::Figures;
use self::system::{CpuSample, CpuUse, MemorySampler, memory_mb, reset_peak_rss};
use crate::cli::DataArgs;
use crate::database;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Search at scale: import N synthetic places and organisations, then
    /// measure import rows/s, index build time, search latency in process
    /// and over HTTP under load, peak memory, and the same queries on
    /// PostgreSQL full-text search + earthdistance. Ends with a RESULT line.
    Search(SearchArgs),
    /// Bookings under contention: N clients over HTTP (the server in its own
    /// process) booking overlapping slots in one venue tree; confirmed
    /// bookings per second, p50/p99 latency, and violations found in the
    /// database afterwards. Ends with a RESULT line.
    Bookings(operations::OperationsArgs),
    /// Registrations under contention: N clients registering to a few
    /// events that fill up, and cancelling (promotions follow); operations
    /// per second, p50/p99, violations. Ends with a RESULT line.
    Registrations(operations::OperationsArgs),
}

#[derive(Args, Clone, Debug)]
pub struct SearchArgs {
    /// Records to generate and import (30% places, 70% organisations).
    #[arg(long, default_value_t = 100_000)]
    pub size: usize,
    /// Distinct queries in the query set.
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,
    /// Concurrent clients for the HTTP and PostgreSQL loads.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds of load for HTTP and for PostgreSQL, each after 2 s of warm-up.
    #[arg(long, default_value_t = 15)]
    pub duration: u64,
    /// PostgreSQL for the baseline (a schema of its own is created, then dropped).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub pg_url: String,
    /// Connections of the PostgreSQL client pool (the clients share them).
    #[arg(long, default_value_t = 16)]
    pub pg_pool: u32,
    /// Do not run the PostgreSQL baseline.
    #[arg(long)]
    pub no_pg: bool,
    /// Do not run the HTTP load (quick loops on the in-process figures).
    #[arg(long)]
    pub no_http: bool,
    /// Load the HTTP server with the built-in client even when `wrk` is
    /// installed (by default `wrk` is used if found on the PATH).
    #[arg(long)]
    pub builtin_load: bool,
    /// Do not import: search what `--data-dir` or `--database-url` already
    /// holds (from an earlier run with the same `--size` and `--seed`, so
    /// that the query set matches the records).
    #[arg(long)]
    pub skip_import: bool,
    /// Also search in process an index holding K copies of every document
    /// (moved up to ~2 km, new ids): a projection to K × size documents of
    /// the search alone, for sizes the import cannot reach in reasonable
    /// time. Not imported, not served over HTTP.
    #[arg(long, default_value_t = 1)]
    pub replicate: usize,
    /// Seed of the generated records and queries.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the embedded database (default: a fresh temporary
    /// directory, removed at the end).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use this database instead of an embedded one (the synthetic sources
    /// are added to its atlas).
    #[arg(long)]
    pub database_url: Option<String>,
}

pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Search(args) => search(args).await,
        BenchCommand::Bookings(args) => operations::bookings(args).await,
        BenchCommand::Registrations(args) => operations::registrations(args).await,
    }
}

/// Share of places among the generated records.
const PLACES_SHARE: f64 = 0.3;
/// How many queries are also counted on PostgreSQL, one by one, to compare hits.
const COMPARED_QUERIES: usize = 300;
const WARM_UP: Duration = Duration::from_secs(2);

async fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (data, temp) = data_args(&args)?;
    let store = database::open(&data, 8).await?;
    let backend = store.backend().name();
    let app = App::new(store, AppConfig::new("http://127.0.0.1:8080")).await?;
    let referentials = Referentials::load(super::demo_atlas::shared_data_dir().as_deref());
    say(&format!("referentials: {}", referentials.origin));
    let generator = Generator::new(args.seed, referentials);

    let imported = if args.skip_import {
        say("import skipped (--skip-import)");
        Imported::default()
    } else {
        import_phase(&app, &generator, args.size).await?
    };
    let queries = query_set(&generator, &args);
    let http = if args.no_http {
        say("HTTP load skipped (--no-http)");
        Http::default()
    } else {
        http_phase(&app, &queries, &args).await?
    };
    let (indexer, build) = build_index(&app).await?;
    let inproc = inproc_phase(indexer.index.clone(), &queries, cores).await?;
    let projection = if args.replicate > 1 {
        let (index, docs, build) = replicated_index(&app, &indexer, args.replicate, args.seed).await?;
        let measured = inproc_phase(index, &queries, cores).await?;
        Some(Projection { docs, build, inproc: measured })
    } else {
        None
    };
    let pg =
        if args.no_pg { Err(anyhow!("skipped (--no-pg)")) } else { pg_phase(&app, &indexer, &queries, &args).await };
    let figures =
        Figures { cores, backend, imported, build, http, inproc, projection, pg, args: &args, queries: &queries };
    print!("{}", figures.report());
    drop(temp);
    Ok(ExitCode::SUCCESS)
}

/// Where the data goes: what was given, else a temporary directory kept
/// alive by the returned guard.
fn data_args(args: &SearchArgs) -> anyhow::Result<(DataArgs, Option<tempfile::TempDir>)> {
    if let Some(url) = &args.database_url {
        return Ok((DataArgs { data_dir: PathBuf::from("."), database_url: Some(url.clone()) }, None));
    }
    if let Some(dir) = &args.data_dir {
        return Ok((DataArgs { data_dir: dir.clone(), database_url: None }, None));
    }
    let temp = tempfile::Builder::new().prefix("maillage-bench-").tempdir().context("temporary directory")?;
    Ok((DataArgs { data_dir: temp.path().to_owned(), database_url: None }, Some(temp)))
}

/// Progress on standard error, so that standard output is the report.
fn say(message: &str) {
    eprintln!("[bench] {message}");
}

/// What importing both sources took and gave.
#[derive(Default)]
struct Imported {
    rows: u64,
    created: i64,
    rejected: i64,
    dropped: i64,
    merged: i64,
    queued: i64,
    total: Duration,
    /// Reading, mapping and writing rows (until retiring starts).
    writing: Duration,
    /// Retiring and looking for duplicates.
    dedup: Duration,
    cpu: Option<CpuUse>,
}

impl Imported {
    fn rows_per_s(&self) -> f64 {
        self.rows as f64 / self.total.as_secs_f64().max(1e-9)
    }

    /// Rows per second of the writing part alone (before duplicate detection).
    fn write_rows_per_s(&self) -> f64 {
        self.rows as f64 / self.writing.as_secs_f64().max(1e-9)
    }
}

async fn import_phase(app: &App, generator: &Generator, size: usize) -> anyhow::Result<Imported> {
    let places = (size as f64 * PLACES_SHARE).round() as usize;
    let organisations = size - places;
    let mut sum = Imported {
        rows: 0,
        created: 0,
        rejected: 0,
        dropped: 0,
        merged: 0,
        queued: 0,
        total: Duration::ZERO,
        writing: Duration::ZERO,
        dedup: Duration::ZERO,
        cpu: None,
    };
    say(&format!("importing {places} places and {organisations} organisations"));
    let cpu = CpuSample::now();
    import_source(app, PLACES_MAPPING, generator.places(places), &mut sum).await?;
    import_source(app, ORGANISATIONS_MAPPING, generator.organisations(organisations), &mut sum).await?;
    sum.cpu = cpu.and_then(CpuSample::since);
    Ok(sum)
}

/// Imports one generated source with the real pipeline, adding its figures to `sum`.
async fn import_source(
    app: &App,
    mapping: &str,
    rows: impl Iterator<Item = Result<Row, ReadError>>,
    sum: &mut Imported,
) -> anyhow::Result<()> {
    let mapping = Mapping::parse(mapping)?;
    let source = mapping.source.name.clone();
    let started = Instant::now();
    let retiring_at: Mutex<Option<Instant>> = Mutex::new(None);
    let progress = |p: Progress| match p {
        Progress::Rows(n) if n % 50_000 == 0 => say(&format!("{source}: {n} rows in {:.0?}", started.elapsed())),
        Progress::Retiring => {
            if let Ok(mut at) = retiring_at.lock() {
                *at = Some(Instant::now());
            }
            say(&format!("{source}: rows written in {:.1?}; retiring, then duplicates", started.elapsed()));
        }
        Progress::Duplicates { checked } if checked % 20_000 == 0 => {
            say(&format!("{source}: {checked} records compared for duplicates, {:.0?}", started.elapsed()))
        }
        _ => {}
    };
    let request = ImportRequest { source: &source, mapping: &mapping, within: None };
    let report = import(app, &Actor::System, request, rows, &progress).await.map_err(|e| anyhow!("{e}"))?;
    let total = started.elapsed();
    let retiring = retiring_at.lock().ok().and_then(|a| *a).unwrap_or_else(Instant::now);
    let c = report.counts;
    say(&format!(
        "{source}: read {}, created {}, unchanged {}, rejected {}, values left out {}, merged {}, to review {} in {total:.1?}",
        c.read, c.created, c.unchanged, c.rejected, c.dropped, c.merged, c.queued
    ));
    sum.rows += c.read as u64;
    sum.created += c.created;
    sum.rejected += c.rejected;
    sum.dropped += c.dropped;
    sum.merged += c.merged;
    sum.queued += c.queued;
    sum.total += total;
    sum.writing += retiring.duration_since(started);
    sum.dedup += total.saturating_sub(retiring.duration_since(started));
    Ok(())
}

fn query_set(generator: &Generator, args: &SearchArgs) -> Vec<BenchQuery> {
    let n = args.size.clamp(100, 20_000);
    let names = generator.sample_names((n as f64 * PLACES_SHARE) as usize, n - (n as f64 * PLACES_SHARE) as usize);
    QuerySource { names: &names, communes: &generator.communes }.build(args.seed, args.queries.max(1))
}

/// The HTTP load and what the server needed for it.
#[derive(Default)]
struct Http {
    stats: LoadStats,
    ready_after: Duration,
    /// Peak resident memory over the server's phase (index build + load), MB.
    peak_rss_mb: Option<f64>,
    /// Peak of the whole process until then (import included), MB.
    process_peak_mb: Option<f64>,
    /// Resident and anonymous memory when the server started, MB.
    start_rss_mb: Option<f64>,
    start_anon_mb: Option<f64>,
    /// Sampled peaks over the server's phase: (anonymous, resident), MB.
    sampled: Option<(f64, f64)>,
    cpu: Option<CpuUse>,
    /// Whether `wrk` generated the load (otherwise the built-in client).
    wrk: bool,
}

async fn http_phase(app: &App, queries: &[BenchQuery], args: &SearchArgs) -> anyhow::Result<Http> {
    let process_peak_mb = memory_mb("VmHWM");
    let reset = reset_peak_rss();
    let (start_rss_mb, start_anon_mb) = (memory_mb("VmRSS"), memory_mb("RssAnon"));
    let sampler = MemorySampler::start();
    let client = load::client(args.concurrency)?;
    say("starting the HTTP server (it builds its own index)");
    let server = Server::start(app.clone(), &client).await?;
    say(&format!("server ready after {:.1?} at {}", server.ready_after, server.base));
    let urls = Arc::new(load::search_urls(&server.base, queries)?);
    check_first(&client, &urls[0]).await?;
    let duration = Duration::from_secs(args.duration);
    say(&format!("HTTP load: {} clients, {}s (+{}s warm-up)", args.concurrency, args.duration, WARM_UP.as_secs()));
    let with_wrk = !args.builtin_load && wrk::available();
    say(if with_wrk {
        "load generator: wrk (a process of its own)"
    } else {
        "load generator: built in (this process)"
    });
    let (stats, cpu) = if with_wrk {
        let paths: Vec<String> = urls.iter().map(|u| u[server.base.len()..].to_owned()).collect();
        wrk::load(&server.base, &paths, args.concurrency, WARM_UP).await?;
        let cpu = CpuSample::now();
        let stats = wrk::load(&server.base, &paths, args.concurrency, duration).await?;
        (stats, cpu.and_then(CpuSample::since))
    } else {
        load::http_load(client.clone(), urls.clone(), args.concurrency, WARM_UP).await;
        let cpu = CpuSample::now();
        let stats = load::http_load(client, urls, args.concurrency, duration).await;
        (stats, cpu.and_then(CpuSample::since))
    };
    let peak_rss_mb = if reset { memory_mb("VmHWM") } else { None };
    let sampled = sampler.finish();
    let ready_after = server.ready_after;
    server.stop().await?;
    Ok(Http {
        stats,
        ready_after,
        peak_rss_mb,
        process_peak_mb,
        start_rss_mb,
        start_anon_mb,
        sampled,
        cpu,
        wrk: with_wrk,
    })
}

/// One request before the load, to fail clearly if searches do not work.
async fn check_first(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let r = client.get(url).send().await?;
    let status = r.status();
    let body = r.text().await?;
    if !status.is_success() {
        return Err(anyhow!("{url} answered {status}: {body}"));
    }
    Ok(())
}

async fn build_index(app: &App) -> anyhow::Result<(Arc<Indexer>, Duration)> {
    say("building an index in process (Indexer::rebuild)");
    let indexer = Arc::new(Indexer::new(search::SearchIndex::in_ram().map_err(|e| anyhow!("{e}"))?));
    let started = Instant::now();
    let n = indexer.rebuild(app).await.map_err(|e| anyhow!("{e}"))?;
    let took = started.elapsed();
    say(&format!("{n} documents indexed in {took:.1?}"));
    Ok((indexer, took))
}

/// Searches in process: latencies one at a time, throughput from every core.
struct InProcess {
    latencies_us: Vec<u32>,
    /// Per query, in query-set order: its latency and total hits.
    per_query: Vec<(u32, u64)>,
    errors: usize,
    qps_one_thread: f64,
    qps_all_cores: f64,
    /// While searching from every core.
    cpu: Option<CpuUse>,
}

async fn inproc_phase(index: Arc<SearchIndex>, queries: &[BenchQuery], cores: usize) -> anyhow::Result<InProcess> {
    say(&format!("in-process searches: {} queries one at a time, then on {cores} threads", queries.len()));
    let queries = Arc::new(queries.to_vec());
    tokio::task::spawn_blocking(move || inproc_blocking(&index, &queries, cores)).await.context("in-process phase")
}

/// One search exactly as the API runs it: parameters, query, index.
fn search_once(index: &SearchIndex, q: &BenchQuery) -> Result<u64, String> {
    let params = parse_params(&q.pairs).map_err(|e| e.to_string())?;
    let results = index.search(&query(&params, Utc::now())).map_err(|e| e.to_string())?;
    Ok(results.total)
}

fn inproc_blocking(index: &SearchIndex, queries: &[BenchQuery], cores: usize) -> InProcess {
    for q in queries.iter().take(200) {
        let _ = search_once(index, q);
    }
    let mut per_query = Vec::with_capacity(queries.len());
    let mut errors = 0;
    let started = Instant::now();
    for q in queries {
        let t = Instant::now();
        let total = search_once(index, q).unwrap_or_else(|_| {
            errors += 1;
            0
        });
        per_query.push((t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32, total));
    }
    let qps_one_thread = queries.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let started = Instant::now();
    let cpu = CpuSample::now();
    std::thread::scope(|s| {
        for t in 0..cores {
            s.spawn(move || {
                for i in 0..queries.len() {
                    let _ = search_once(index, &queries[(i + t * queries.len() / cores) % queries.len()]);
                }
            });
        }
    });
    let qps_all_cores = (queries.len() * cores) as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let cpu = cpu.and_then(CpuSample::since);
    let mut latencies_us: Vec<u32> = per_query.iter().map(|(l, _)| *l).collect();
    latencies_us.sort_unstable();
    InProcess { latencies_us, per_query, errors, qps_one_thread, qps_all_cores, cpu }
}

/// In-process figures on a projected index.
struct Projection {
    docs: u64,
    build: Duration,
    inproc: InProcess,
}

/// An index of `copies` copies of every live record's document, each copy
/// with its own id and moved by up to ~2 km, so that text frequencies and
/// geographic density grow as with a larger corpus of the same kind.
async fn replicated_index(
    app: &App,
    indexer: &Indexer,
    copies: usize,
    seed: u64,
) -> anyhow::Result<(Arc<SearchIndex>, u64, Duration)> {
    say(&format!("projection: indexing {copies} copies of every document"));
    let index = Arc::new(SearchIndex::in_ram().map_err(|e| anyhow!("{e}"))?);
    let started = Instant::now();
    let mut cursor = store::atlas::RecordCursor { kind: None, after_id: 0, live_only: true };
    let mut docs = 0u64;
    loop {
        let page = app.store.atlas_records_page(cursor, 2_000).await?;
        let Some(last) = page.last() else { break };
        cursor.after_id = last.id;
        let mut batch = Vec::with_capacity(page.len() * copies);
        for r in &page {
            let doc = indexer.document(app, r, &[]);
            for k in 0..copies as i64 {
                let mut copy = doc.clone();
                copy.id = k * 1_000_000_000 + doc.id;
                let mut rng = generate::Rng::for_item(seed, 3, copy.id as u64);
                if k > 0 {
                    copy.geo =
                        doc.geo.map(|(lat, lon)| (lat + (rng.unit() - 0.5) * 0.036, lon + (rng.unit() - 0.5) * 0.05));
                }
                batch.push(copy);
            }
        }
        docs += batch.len() as u64;
        index.upsert(batch).map_err(|e| anyhow!("{e}"))?;
    }
    index.commit().map_err(|e| anyhow!("{e}"))?;
    let took = started.elapsed();
    say(&format!("projection: {docs} documents indexed in {took:.1?}"));
    Ok((index, docs, took))
}

/// The PostgreSQL side.
struct Pg {
    stats: LoadStats,
    load: Duration,
    index: Duration,
    rows: u64,
    pool_size: u32,
    notes: Vec<String>,
    /// Totals of the first queries, one by one.
    totals: Vec<Option<i64>>,
    /// During the load; "others" includes the PostgreSQL server.
    cpu: Option<CpuUse>,
}

async fn pg_phase(app: &App, indexer: &Indexer, queries: &[BenchQuery], args: &SearchArgs) -> anyhow::Result<Pg> {
    say(&format!("PostgreSQL baseline at {}", redact(&args.pg_url)));
    let baseline = Baseline::setup(&args.pg_url, args.pg_pool.max(1)).await?;
    let measured = pg_measure(&baseline, app, indexer, queries, args).await;
    let dropped = baseline.drop_schema().await;
    let pg = measured?;
    dropped.context("dropping the baseline's schema")?;
    Ok(pg)
}

async fn pg_measure(
    baseline: &Baseline,
    app: &App,
    indexer: &Indexer,
    queries: &[BenchQuery],
    args: &SearchArgs,
) -> anyhow::Result<Pg> {
    let (load, index, rows) = baseline.load(app, indexer).await?;
    say(&format!("{rows} rows copied in {load:.1?}, indexed in {index:.1?}"));
    let now = Utc::now();
    let sql: Arc<Vec<_>> = Arc::new(queries.iter().map(|q| baseline.translate(q, now)).collect());
    let totals = baseline.totals(&sql[..COMPARED_QUERIES.min(sql.len())]).await;
    say(&format!(
        "PostgreSQL load: {} clients on {} connections, {}s",
        args.concurrency, baseline.pool_size, args.duration
    ));
    baseline.run(sql.clone(), args.concurrency, WARM_UP).await;
    let cpu = CpuSample::now();
    let stats = baseline.run(sql, args.concurrency, Duration::from_secs(args.duration)).await;
    let cpu = cpu.and_then(CpuSample::since);
    let notes = baseline.notes.clone();
    Ok(Pg { stats, load, index, rows, pool_size: baseline.pool_size, notes, totals, cpu })
}

/// A URL without its password, for the log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if url[s + 3..at].contains(':') => {
            let user_end = url[s + 3..at].find(':').map_or(at, |i| s + 3 + i);
            format!("{}:***{}", &url[..user_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}
