//! The index: its writer, its reader, and the searchers cursors pin.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::{DateTime, Datelike, Timelike, Utc};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::collect::{Gather, Harvest, Key, OpenAt, Plan};
use crate::schema::{self, FACETS, FOLDED, FRENCH, Fields, GEO_LEVELS, WEEK_WORDS, ZONES, facet_field_name};
use crate::{Cluster, Hit, SearchDoc, SearchError, SearchQuery, SearchResults, Sort};

/// How long and how many past snapshots stay available to cursors.
const PIN_FOR: Duration = Duration::from_secs(600);
const PIN_MAX: usize = 64;
const MAX_LIMIT: usize = 200;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    french: TextAnalyzer,
    folded: TextAnalyzer,
    generation: AtomicU64,
    pinned: Mutex<VecDeque<(u64, Instant, Searcher)>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The snapshot the page came from.
    g: u64,
    k: Key,
    i: i64,
}

/// At most this many grid cells in a geographic prefilter; beyond, the
/// coarsest level is still too fine and the collector checks every document.
const MAX_CELLS: i64 = 64;

/// A box holding every point within `radius_km` of (`lat`, `lon`) by
/// [`crate::haversine_m`], with a margin; `None` near a pole or the
/// antimeridian, where no simple box does.
fn near_box(lat: f64, lon: f64, radius_km: f64) -> Option<(f64, f64, f64, f64)> {
    let angle = radius_km * 1000.0 / 6_371_000.0;
    let dlat = angle.to_degrees() * 1.001 + 1e-6;
    let ratio = angle.sin() / lat.to_radians().cos();
    if lat - dlat <= -90.0 || lat + dlat >= 90.0 || !(0.0..1.0).contains(&ratio) {
        return None;
    }
    // The widest longitude a circle reaches on the sphere.
    let dlon = ratio.asin().to_degrees() * 1.001 + 1e-6;
    if lon - dlon < -180.0 || lon + dlon > 180.0 {
        return None;
    }
    Some((lat - dlat, lon - dlon, lat + dlat, lon + dlon))
}

/// The grid cells covering what `near` and `bbox` let through, at the finest
/// level that needs at most [`MAX_CELLS`]; `None` when no level does.
fn geo_cells(near: Option<(f64, f64, f64)>, bbox: Option<(f64, f64, f64, f64)>) -> Option<Vec<u64>> {
    let around = match near {
        Some((lat, lon, r)) => Some(near_box(lat, lon, r)?),
        None => None,
    };
    let (a, b, c, d) = match (around, bbox) {
        (None, None) => return None,
        (Some(x), None) | (None, Some(x)) => x,
        (Some(x), Some(y)) => (x.0.max(y.0), x.1.max(y.1), x.2.min(y.2), x.3.min(y.3)),
    };
    let (a, b, c, d) = (a.max(-90.0), b.max(-180.0), c.min(90.0), d.min(180.0));
    if a > c || b > d {
        // Nothing can match: an empty prefilter says so.
        return Some(Vec::new());
    }
    GEO_LEVELS.iter().enumerate().find_map(|(level, size)| {
        let rows = (a / size).floor() as i64..=(c / size).floor() as i64;
        let cols = (b / size).floor() as i64..=(d / size).floor() as i64;
        let n = (rows.end() - rows.start() + 1) * (cols.end() - cols.start() + 1);
        (n <= MAX_CELLS)
            .then(|| rows.flat_map(|r| cols.clone().map(move |c| schema::geo_cell_at(level, r, c))).collect())
    })
}

impl SearchIndex {
    pub fn in_ram() -> Result<Self, SearchError> {
        let (schema, fields) = schema::build();
        Self::open(Index::create_in_ram(schema), fields)
    }

    /// An index in `path` (memory-mapped), created empty: whatever was
    /// there is removed, since indexes are rebuilt from the database.
    pub fn in_dir(path: &Path) -> Result<Self, SearchError> {
        if path.exists() {
            std::fs::remove_dir_all(path).map_err(|e| tantivy::TantivyError::IoError(e.into()))?;
        }
        std::fs::create_dir_all(path).map_err(|e| tantivy::TantivyError::IoError(e.into()))?;
        let (schema, fields) = schema::build();
        Self::open(Index::create_in_dir(path, schema)?, fields)
    }

