//! The baseline: the same records and the same queries on PostgreSQL, the
//! way directory applications usually search (full-text `tsvector` with a
//! GIN index, `earthdistance` for "around me", a `COUNT` for the total).
//!
//! Why: a target of "10× the usual approach" means nothing without the usual
//! approach measured on the same machine, data and query set. Everything
//! lives in a schema of our own, created at start and dropped at the end
//! (extensions missing from the database are created inside it, so they go
//! with it).
//!
//! The rows are the documents our index holds (`Indexer::document`), so both
//! sides search the same text. Differences that favour PostgreSQL, stated
//! in the report: it has no typo tolerance, no joined/split words, and
//! counts only the total where our engine also counts ten facets and the
//! records open now.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use app::App;
use app::atlas::index::{Indexer, slot_of};
use chrono::{DateTime, Utc};
use search::SearchDoc;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgPool, Row};
use store::atlas::RecordCursor;

use super::load::{LoadStats, closed_loop};
use super::queries::BenchQuery;

/// How "around a point" is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeoMode {
    /// `cube` + `earthdistance`: `earth_box` on a GiST index, `earth_distance`.
    Earth,
    /// No extension: a latitude/longitude box on a B-tree, then haversine.
    Haversine,
}

pub struct Baseline {
    pool: PgPool,
    schema: String,
    /// Qualified text search configuration.
    config: String,
    pub geo: GeoMode,
    pub pool_size: u32,
    /// What was set up and how, for the report.
    pub notes: Vec<String>,
}

/// One query in SQL with its parameters.
pub struct SqlQuery {
    pub sql: Arc<str>,
    binds: Vec<Bind>,
}

enum Bind {
    F64(f64),
    Text(String),
    Texts(Vec<String>),
    Ints(Vec<i32>),
}

/// Extensions the baseline uses, with where they are installed if they are.
async fn installed_extensions(conn: &mut sqlx::PgConnection) -> anyhow::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
         WHERE e.extname IN ('cube', 'earthdistance', 'unaccent')",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

