//! Hand edits of record fields.

use domain::atlas::Value;
use domain::atlas::survivorship::HandEdit;

use super::from_json;
use crate::{Result, WriteTx};

impl WriteTx {
    /// Records a person's value for a field. `base` is what the sources
    /// said at the time, so a later change of the sources can be noticed.
    pub async fn set_edit(
        &mut self,
        record_id: i64,
        field: &str,
        value: &Value,
        base: Option<&str>,
        by: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO atlas_edits (record_id, field, value, base, edited_by, edited_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (record_id, field) DO UPDATE SET value = excluded.value, base = excluded.base, \
             edited_by = excluded.edited_by, edited_at = excluded.edited_at",
        )
        .bind(record_id)
        .bind(field)
        .bind(super::to_json(value))
        .bind(base)
        .bind(by)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub(crate) async fn edits_of(&mut self, record_id: i64) -> Result<Vec<(String, HandEdit)>> {
        let rows: Vec<(String, String, Option<String>, i64)> =
            sqlx::query_as("SELECT field, value, base, edited_at FROM atlas_edits WHERE record_id = $1")
                .bind(record_id)
                .fetch_all(self.conn())
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(field, value, base, edited_at)| {
                let value: Option<Value> = from_json(&value);
                value.map(|value| (field, HandEdit { value, base, edited_at }))
            })
            .collect())
    }
}