    fn open(index: Index, fields: Fields) -> Result<Self, SearchError> {
        index.tokenizers().register(FRENCH, schema::french_analyzer());
        index.tokenizers().register(FOLDED, schema::folded_analyzer());
        // One indexing thread and a modest budget: servers have two cores
        // and serve requests while indexing.
        let writer = index.writer_with_num_threads(1, 50_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let s = Self {
            french: schema::french_analyzer(),
            folded: schema::folded_analyzer(),
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            generation: AtomicU64::new(0),
            pinned: Mutex::new(VecDeque::new()),
        };
        s.pin();
        Ok(s)
    }

    fn document(&self, d: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.name, &d.name);
        doc.add_text(f.name_folded, &d.name);
        let words = schema::tokens(&self.folded, &d.name);
        let joined: Vec<String> = words.windows(2).map(|w| format!("{}{}", w[0], w[1])).collect();
        doc.add_text(f.name_joined, joined.join(" "));
        let mut text = d.texts.join("\n");
        if let Some(c) = &d.commune {
            text.push('\n');
            text.push_str(c);
            doc.add_text(f.commune, c);
        }
        doc.add_text(f.text, &text);
        doc.add_text(f.text_folded, &text);
        if let Some(c) = &d.commune_insee {
            doc.add_text(f.commune_insee, c);
        }
        if let Some((lat, lon)) = d.geo {
            doc.add_f64(f.lat, lat);
            doc.add_f64(f.lon, lon);
            for level in 0..GEO_LEVELS.len() {
                doc.add_u64(f.geo_cell, schema::geo_cell(level, lat, lon));
            }
        }
        let zone = ZONES.iter().position(|z| *z == d.tz).unwrap_or(0) as u64;
        doc.add_u64(f.zone, zone);
        let mut week = [0u64; WEEK_WORDS];
        for s in d.open_slots.iter().map(|s| usize::from(*s)).filter(|s| *s < WEEK_WORDS * 64) {
            week[s / 64] |= 1 << (s % 64);
        }
        for (field, bits) in f.week.iter().zip(week) {
            doc.add_u64(*field, bits);
        }
        doc.add_u64(f.ph_off, u64::from(d.closed_on_public_holidays));
        doc.add_u64(f.quality, u64::from(d.quality));
        doc.add_u64(f.verified, u64::from(d.verified));
        doc.add_u64(f.stale, u64::from(d.stale));
        doc.add_text(f.sort_name, schema::tokens(&self.folded, &d.name).join(" "));
        let s = self.index.schema();
        for (facet, value) in &d.facets {
            if let Ok(field) = s.get_field(&facet_field_name(facet)) {
                doc.add_text(field, value);
            }
        }
        doc
    }

    fn id_term(&self, id: i64) -> Term {
        Term::from_field_i64(self.fields.id, id)
    }

