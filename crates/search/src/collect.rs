//! One pass over the documents a query matches: filter by place and
//! opening time (from fast fields), count facets over every remaining hit,
//! keep the best page after the cursor, or group hits on a map grid.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::WEEK_WORDS;
use crate::{Sort, haversine_m};

/// A sort key where "greater" means "comes first".
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Key {
    /// Relevance (higher first) or negated distance. Kept as its bits in
    /// cursors: a decimal round trip may move it by one ulp, and a page would
    /// then repeat or skip the records tied with the last one.
    Num(#[serde(with = "f64_bits")] f64),
    /// A name (alphabetical).
    Text(String),
}

mod f64_bits {
    pub fn serialize<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(x.to_bits())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        <u64 as serde::Deserialize>::deserialize(d).map(f64::from_bits)
    }
}

impl Key {
    fn cmp_better(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Key::Text(a), Key::Text(b)) => b.cmp(a),
            (Key::Num(_), Key::Text(_)) => Ordering::Greater,
            (Key::Text(_), Key::Num(_)) => Ordering::Less,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Key,
    pub id: i64,
    pub addr: DocAddress,
    pub distance: Option<f64>,
    pub score: f32,
}

impl Entry {
    /// Greater is better: key first, then the smaller id.
    fn cmp_better(&self, other: &Entry) -> Ordering {
        self.key.cmp_better(&other.key).then(other.id.cmp(&self.id))
    }
}

/// Heap order: the worst entry on top, to drop it when the page is full.
struct Worst(Entry);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp_better(&self.0)
    }
}

/// Which instant a document must be open at, as the half-hour slot of the
/// week that instant falls in, in each zone of [`crate::schema::ZONES`].
#[derive(Debug, Clone)]
pub struct OpenAt {
    pub slots: Vec<usize>,
    pub exclude_public_holiday_closures: bool,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub near: Option<(f64, f64, f64)>,
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub open_at: Option<OpenAt>,
    pub open_now: Option<OpenAt>,
    pub facets: Vec<String>,
    pub sort: Sort,
    pub limit: usize,
    /// Search-after: only documents coming strictly after this (key, id).
    pub after: Option<(Key, i64)>,
    /// Group on a grid of this many degrees instead of ranking.
    pub cell_deg: Option<f64>,
}

#[derive(Debug, Default)]
pub struct Cell {
    pub lat_sum: f64,
    pub lon_sum: f64,
    pub count: u64,
    pub first: Option<DocAddress>,
}

#[derive(Debug, Default)]
pub struct Harvest {
    pub total: u64,
    pub open_now: u64,
    pub facets: HashMap<String, HashMap<String, u64>>,
    pub top: Vec<Entry>,
    pub cells: HashMap<(i64, i64), Cell>,
}

pub struct Gather {
    pub plan: Plan,
    pub text: bool,
}

struct Columns {
    id: Column<i64>,
    lat: Column<f64>,
    lon: Column<f64>,
    zone: Column<u64>,
    week: Vec<Column<u64>>,
    ph_off: Column<u64>,
    quality: Column<u64>,
    verified: Column<u64>,
    stale: Column<u64>,
    sort_name: Option<StrColumn>,
    facets: Vec<(String, Option<StrColumn>, Vec<u64>)>,
}

pub struct SegmentGather {
    plan: Plan,
    text: bool,
    segment: SegmentOrdinal,
    cols: Columns,
    total: u64,
    open_now: u64,
    heap: BinaryHeap<Worst>,
    cells: HashMap<(i64, i64), Cell>,
    name_buf: String,
    /// Hits whose facets are still to count: counting a block per column
    /// reads the columns in batches instead of one document at a time.
    pending: Vec<DocId>,
    rows: Vec<u32>,
    row_docs: Vec<DocId>,
    ords: Vec<u64>,
}

/// Hits counted together.
const BLOCK: usize = 256;

