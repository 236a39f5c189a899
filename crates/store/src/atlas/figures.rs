//! Key figures of a record per year (surface, residents, events…).

use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFigure {
    pub year: i64,
    pub metric: String,
    pub value: i64,
    pub source: String,
}

impl WriteTx {
    pub async fn set_key_figure(
        &mut self,
        record_id: i64,
        year: i64,
        metric: &str,
        value: i64,
        source: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO atlas_key_figures (record_id, year, metric, value, source) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (record_id, year, metric) DO UPDATE SET value = excluded.value, source = excluded.source",
        )
        .bind(record_id)
        .bind(year)
        .bind(metric)
        .bind(value)
        .bind(source)
        .execute(self.conn())
        .await?;
        self.touch(record_id);
        Ok(())
    }
}

impl Store {
    pub async fn key_figures_of(&self, record_id: i64) -> Result<Vec<KeyFigure>> {
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT year, metric, value, source FROM atlas_key_figures WHERE record_id = $1 ORDER BY year DESC, metric",
        )
        .bind(record_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(year, metric, value, source)| KeyFigure { year, metric, value, source }).collect())
    }
}
