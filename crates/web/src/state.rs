//! What every handler receives.

use std::sync::Arc;

use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    /// This server's search index.
    pub indexer: Arc<app::atlas::index::Indexer>,
    pub metrics: Arc<Metrics>,
    /// Origins allowed to frame our pages (embeds); empty: none.
    pub frame_ancestors: Arc<str>,
}
