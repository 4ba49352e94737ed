//! The status report of a node: itself, its links with backlog and lag,
//! and what its store holds. Served at `GET /api/v1/status`, printed by
//! `xunlian status`, and what `/metrics` renders (see `telemetry`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{LinkReport, OfficeHealth};
use crate::engine::Engine;
use crate::store::StoreError;

/// What a node reports of itself.
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

/// The status report of `engine` now.
pub async fn status_report(engine: &Engine) -> Result<StatusReport, StoreError> {
    Ok(StatusReport {
        node: engine.config.id.to_string(),
        name: engine.config.name.clone(),
        level: engine.config.level.to_string(),
        software_version: crate::sync::wire::SOFTWARE_VERSION.into(),
        generation: engine.store().generation(),
        started_at: engine.started_at,
        records: engine.store().count_by_kind(),
        links: super::link_reports(engine).await?,
        subtree: super::subtree(engine).await?,
        quarantined: engine.store().quarantine_count().await?,
    })
}