    /// Adds documents, replacing those with the same ids.
    pub fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for d in &docs {
            writer.delete_term(self.id_term(d.id));
            writer.add_document(self.document(d))?;
        }
        Ok(())
    }

    pub fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            writer.delete_term(self.id_term(*id));
        }
        Ok(())
    }

    /// Makes what was added or deleted searchable.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).commit()?;
        self.reader.reload()?;
        self.pin();
        Ok(())
    }

    fn pin(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let mut pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        pinned.push_back((generation, Instant::now(), self.reader.searcher()));
        while pinned.len() > PIN_MAX
            || pinned.front().is_some_and(|(_, at, _)| at.elapsed() > PIN_FOR && pinned.len() > 1)
        {
            pinned.pop_front();
        }
    }

    /// The current snapshot, or the one a cursor came from if still kept.
    fn searcher(&self, generation: Option<u64>) -> (u64, Searcher) {
        let pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(g) = generation
            && let Some((g, _, s)) = pinned.iter().find(|(pg, _, _)| *pg == g)
        {
            return (*g, s.clone());
        }
        pinned.back().map(|(g, _, s)| (*g, s.clone())).unwrap_or_else(|| (0, self.reader.searcher()))
    }

    pub fn len(&self) -> u64 {
        self.searcher(None).1.num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn query(&self, q: &SearchQuery) -> (Box<dyn Query>, bool) {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = crate::text::build(&self.fields, &self.french, &self.folded, &q.text);
        let has_text = text.is_some();
        if let Some(t) = text {
            must.push((Occur::Must, t));
        }
        let any_of = |field, values: &[String]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                values
                    .iter()
                    .map(|v| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic));
                        (Occur::Should, q)
                    })
                    .collect(),
            ))
        };
        if !q.kinds.is_empty() {
            must.push((Occur::Must, any_of(self.fields.kind, &q.kinds)));
        }
        let schema = self.index.schema();
        for (facet, values) in &q.filters {
            if values.is_empty() {
                continue;
            }
            if let Ok(field) = schema.get_field(&facet_field_name(facet)) {
                must.push((Occur::Must, any_of(field, values)));
            }
        }
        let cells = geo_cells(q.near, q.bbox);
        if cells.as_ref().is_some_and(Vec::is_empty) {
            return (Box::new(EmptyQuery), has_text);
        }
        if let Some(cells) = cells {
            let terms: Vec<(Occur, Box<dyn Query>)> = cells
                .into_iter()
                .map(|c| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_u64(self.fields.geo_cell, c),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            // A prefilter only: it must not add to the text's score.
            must.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(terms)), 0.0))));
        }
        if must.is_empty() {
            return (Box::new(AllQuery), false);
        }
        // A filter-only query still needs something to match everything.
        if !has_text {
            must.push((Occur::Must, Box::new(AllQuery)));
        }
        (Box::new(BooleanQuery::new(must)), has_text)
    }

    fn open_at(at: DateTime<Utc>, holiday: bool) -> OpenAt {
        let slots = ZONES
            .iter()
            .map(|z| {
                let tz: chrono_tz::Tz = z.parse().unwrap_or(chrono_tz::Europe::Paris);
                let local = at.with_timezone(&tz);
                (local.weekday().num_days_from_monday() * 48 + local.hour() * 2 + local.minute() / 30) as usize
            })
            .collect();
        OpenAt { slots, exclude_public_holiday_closures: holiday }
    }

    fn run(&self, q: &SearchQuery, cell_deg: Option<f64>) -> Result<(u64, Searcher, Harvest), SearchError> {
        let cursor = match &q.cursor {
            None => None,
            Some(c) => {
                let bytes =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).map_err(|_| SearchError::Cursor)?;
                Some(serde_json::from_slice::<Cursor>(&bytes).map_err(|_| SearchError::Cursor)?)
            }
        };
        let (generation, searcher) = self.searcher(cursor.as_ref().map(|c| c.g));
        let (query, has_text) = self.query(q);
        let plan = Plan {
            near: q.near,
            bbox: q.bbox,
            open_at: q.open_at.map(|t| Self::open_at(t, q.public_holiday)),
            open_now: q.count_open_now.map(|t| Self::open_at(t, q.public_holiday)),
            facets: q.facet_counts.iter().filter(|f| FACETS.iter().any(|x| x == f)).cloned().collect(),
            sort: if q.sort == Sort::Distance && q.near.is_none() { Sort::Relevance } else { q.sort },
            limit: q.limit.clamp(1, MAX_LIMIT),
            after: cursor.map(|c| (c.k, c.i)),
            cell_deg,
        };
        let harvest = searcher.search(&query, &Gather { plan, text: has_text })?;
        Ok((generation, searcher, harvest))
    }

    fn hit(
        &self,
        searcher: &Searcher,
        addr: tantivy::DocAddress,
        distance: Option<f64>,
        score: f32,
    ) -> Result<Hit, SearchError> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let f = &self.fields;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(Hit {
            id: doc.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0),
            kind: text(f.kind).unwrap_or_default(),
            name: text(f.name).unwrap_or_default(),
            lat: doc.get_first(f.lat).and_then(|v| v.as_f64()),
            lon: doc.get_first(f.lon).and_then(|v| v.as_f64()),
            commune: text(f.commune),
            commune_insee: text(f.commune_insee),
            distance_m: distance,
            score,
        })
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let (generation, searcher, harvest) = self.run(q, None)?;
        let mut items = Vec::with_capacity(harvest.top.len());
        for e in &harvest.top {
            items.push(self.hit(&searcher, e.addr, e.distance, e.score)?);
        }
        let next = (harvest.top.len() == limit).then(|| harvest.top.last()).flatten().map(|e| {
            let c = Cursor { g: generation, k: e.key.clone(), i: e.id };
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap_or_default())
        });
        let facets = harvest
            .facets
            .into_iter()
            .map(|(facet, counts)| {
                let mut v: Vec<(String, u64)> = counts.into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                (facet, v)
            })
            .collect();
        Ok(SearchResults {
            items,
            total: harvest.total,
            facets,
            open_now: q.count_open_now.map(|_| harvest.open_now),
            next,
        })
    }

    pub fn clusters(&self, q: &SearchQuery, cell_deg: f64) -> Result<Vec<Cluster>, SearchError> {
        let (_, searcher, harvest) = self.run(q, Some(cell_deg.max(1e-6)))?;
        let mut out = Vec::with_capacity(harvest.cells.len());
        for (_, c) in harvest.cells {
            let single = match (c.count, c.first) {
                (1, Some(addr)) => Some(self.hit(&searcher, addr, None, 0.0)?),
                _ => None,
            };
            out.push(Cluster {
                lat: c.lat_sum / c.count as f64,
                lon: c.lon_sum / c.count as f64,
                count: c.count,
                single,
            });
        }
        out.sort_by_key(|f| std::cmp::Reverse(f.count));
        Ok(out)
    }
}
