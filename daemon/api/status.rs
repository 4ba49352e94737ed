//! The status report of a node: itself, its links with backlog and lag,
//! and what its store holds. Served at `GET /api/v1/status` and printed by
//! `xunlian status`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::health::{LinkReport, OfficeHealth};
use crate::store::StoreError;

#[derive(Debug, Serialize, Deserialize)]
pub struct StatusReport {
    pub node: String,
    pub name: String,
    pub level: String,
    pub software_version: String,
    pub generation: String,
    pub started_at: DateTime<Utc>,
    pub records: Vec<(String, i64)>,
    pub links: Vec<LinkReport>,
    /// Every office below this node with its latest health.
    pub subtree: Vec<OfficeHealth>,
    pub quarantined: i64,
}

pub async fn status_report(engine: &Engine) -> Result<StatusReport, StoreError> {
    Ok(StatusReport {
        node: engine.config.id.to_string(),
        name: engine.config.name.clone(),
        level: engine.config.level.to_string(),
        software_version: crate::sync::wire::SOFTWARE_VERSION.into(),
        generation: engine.store.generation(),
        started_at: engine.started_at,
        records: engine.store.count_by_kind(),
        links: crate::health::link_reports(engine).await?,
        subtree: crate::health::subtree(engine).await?,
        quarantined: engine.store.quarantine_count().await?,
    })
}
