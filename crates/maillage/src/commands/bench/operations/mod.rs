//! `maillage bench bookings` and `maillage bench registrations`: how many
//! bookings and registrations per second the server confirms while many
//! clients fight over the same venue tree or the same events, and whether
//! a single guarantee broke on the way.
//!
//! Honest by construction:
//! - the server is a separate `maillage serve` process (this binary, run as
//!   a child), so the load generator does not share its runtime; it does
//!   share the machine's cores, so the figures are a floor;
//! - every client has its own account and API token, and sends real
//!   requests through the whole stack (HTTP, token check, policy, audited
//!   write transaction);
//! - the requests contend: a few venue trees (`--trees`) whose bookings take
//!   their tree's lock, over a window small enough that slots collide; a few events
//!   that fill up, so later registrations wait in line and cancellations
//!   promote the next person;
//! - a 503 ("busy, retry") is retried by the client, as the API asks, and the
//!   latency of an operation runs until its definite answer;
//! - after the run the database is read back and checked (`violations`):
//!   no overlap up or down the tree, never more seats than the capacity, no
//!   free seat while someone waits, offers in order of arrival, and every
//!   answered operation found stored exactly once.

mod audit;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow};
use app::App;
use app::atlas::import::mapping::{Mapping, Row};
use app::atlas::import::{ImportRequest, import};
use app::operations::ResourceInput;
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use clap::Args;
use domain::accounts::{TokenScope, TokenScopes};
use domain::policy::Actor;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use self::audit::{Check, check_bookings, check_registrations, reconcile};
use super::generate::Rng;
use super::load::{LoadStats, client, closed_loop};
use super::say;
use crate::cli::DataArgs;
use crate::database;

#[derive(Args, Clone, Debug)]
pub struct OperationsArgs {
    /// Concurrent clients, each with its own account and token.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Seconds of load, after 2 s of warm-up.
    #[arg(long, default_value_t = 15)]
    pub duration: u64,
    /// PostgreSQL to measure instead of the embedded database: a schema of
    /// its own is created for the run, then dropped.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Directory for the embedded database (default: a fresh temporary
    /// directory, removed at the end).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Bookings: days ahead the clients aim at (a smaller window, more collisions).
    #[arg(long, default_value_t = 60)]
    pub days: i64,
    /// Bookings: venue trees the clients share (each request picks one);
    /// bookings of one tree queue on its lock, as in one building.
    #[arg(long, default_value_t = 4)]
    pub trees: usize,
    /// Registrations: how many events share the load, and their capacity.
    #[arg(long, default_value_t = 8)]
    pub events: usize,
    #[arg(long, default_value_t = 100)]
    pub capacity: i64,
    /// Seed of the requests.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// What the clients asked for, as it will be checked afterwards.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Workload {
    Bookings,
    Registrations,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Bookings => "bookings",
            Workload::Registrations => "registrations",
        }
    }
}

pub async fn bookings(args: OperationsArgs) -> anyhow::Result<ExitCode> {
    run(Workload::Bookings, args).await
}

pub async fn registrations(args: OperationsArgs) -> anyhow::Result<ExitCode> {
    run(Workload::Registrations, args).await
}

const WARM_UP: Duration = Duration::from_secs(2);
/// Retries of a 503 before an operation counts as failed.
const BUSY_RETRIES: u32 = 100;