impl Baseline {
    /// Connects, creates the schema, the extensions it can and the table.
    pub async fn setup(url: &str, pool_size: u32) -> anyhow::Result<Self> {
        let options: PgConnectOptions = url.parse().context("--pg-url")?;
        let mut admin = tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| anyhow!("timed out connecting"))??;
        let schema = format!("maillage_bench_{}", std::process::id());
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&mut admin).await?;
        let mut notes = Vec::new();
        let mut search_path = vec![schema.clone()];
        let mut have = installed_extensions(&mut admin).await?;
        for ext in ["cube", "earthdistance", "unaccent"] {
            if have.iter().any(|(e, _)| e == ext) {
                continue;
            }
            let created =
                sqlx::query(AssertSqlSafe(format!("CREATE EXTENSION IF NOT EXISTS {ext} WITH SCHEMA {schema}")))
                    .execute(&mut admin)
                    .await;
            if let Err(e) = created {
                notes.push(format!("extension {ext} unavailable ({e})"));
            }
        }
        have = installed_extensions(&mut admin).await?;
        for (ext, at) in &have {
            if !search_path.contains(at) {
                search_path.push(at.clone());
            }
            notes.push(format!("extension {ext} in schema {at}"));
        }
        if !search_path.iter().any(|s| s == "public") {
            search_path.push("public".into());
        }
        let has = |e: &str| have.iter().any(|(x, _)| x == e);
        let geo = if has("cube") && has("earthdistance") { GeoMode::Earth } else { GeoMode::Haversine };
        let config = text_config(&mut admin, &schema, have.iter().find(|(e, _)| e == "unaccent")).await?;
        notes.push(format!(
            "text search configuration {config}; geography by {}",
            match geo {
                GeoMode::Earth => "earthdistance (earth_box on GiST, earth_distance)",
                GeoMode::Haversine => "a lat/lon box on a B-tree, then haversine (no earthdistance)",
            }
        ));
        create_table(&mut admin, &schema, &config).await?;
        admin.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.options([("search_path", search_path.join(","))]).disable_statement_logging())
            .await?;
        Ok(Self { pool, schema, config, geo, pool_size, notes })
    }

    /// Copies the documents of every live record into the table, then
    /// builds the indexes; returns (copy time, index time, rows).
    pub async fn load(&self, app: &App, indexer: &Indexer) -> anyhow::Result<(Duration, Duration, u64)> {
        let started = Instant::now();
        let mut conn = self.pool.acquire().await?;
        let mut copy = conn
            .copy_in_raw(&format!(
                "COPY {}.records (id, kind, name, body, kinds, departement, region, lat, lon, slots) FROM STDIN",
                self.schema
            ))
            .await?;
        let mut cursor = RecordCursor { kind: None, after_id: 0, live_only: true };
        let mut rows = 0u64;
        loop {
            let page = app.store.atlas_records_page(cursor, 5_000).await?;
            let Some(last) = page.last() else { break };
            cursor.after_id = last.id;
            let mut chunk = String::with_capacity(page.len() * 400);
            for r in &page {
                copy_line(&mut chunk, &indexer.document(app, r, &[]));
            }
            rows += page.len() as u64;
            copy.send(chunk.into_bytes()).await?;
        }
        copy.finish().await?;
        let copied = started.elapsed();
        let started = Instant::now();
        let s = &self.schema;
        let geo_index = match self.geo {
            GeoMode::Earth => format!("CREATE INDEX ON {s}.records USING gist (ll_to_earth(lat, lon))"),
            GeoMode::Haversine => format!("CREATE INDEX ON {s}.records (lat, lon)"),
        };
        for ddl in [
            format!("CREATE INDEX ON {s}.records USING gin (tsv)"),
            geo_index,
            format!("CREATE INDEX ON {s}.records USING gin (kinds)"),
            format!("CREATE INDEX ON {s}.records USING gin (slots)"),
            format!("CREATE INDEX ON {s}.records (departement)"),
            format!("CREATE INDEX ON {s}.records (kind)"),
            format!("ANALYZE {s}.records"),
        ] {
            sqlx::query(AssertSqlSafe(ddl.as_str())).execute(&mut *conn).await.with_context(|| ddl.clone())?;
        }
        Ok((copied, started.elapsed(), rows))
    }

    /// The SQL of a benchmark query: its filters, the page of 20 in the
    /// same order as ours, and the total (a window count, computed over
    /// every match as our facet counts are).
    pub fn translate(&self, q: &BenchQuery, now: DateTime<Utc>) -> SqlQuery {
        let mut b = SqlBuilder::default();
        let mut conditions = Vec::new();
        let mut order = "id".to_owned();
        let mut distance = "NULL::float8".to_owned();
        if let Some(text) = q.get("q").and_then(tsquery) {
            let p = b.bind(Bind::Text(text));
            let query = format!("to_tsquery('{}', {p})", self.config);
            conditions.push(format!("tsv @@ {query}"));
            order = format!("ts_rank(tsv, {query}) DESC, id");
        }
        if let Some(t) = q.get("type") {
            conditions.push(format!("kind = {}", b.bind(Bind::Text(t.to_owned()))));
        }
        if let Some(k) = q.get("kind") {
            conditions.push(format!("kinds && {}::text[]", b.bind(Bind::Texts(vec![k.to_owned()]))));
        }
        if let Some(d) = q.get("departement") {
            conditions.push(format!("departement = {}", b.bind(Bind::Text(d.to_owned()))));
        }
        if q.get("open") == Some("now") {
            conditions.push(format!("slots && {}::int4[]", b.bind(Bind::Ints(open_targets(now)))));
        }
        if let Some((lat, lon)) = q.get("near").and_then(parse_point) {
            let radius_m = q.get("radius_km").and_then(|r| r.parse::<f64>().ok()).unwrap_or(10.0) * 1000.0;
            let (within, dist) = self.near(&mut b, lat, lon, radius_m);
            conditions.push(within);
            distance = dist.clone();
            if q.get("sort") == Some("distance") || q.get("q").is_none() {
                order = format!("{dist}, id");
            }
        }
        let filter = if conditions.is_empty() { "TRUE".to_owned() } else { conditions.join(" AND ") };
        let sql = format!(
            "SELECT id, kind, name, lat, lon, {distance} AS distance_m, count(*) OVER () AS total \
             FROM {}.records WHERE {filter} ORDER BY {order} LIMIT 20",
            self.schema
        );
        SqlQuery { sql: sql.into(), binds: b.binds }
    }

    /// (condition, distance expression) for "within `radius_m` of a point".
    fn near(&self, b: &mut SqlBuilder, lat: f64, lon: f64, radius_m: f64) -> (String, String) {
        let (la, lo, r) = (b.bind(Bind::F64(lat)), b.bind(Bind::F64(lon)), b.bind(Bind::F64(radius_m)));
        match self.geo {
            GeoMode::Earth => {
                let dist = format!("earth_distance(ll_to_earth({la}, {lo}), ll_to_earth(lat, lon))");
                (format!("earth_box(ll_to_earth({la}, {lo}), {r}) @> ll_to_earth(lat, lon) AND {dist} <= {r}"), dist)
            }
            GeoMode::Haversine => {
                let dist = format!(
                    "(12742000 * asin(sqrt(power(sin(radians(lat - {la}) / 2), 2) \
                     + cos(radians({la})) * cos(radians(lat)) * power(sin(radians(lon - {lo}) / 2), 2))))"
                );
                let within = format!(
                    "lat BETWEEN {la} - {r} / 111200.0 AND {la} + {r} / 111200.0 \
                     AND lon BETWEEN {lo} - {r} / (111200.0 * cos(radians({la}))) \
                     AND {lo} + {r} / (111200.0 * cos(radians({la}))) AND {dist} <= {r}"
                );
                (within, dist)
            }
        }
    }

    /// Runs one query: its rows decoded as an application would, and the total.
    async fn execute(pool: &PgPool, q: &SqlQuery) -> Result<i64, String> {
        let mut query = sqlx::query(AssertSqlSafe(q.sql.clone()));
        for bind in &q.binds {
            query = match bind {
                Bind::F64(v) => query.bind(*v),
                Bind::Text(v) => query.bind(v.as_str()),
                Bind::Texts(v) => query.bind(v.as_slice()),
                Bind::Ints(v) => query.bind(v.as_slice()),
            };
        }
        let rows = query.fetch_all(pool).await.map_err(|e| e.to_string())?;
        let mut total = 0;
        for r in &rows {
            let _id: i64 = r.try_get("id").map_err(|e| e.to_string())?;
            let _name: String = r.try_get("name").map_err(|e| e.to_string())?;
            let _distance: Option<f64> = r.try_get("distance_m").map_err(|e| e.to_string())?;
            total = r.try_get("total").map_err(|e| e.to_string())?;
        }
        Ok(total)
    }

    /// The totals of some queries, one at a time (a check that both sides
    /// find comparable sets, and a warm-up).
    pub async fn totals(&self, queries: &[SqlQuery]) -> Vec<Option<i64>> {
        let mut out = Vec::with_capacity(queries.len());
        for q in queries {
            out.push(Self::execute(&self.pool, q).await.ok());
        }
        out
    }

    /// The queries under load, as the HTTP API is loaded.
    pub async fn run(&self, queries: Arc<Vec<SqlQuery>>, concurrency: usize, duration: Duration) -> LoadStats {
        let pool = self.pool.clone();
        closed_loop(concurrency, duration, move |i| {
            let (pool, queries) = (pool.clone(), queries.clone());
            async move { Self::execute(&pool, &queries[i % queries.len()]).await.map(|_| ()) }
        })
        .await
    }

    /// Drops the schema and everything in it.
    pub async fn drop_schema(self) -> anyhow::Result<()> {
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.schema))).execute(&self.pool).await?;
        self.pool.close().await;
        Ok(())
    }
}