impl Collector for Gather {
    type Fruit = Harvest;
    type Child = SegmentGather;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentGather> {
        let ff = reader.fast_fields();
        let facets = self
            .plan
            .facets
            .iter()
            .map(|f| {
                let col = ff.str(&crate::schema::facet_field_name(f))?;
                let n = col.as_ref().map_or(0, |c| c.num_terms());
                Ok((f.clone(), col, vec![0u64; n]))
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(SegmentGather {
            plan: self.plan.clone(),
            text: self.text,
            segment,
            cols: Columns {
                id: ff.i64("id")?,
                lat: ff.f64("lat")?,
                lon: ff.f64("lon")?,
                zone: ff.u64("zone")?,
                week: (0..WEEK_WORDS).map(|i| ff.u64(&format!("week{i}"))).collect::<tantivy::Result<_>>()?,
                ph_off: ff.u64("ph_off")?,
                quality: ff.u64("quality")?,
                verified: ff.u64("verified")?,
                stale: ff.u64("stale")?,
                sort_name: if self.plan.sort == Sort::Name { ff.str("sort_name")? } else { None },
                facets,
            },
            total: 0,
            open_now: 0,
            heap: BinaryHeap::new(),
            cells: HashMap::new(),
            name_buf: String::new(),
            pending: Vec::with_capacity(BLOCK),
            rows: Vec::with_capacity(BLOCK),
            row_docs: Vec::with_capacity(BLOCK),
            ords: Vec::with_capacity(BLOCK),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.text && self.plan.cell_deg.is_none()
    }

    fn merge_fruits(&self, fruits: Vec<Harvest>) -> tantivy::Result<Harvest> {
        let mut out = Harvest::default();
        let mut heap = BinaryHeap::new();
        for h in fruits {
            out.total += h.total;
            out.open_now += h.open_now;
            for (facet, counts) in h.facets {
                let into = out.facets.entry(facet).or_default();
                for (value, n) in counts {
                    *into.entry(value).or_default() += n;
                }
            }
            for e in h.top {
                push(&mut heap, e, self.plan.limit);
            }
            for (k, c) in h.cells {
                let into = out.cells.entry(k).or_default();
                into.lat_sum += c.lat_sum;
                into.lon_sum += c.lon_sum;
                into.count += c.count;
                if into.first.is_none() {
                    into.first = c.first;
                }
            }
        }
        let mut top: Vec<Entry> = heap.into_iter().map(|w| w.0).collect();
        top.sort_by(|a, b| b.cmp_better(a));
        out.top = top;
        Ok(out)
    }
}

fn push(heap: &mut BinaryHeap<Worst>, e: Entry, limit: usize) {
    if heap.len() < limit {
        heap.push(Worst(e));
    } else if let Some(worst) = heap.peek()
        && e.cmp_better(&worst.0) == Ordering::Greater
    {
        heap.pop();
        heap.push(Worst(e));
    }
}

impl SegmentGather {
    fn open_at(&self, doc: DocId, at: &OpenAt) -> bool {
        let zone = self.cols.zone.first(doc).unwrap_or(0) as usize;
        let Some(slot) = at.slots.get(zone) else { return false };
        if at.exclude_public_holiday_closures && self.cols.ph_off.first(doc) == Some(1) {
            return false;
        }
        let Some(word) = self.cols.week.get(slot / 64) else { return false };
        word.first(doc).is_some_and(|bits| bits & (1 << (slot % 64)) != 0)
    }

    /// Counts the facets of the pending hits.
    fn count_facets(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        for (_, col, counts) in &mut self.cols.facets {
            let Some(col) = col else { continue };
            let ords = col.ords();
            self.rows.clear();
            self.row_docs.clear();
            ords.row_ids_for_docs(&self.pending, &mut self.row_docs, &mut self.rows);
            self.ords.clear();
            self.ords.resize(self.rows.len(), 0);
            ords.values.get_vals(&self.rows, &mut self.ords);
            for ord in &self.ords {
                if let Some(c) = counts.get_mut(*ord as usize) {
                    *c += 1;
                }
            }
        }
        self.pending.clear();
    }
}

impl SegmentCollector for SegmentGather {
    type Fruit = Harvest;

    fn collect(&mut self, doc: DocId, score: Score) {
        let geo = self.cols.lat.first(doc).zip(self.cols.lon.first(doc));
        let mut distance = None;
        if let Some((lat, lon, radius_km)) = self.plan.near {
            let Some(g) = geo else { return };
            let d = haversine_m((lat, lon), g);
            if d > radius_km * 1000.0 {
                return;
            }
            distance = Some(d);
        }
        if let Some((a, b, c, d)) = self.plan.bbox {
            let Some((lat, lon)) = geo else { return };
            if lat < a || lat > c || lon < b || lon > d {
                return;
            }
        }
        if let Some(at) = &self.plan.open_at
            && !self.open_at(doc, at)
        {
            return;
        }
        self.total += 1;
        if let Some(now) = &self.plan.open_now
            && self.open_at(doc, now)
        {
            self.open_now += 1;
        }
        if !self.cols.facets.is_empty() {
            self.pending.push(doc);
            if self.pending.len() == BLOCK {
                self.count_facets();
            }
        }
        if let Some(cell) = self.plan.cell_deg {
            if let Some((lat, lon)) = geo {
                let key = ((lat / cell).floor() as i64, (lon / cell).floor() as i64);
                let c = self.cells.entry(key).or_default();
                c.lat_sum += lat;
                c.lon_sum += lon;
                c.count += 1;
                if c.first.is_none() {
                    c.first = Some(DocAddress::new(self.segment, doc));
                }
            }
            return;
        }
        let id = self.cols.id.first(doc).unwrap_or(0);
        let key = match self.plan.sort {
            Sort::Distance => Key::Num(-distance.unwrap_or(f64::MAX)),
            Sort::Name => {
                self.name_buf.clear();
                if let Some(col) = &self.cols.sort_name
                    && let Some(ord) = col.term_ords(doc).next()
                {
                    let _ = col.ord_to_str(ord, &mut self.name_buf);
                }
                Key::Text(self.name_buf.clone())
            }
            Sort::Relevance => {
                let base = if self.text { f64::from(score) } else { 1.0 };
                let quality = self.cols.quality.first(doc).unwrap_or(0) as f64;
                let verified = if self.cols.verified.first(doc) == Some(1) { 1.1 } else { 1.0 };
                let stale = if self.cols.stale.first(doc) == Some(1) { 0.7 } else { 1.0 };
                Key::Num(base * (1.0 + quality / 200.0) * verified * stale)
            }
        };
        // Only what comes after the cursor: worse key, or same key and larger id
        // (as `Entry::cmp_better`, without building an entry per hit).
        if let Some((k, i)) = &self.plan.after
            && key.cmp_better(k).then(i.cmp(&id)) != Ordering::Less
        {
            return;
        }
        let entry = Entry { key, id, addr: DocAddress::new(self.segment, doc), distance, score };
        push(&mut self.heap, entry, self.plan.limit);
    }

    fn harvest(mut self) -> Harvest {
        self.count_facets();
        let mut facets = HashMap::new();
        for (facet, col, counts) in self.cols.facets {
            let mut named = HashMap::new();
            if let Some(col) = col {
                let mut buf = String::new();
                for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    buf.clear();
                    if col.ord_to_str(ord as u64, &mut buf).unwrap_or(false) {
                        named.insert(buf.clone(), n);
                    }
                }
            }
            facets.insert(facet, named);
        }
        Harvest {
            total: self.total,
            open_now: self.open_now,
            facets,
            top: self.heap.into_iter().map(|w| w.0).collect(),
            cells: self.cells,
        }
    }
}