async fn run(workload: Workload, args: OperationsArgs) -> anyhow::Result<ExitCode> {
    let target = Target::prepare(&args).await?;
    let store = database::open(&target.data, 8).await?;
    let backend = store.backend().name();
    let app = App::new(store, app::AppConfig::new("http://127.0.0.1:8080")).await?;
    let place = bench_place(&app).await?;
    let tokens = clients(&app, args.clients).await?;
    let subject = match workload {
        Workload::Bookings => {
            let mut trees = Vec::new();
            for t in 0..args.trees.max(1) {
                trees.push(venue_tree(&app, place, t).await?);
            }
            Subject::Trees(trees)
        }
        Workload::Registrations => Subject::Events(events(&app, place, args.events, args.capacity).await?),
    };
    say(&format!("{} clients ready; starting the server ({backend})", tokens.len()));
    let server = ChildServer::start(&target.data).await?;
    let http = client(args.clients)?;
    let ledger = Ledger::default();
    let plan = Arc::new(Plan { base: server.url.clone(), tokens, subject, seed: args.seed, days: args.days, ledger });

    say(&format!("warming up for {WARM_UP:?}"));
    let warm_up = Arc::new(Phase { tally: Tally::default(), first: 0 });
    drive(&plan, &http, &warm_up, args.clients, WARM_UP).await;
    say(&format!("{} for {} s with {} clients", workload.name(), args.duration, args.clients));
    let measured = Arc::new(Phase { tally: Tally::default(), first: 1 << 40 });
    let stats = drive(&plan, &http, &measured, args.clients, Duration::from_secs(args.duration)).await;
    server.stop().await;

    let (mut check, in_db) = match &plan.subject {
        Subject::Trees(trees) => check_bookings(&app, trees).await?,
        Subject::Events(events) => check_registrations(&app, events).await?,
    };
    let answered = plan.ledger.stored.lock().map(|s| s.clone()).unwrap_or_default();
    reconcile(&mut check, &answered, &in_db);
    let report = Report { workload, backend, args: &args, stats: &stats, tally: &measured.tally, check: &check };
    print!("{}", report.text());
    drop(app);
    target.clean().await;
    Ok(if check.violations() == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The database the run uses, and how to leave nothing behind.
struct Target {
    data: DataArgs,
    _temp: Option<tempfile::TempDir>,
    /// (admin URL, schema) of a PostgreSQL run.
    schema: Option<(String, String)>,
}

impl Target {
    async fn prepare(args: &OperationsArgs) -> anyhow::Result<Self> {
        if let Some(admin) = &args.database_url {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            let schema = format!("bench_{:016x}", Rng::new(nanos as u64 ^ u64::from(std::process::id())).next_u64());
            raw_pg(admin, &format!("CREATE SCHEMA {schema}")).await?;
            let sep = if admin.contains('?') { '&' } else { '?' };
            let url = format!("{admin}{sep}options=-c%20search_path%3D{schema}%2Cpublic");
            let data = DataArgs { data_dir: PathBuf::from("."), database_url: Some(url) };
            return Ok(Self { data, _temp: None, schema: Some((admin.clone(), schema)) });
        }
        if let Some(dir) = &args.data_dir {
            return Ok(Self {
                data: DataArgs { data_dir: dir.clone(), database_url: None },
                _temp: None,
                schema: None,
            });
        }
        let temp = tempfile::Builder::new().prefix("maillage-bench-").tempdir().context("temporary directory")?;
        let data = DataArgs { data_dir: temp.path().to_owned(), database_url: None };
        Ok(Self { data, _temp: Some(temp), schema: None })
    }

    async fn clean(self) {
        if let Some((admin, schema)) = &self.schema
            && let Err(e) = raw_pg(admin, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await
        {
            say(&format!("could not drop schema {schema}: {e}"));
        }
    }
}

/// One statement on PostgreSQL outside the application (schema of the run).
async fn raw_pg(url: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.context("connect to PostgreSQL")?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await?;
    Ok(())
}

const PLACE_MAPPING: &str = r#"
[source]
name = "bench-operations"
title = "Banc d'essai des réservations"
publisher = "Maillage"
url = "https://maillage.example/bench"
licence = "CC0"
format = "csv"
synthetic = true

[[record]]
kind = "place"
id = "{id}"

[record.fields]
name = "nom"
kinds = { value = ["tiers-lieu"] }
commune_insee = "insee"
"#;

/// A synthetic place, through the real import (Poitiers).
async fn bench_place(app: &App) -> anyhow::Result<i64> {
    let mapping = Mapping::parse(PLACE_MAPPING)?;
    let values = [("id", "1"), ("nom", "Tiers-lieu du banc d'essai"), ("insee", "86194")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let request = ImportRequest { source: "bench-operations", mapping: &mapping, within: None };
    let report = import(app, &Actor::System, request, std::iter::once(Ok(Row { line: 2, values })), &|_| {})
        .await
        .map_err(|e| anyhow!("{e}"))?;
    if report.counts.created != 1 {
        return Err(anyhow!("the bench place was not created: {:?}", report.counts));
    }
    let place = app
        .store
        .atlas_records_page(
            store::atlas::RecordCursor { kind: Some(domain::atlas::RecordKind::Place), after_id: 0, live_only: true },
            1,
        )
        .await?;
    place.first().map(|p| p.id).ok_or_else(|| anyhow!("no bench place"))
}

/// One account and API token per client.
async fn clients(app: &App, n: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let user = app::accounts::create_user(
            app,
            &Actor::System,
            &format!("client-{i}@bench.maillage.localhost"),
            &format!("Client {i}"),
            "Banc-d-essai-2026-solide",
            app::i18n::Lang::Fr,
        )
        .await?;
        let scopes = TokenScopes::new([TokenScope::Bookings]);
        let token = app::accounts::create_api_token(app, &Actor::System, user.id, "bench", scopes, None).await?;
        tokens.push(token.secret);
    }
    Ok(tokens)
}

/// A venue ⊃ 4 zones ⊃ 4 rooms each ⊃ 4 desks each: 85 resources, one lock.
struct Tree {
    /// (resource id, depth: 0 venue … 3 desk, path).
    resources: Vec<(i64, u8, String)>,
}

async fn venue_tree(app: &App, place: i64, number: usize) -> anyhow::Result<Tree> {
    let add = |parent: Option<i64>, kind: &str, name: String| {
        let input = ResourceInput {
            parent_id: parent,
            kind: kind.to_owned(),
            name,
            capacity: Some(1),
            min_minutes: Some(30),
            ..ResourceInput::default()
        };
        async move { app::operations::create_resource(app, &Actor::System, place, &input).await }
    };
    let mut resources = Vec::new();
    let venue = add(None, "venue", format!("Bâtiment {number}")).await?;
    resources.push((venue.id, 0, venue.path.clone()));
    for z in 0..4 {
        let zone = add(Some(venue.id), "zone", format!("Étage {z}")).await?;
        resources.push((zone.id, 1, zone.path.clone()));
        for r in 0..4 {
            let room = add(Some(zone.id), "room", format!("Salle {z}.{r}")).await?;
            resources.push((room.id, 2, room.path.clone()));
            for d in 0..4 {
                let desk = add(Some(room.id), "desk", format!("Poste {z}.{r}.{d}")).await?;
                resources.push((desk.id, 3, desk.path.clone()));
            }
        }
    }
    Ok(Tree { resources })
}

/// Events starting in 30 days, each with `capacity` seats.
async fn events(app: &App, place: i64, n: usize, capacity: i64) -> anyhow::Result<Vec<(i64, i64)>> {
    let starts = Utc::now() + Span::days(30);
    let mut out = Vec::new();
    for i in 0..n.max(1) {
        let input = app::events::EventInput {
            title: format!("Atelier {i}"),
            kind: "workshop".into(),
            starts_at: Some(starts),
            ends_at: Some(starts + Span::hours(3)),
            capacity,
            ..app::events::EventInput::default()
        };
        out.push((app::events::create_event(app, &Actor::System, place, &input).await?.id, capacity));
    }
    Ok(out)
}

enum Subject {
    Trees(Vec<Tree>),
    /// (event id, capacity).
    Events(Vec<(i64, i64)>),
}

struct Plan {
    base: String,
    tokens: Vec<String>,
    subject: Subject,
    seed: u64,
    days: i64,
    ledger: Ledger,
}

/// Definite answers of one phase, by kind.
#[derive(Default)]
struct Tally {
    confirmed: AtomicU64,
    waitlisted: AtomicU64,
    cancelled: AtomicU64,
    refused: AtomicU64,
    busy_retries: AtomicU64,
    failed: AtomicU64,
}

/// What the server said it wrote, over every phase: checked against the
/// database at the end.
#[derive(Default)]
struct Ledger {
    stored: Mutex<Vec<i64>>,
    /// Registrations each client holds and may cancel: client → ids.
    held: Mutex<HashMap<usize, Vec<i64>>>,
}

impl Tally {
    fn count(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// One phase of load; operations are numbered from `first`, so that no two
/// phases send the same requests.
struct Phase {
    tally: Tally,
    first: usize,
}

async fn drive(
    plan: &Arc<Plan>,
    http: &reqwest::Client,
    phase: &Arc<Phase>,
    clients: usize,
    for_: Duration,
) -> LoadStats {
    let (plan, http, phase) = (plan.clone(), http.clone(), phase.clone());
    closed_loop(clients, for_, move |i| {
        let (plan, http, phase) = (plan.clone(), http.clone(), phase.clone());
        async move { operation(&plan, &http, &phase.tally, phase.first + i).await }
    })
    .await
}

/// Operation `i`: its client, what it asks, sent until a definite answer.
async fn operation(plan: &Plan, http: &reqwest::Client, tally: &Tally, i: usize) -> Result<(), String> {
    let ledger = &plan.ledger;
    let who = i % plan.tokens.len();
    let mut rng = Rng::for_item(plan.seed, 7, i as u64);
    let (method, path, body) = match &plan.subject {
        Subject::Trees(trees) => {
            let tree = &trees[rng.below(trees.len())];
            let (resource, start, end) = booking_request(tree, plan.days, &mut rng);
            let body = json!({ "resource_id": resource, "starts_at": start, "ends_at": end });
            (reqwest::Method::POST, "/api/v1/bookings".to_owned(), Some(body))
        }
        Subject::Events(events) => {
            let cancel = if rng.unit() < 0.25 {
                ledger.held.lock().ok().and_then(|mut held| pop(&mut held, who, &mut rng))
            } else {
                None
            };
            match cancel {
                Some(id) => (reqwest::Method::DELETE, format!("/api/v1/registrations/{id}"), None),
                None => {
                    let (event, _) = events[rng.below(events.len())];
                    let body = json!({ "participant": format!("Participant {i}") });
                    (reqwest::Method::POST, format!("/api/v1/events/{event}/registrations"), Some(body))
                }
            }
        }
    };
    let url = format!("{}{path}", plan.base);
    for _ in 0..BUSY_RETRIES {
        let mut request = http.request(method.clone(), &url).bearer_auth(&plan.tokens[who]);
        if let Some(b) = &body {
            request = request.json(b);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        match status {
            503 => {
                tally.count(&tally.busy_retries);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            201 => {
                let id = answer["id"].as_i64().ok_or("201 without an id")?;
                if let Ok(mut s) = ledger.stored.lock() {
                    s.push(id);
                }
                match answer["status"].as_str() {
                    Some("waitlisted") => tally.count(&tally.waitlisted),
                    _ => tally.count(&tally.confirmed),
                }
                if matches!(plan.subject, Subject::Events(_))
                    && let Ok(mut held) = ledger.held.lock()
                {
                    held.entry(who).or_default().push(id);
                }
                return Ok(());
            }
            200 => {
                tally.count(&tally.cancelled);
                return Ok(());
            }
            409 => {
                tally.count(&tally.refused);
                return Ok(());
            }
            _ => {
                tally.count(&tally.failed);
                return Err(format!("{status}: {answer}"));
            }
        }
    }
    tally.count(&tally.failed);
    Err("busy after every retry".into())
}

fn pop(held: &mut HashMap<usize, Vec<i64>>, who: usize, rng: &mut Rng) -> Option<i64> {
    let mine = held.get_mut(&who).filter(|m| !m.is_empty())?;
    let k = rng.below(mine.len());
    Some(mine.swap_remove(k))
}

/// A resource (mostly desks, sometimes a room, a floor or the whole venue)
/// and a one- or two-hour slot on the hour within `days`.
fn booking_request(tree: &Tree, days: i64, rng: &mut Rng) -> (i64, DateTime<Utc>, DateTime<Utc>) {
    let depth = match rng.below(100) {
        0 => 0,
        1..=3 => 1,
        4..=15 => 2,
        _ => 3,
    };
    let at_depth: Vec<&(i64, u8, String)> = tree.resources.iter().filter(|r| r.1 == depth).collect();
    let resource = at_depth[rng.below(at_depth.len())].0;
    let today = Utc::now().date_naive().and_hms_opt(0, 0, 0).map_or_else(Utc::now, |d| Utc.from_utc_datetime(&d));
    let start = today + Span::days(1 + rng.below(days.max(1) as usize) as i64) + Span::hours(rng.below(24) as i64);
    (resource, start, start + Span::hours(1 + rng.below(2) as i64))
}

/// `maillage serve` in a child process, on a free port of this machine.
struct ChildServer {
    url: String,
    child: tokio::process::Child,
}

impl ChildServer {
    async fn start(data: &DataArgs) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("this binary's path")?;
        let mut command = tokio::process::Command::new(exe);
        command.args(["serve", "--listen", "127.0.0.1:0"]);
        match &data.database_url {
            Some(url) => command.args(["--database-url", url]),
            None => command.arg("--data-dir").arg(&data.data_dir),
        };
        command
            .env("MAILLAGE_LOG", "warn")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().context("start maillage serve")?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let mut lines = BufReader::new(stderr).lines();
        let url = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("Maillage is serving on ") {
                    return Ok(rest.split_whitespace().next().unwrap_or_default().to_owned());
                }
            }
            Err(anyhow!("the server stopped before announcing its address"))
        })
        .await
        .context("the server did not start within 60 s")??;
        // Keep reading its log so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { url, child })
    }

    /// SIGTERM lets requests in flight finish; then it is waited for.
    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

struct Report<'a> {
    workload: Workload,
    backend: &'a str,
    args: &'a OperationsArgs,
    stats: &'a LoadStats,
    tally: &'a Tally,
    check: &'a Check,
}

impl Report<'_> {
    fn text(&self) -> String {
        let t = self.tally;
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let secs = self.stats.elapsed.as_secs_f64().max(1e-9);
        let confirmed = n(&t.confirmed) + n(&t.waitlisted) + n(&t.cancelled);
        let ops_per_s = confirmed as f64 / secs;
        let answered_per_s = (confirmed + n(&t.refused)) as f64 / secs;
        let (p50, p99) = (self.stats.quantile_ms(0.50), self.stats.quantile_ms(0.99));
        let c = self.check;
        let what = match self.workload {
            Workload::Bookings => format!(
                "{} venue trees; bookings confirmed {}, refused (slot taken) {}; {} confirmed bookings in the database, \
                 {} overlaps",
                self.args.trees.max(1),
                n(&t.confirmed),
                n(&t.refused),
                c.found,
                c.overlaps
            ),
            Workload::Registrations => format!(
                "registrations confirmed {}, waitlisted {}, cancellations {}, refused {}; seats held {}; \
                 over capacity {}, free seat while waiting {}, offers out of order {}",
                n(&t.confirmed),
                n(&t.waitlisted),
                n(&t.cancelled),
                n(&t.refused),
                c.found,
                c.over_capacity,
                c.free_seat_while_waiting,
                c.out_of_order
            ),
        };
        format!(
            "\n# maillage bench {name} ({backend}, {clients} clients, {secs:.1} s)\n\
             operations that took effect: {confirmed} = {ops_per_s:.0}/s (definite answers {answered_per_s:.0}/s)\n\
             latency to a definite answer: p50 {p50:.1} ms, p99 {p99:.1} ms ({busy} busy answers retried, {failed} failed)\n\
             {what}\n\
             answered as stored but missing: {lost}, stored without an answer: {unanswered}, registered twice: {dup}\n\
             RESULT bench={name} backend={backend} clients={clients} ops_per_s={ops_per_s:.0} p50_ms={p50:.2} \
             p99_ms={p99:.2} violations={violations} answered_per_s={answered_per_s:.0} busy_retries={busy} failed={failed}\n",
            name = self.workload.name(),
            backend = self.backend,
            clients = self.args.clients,
            busy = n(&t.busy_retries),
            failed = n(&t.failed),
            lost = c.lost,
            unanswered = c.unanswered,
            dup = c.duplicated,
            violations = c.violations(),
        )
    }
}