/// French with accents folded when `unaccent` is there, else plain French.
async fn text_config(
    conn: &mut sqlx::PgConnection,
    schema: &str,
    unaccent: Option<&(String, String)>,
) -> anyhow::Result<String> {
    let Some((_, at)) = unaccent else { return Ok("pg_catalog.french".into()) };
    let config = format!("{schema}.fr_unaccent");
    sqlx::query(AssertSqlSafe(format!("CREATE TEXT SEARCH CONFIGURATION {config} (COPY = pg_catalog.french)")))
        .execute(&mut *conn)
        .await?;
    sqlx::query(AssertSqlSafe(format!(
        "ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR hword, hword_part, word \
         WITH {at}.unaccent, french_stem"
    )))
    .execute(&mut *conn)
    .await?;
    Ok(config)
}

async fn create_table(conn: &mut sqlx::PgConnection, schema: &str, config: &str) -> anyhow::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TABLE {schema}.records (\
           id bigint PRIMARY KEY, kind text NOT NULL, name text NOT NULL, body text NOT NULL, \
           kinds text[] NOT NULL, departement text, region text, lat float8, lon float8, \
           slots int4[] NOT NULL, \
           tsv tsvector GENERATED ALWAYS AS (\
             setweight(to_tsvector('{config}'::regconfig, name), 'A') || \
             setweight(to_tsvector('{config}'::regconfig, body), 'B')) STORED)"
    )))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Numbered parameters as they are added.
