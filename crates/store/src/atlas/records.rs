//! Reading golden records.

use domain::atlas::RecordKind;
use futures_util::TryStreamExt;

use super::{AtlasRecord, from_json};
use crate::{Result, Store, StoreError};

macro_rules! record_columns {
    () => {
        "id, kind, name, data, provenance, conflicts, commune_insee, departement, region, epci, lat, lon, \
         synthetic, quality, created_at, updated_at, verified_at, retired_at, merged_into"
    };
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecordRow {
    id: i64,
    kind: String,
    name: String,
    data: String,
    provenance: String,
    conflicts: String,
    commune_insee: Option<String>,
    departement: Option<String>,
    region: Option<String>,
    epci: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    synthetic: i64,
    quality: i64,
    created_at: i64,
    updated_at: i64,
    verified_at: Option<i64>,
    retired_at: Option<i64>,
    merged_into: Option<i64>,
}

impl TryFrom<RecordRow> for AtlasRecord {
    type Error = StoreError;
    fn try_from(r: RecordRow) -> Result<Self> {
        Ok(AtlasRecord {
            id: r.id,
            kind: RecordKind::parse(&r.kind).ok_or_else(|| StoreError::Invalid(format!("record kind {}", r.kind)))?,
            name: r.name,
            fields: from_json(&r.data),
            provenance: from_json(&r.provenance),
            conflicts: from_json(&r.conflicts),
            commune_insee: r.commune_insee,
            departement: r.departement,
            region: r.region,
            epci: r.epci,
            geo: r.lat.zip(r.lon),
            synthetic: r.synthetic != 0,
            quality: r.quality,
            created_at: r.created_at,
            updated_at: r.updated_at,
            verified_at: r.verified_at,
            retired_at: r.retired_at,
            merged_into: r.merged_into,
        })
    }
}

/// A live record's location columns, as [`Store::atlas_locations`] reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordLocation {
    pub id: i64,
    pub kind: RecordKind,
    /// The saved coordinates: the record's own, else its commune's centroid.
    pub geo: Option<(f64, f64)>,
    pub pivot: Option<String>,
    pub commune_insee: Option<String>,
}

/// Where to start a page of records, in id order.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordCursor {
    pub kind: Option<RecordKind>,
    pub after_id: i64,
    pub live_only: bool,
}

impl Store {
    pub async fn atlas_record(&self, id: i64) -> Result<AtlasRecord> {
        let row: RecordRow = sqlx::query_as(concat!("SELECT ", record_columns!(), " FROM atlas_records WHERE id = $1"))
            .bind(id)
            .fetch_one(self.pool())
            .await?;
        row.try_into()
    }

    /// The records with these ids that exist, in no particular order.
    pub async fn atlas_records_by_ids(&self, ids: &[i64]) -> Result<Vec<AtlasRecord>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::sql::MAX_BINDS) {
            let placeholders = crate::sql::placeholders(1, chunk.len());
            let sql =
                format!(concat!("SELECT ", record_columns!(), " FROM atlas_records WHERE id IN ({})"), placeholders);
            let mut q = sqlx::query_as::<_, RecordRow>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.pool()).await? {
                out.push(row.try_into()?);
            }
        }
        Ok(out)
    }

    /// Up to `limit` records after the cursor, in id order.
    pub async fn atlas_records_page(&self, cursor: RecordCursor, limit: i64) -> Result<Vec<AtlasRecord>> {
        let rows: Vec<RecordRow> = sqlx::query_as(concat!(
            "SELECT ",
            record_columns!(),
            " FROM atlas_records WHERE id > $1 AND ($2 = '' OR kind = $2) \
              AND ($3 = 0 OR (retired_at IS NULL AND merged_into IS NULL)) ORDER BY id LIMIT $4"
        ))
        .bind(cursor.after_id)
        .bind(cursor.kind.map_or("", RecordKind::as_str))
        .bind(i64::from(cursor.live_only))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Streams every record matching the cursor to `each`, in constant
    /// memory (exports, index rebuilds). Stops at the first error of `each`.
    pub async fn for_each_atlas_record<E: From<StoreError>>(
        &self,
        cursor: RecordCursor,
        mut each: impl FnMut(AtlasRecord) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let mut rows = sqlx::query_as::<_, RecordRow>(concat!(
            "SELECT ",
            record_columns!(),
            " FROM atlas_records WHERE id > $1 AND ($2 = '' OR kind = $2) \
              AND ($3 = 0 OR (retired_at IS NULL AND merged_into IS NULL)) ORDER BY id"
        ))
        .bind(cursor.after_id)
        .bind(cursor.kind.map_or("", RecordKind::as_str))
        .bind(i64::from(cursor.live_only))
        .fetch(self.pool());
        let mut n = 0;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            each(row.try_into()?)?;
            n += 1;
        }
        Ok(n)
    }

    pub async fn count_atlas_records(&self, kind: Option<RecordKind>, live_only: bool) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM atlas_records WHERE ($1 = '' OR kind = $1) \
             AND ($2 = 0 OR (retired_at IS NULL AND merged_into IS NULL))",
        )
        .bind(kind.map_or("", RecordKind::as_str))
        .bind(i64::from(live_only))
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// When a live record last changed (`None` for an empty atlas): the
    /// modification date of the atlas as a whole.
    pub async fn atlas_last_updated(&self) -> Result<Option<i64>> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(updated_at) FROM atlas_records WHERE retired_at IS NULL AND merged_into IS NULL",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(at)
    }

    /// Where every live place and organisation is (id, kind, lat, lon,
    /// pivot, commune): what duplicate detection needs to find a record's
    /// neighbours in memory, instead of one query per record.
    pub async fn atlas_locations(&self) -> Result<Vec<RecordLocation>> {
        let rows: Vec<LocationRow> = sqlx::query_as(
            "SELECT id, kind, lat, lon, pivot, commune_insee FROM atlas_records \
             WHERE retired_at IS NULL AND merged_into IS NULL AND kind <> 'service'",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind, lat, lon, pivot, commune_insee)| {
                Some(RecordLocation { id, kind: RecordKind::parse(&kind)?, geo: lat.zip(lon), pivot, commune_insee })
            })
            .collect())
    }
}

/// (id, kind, lat, lon, pivot, commune INSEE code) as read for duplicate detection.
type LocationRow = (i64, String, Option<f64>, Option<f64>, Option<String>, Option<String>);