#[derive(Default)]
struct SqlBuilder {
    binds: Vec<Bind>,
}

impl SqlBuilder {
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}

/// `word & word & last:*`: every word, the last as a prefix, as our engine
/// reads what people type (without its typo tolerance).
fn tsquery(text: &str) -> Option<String> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let (last, rest) = words.split_last()?;
    let mut parts: Vec<String> = rest.to_vec();
    parts.push(format!("{last}:*"));
    Some(parts.join(" & "))
}

fn parse_point(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once(',')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// The opening slot of `now` in each time zone the index knows, coded as
/// the baseline's `slots` column holds them (zone × 1000 + half-hour of the
/// week; a GIN index on an array is how a directory app would do it).
fn open_targets(now: DateTime<Utc>) -> Vec<i32> {
    search::schema::ZONES
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let tz: chrono_tz::Tz = z.parse().unwrap_or(chrono_tz::Europe::Paris);
            i as i32 * 1000 + i32::from(slot_of(now, tz))
        })
        .collect()
}

/// A document as one line of `COPY … FROM STDIN` (text format).
fn copy_line(out: &mut String, d: &SearchDoc) {
    let mut body = d.texts.join("\n");
    if let Some(c) = &d.commune {
        body.push('\n');
        body.push_str(c);
    }
    let facet = |name: &str| d.facets.iter().filter(|(f, _)| f == name).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
    let kinds: Vec<String> = facet("kinds").iter().map(|k| format!("\"{}\"", k.replace(['"', '\\'], ""))).collect();
    let zone = search::schema::ZONES.iter().position(|z| *z == d.tz).unwrap_or(0) as u32;
    let slots: Vec<String> = d.open_slots.iter().map(|s| (zone * 1000 + u32::from(*s)).to_string()).collect();
    let optional = |v: Option<&str>| v.map_or_else(|| "\\N".to_owned(), escape);
    let (lat, lon) = d.geo.map_or(("\\N".to_owned(), "\\N".to_owned()), |(a, b)| (a.to_string(), b.to_string()));
    let fields = [
        d.id.to_string(),
        escape(&d.kind),
        escape(&d.name),
        escape(&body),
        escape(&format!("{{{}}}", kinds.join(","))),
        optional(facet("departement").first().copied()),
        optional(facet("region").first().copied()),
        lat,
        lon,
        format!("{{{}}}", slots.join(",")),
    ];
    out.push_str(&fields.join("\t"));
    out.push('\n');
}

/// Escapes a value for COPY's text format.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}
