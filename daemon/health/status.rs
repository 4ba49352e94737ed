//! The status report of a node: itself (its state and the verdict over
//! it and its subtree), its links with backlog and lag, and what its store
//! holds. Served at `GET /api/v1/status`, printed by
//! `xunlian status`, and what `/metrics` renders (see `telemetry`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::verdict::{OfficeState, Verdict, judge_self};
use super::{LinkReport, OfficeHealth, Why};
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
    /// This node's own state: `down` while it holds no session with its
    /// parent.
    pub state: OfficeState,
    /// Why it is not `ok`, in English (stable for scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The same as data, for views in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
    /// `ok` only when this node and every office below it are `ok`.
    pub verdict: Verdict,
    pub records: Vec<(String, i64)>,
    pub links: Vec<LinkReport>,
    /// Every office below this node with its latest health.
    pub subtree: Vec<OfficeHealth>,
    pub quarantined: i64,
}

/// The status report of `engine` now.
pub async fn status_report(engine: &Engine) -> Result<StatusReport, StoreError> {
    let links = super::link_reports(engine).await?;
    let subtree = super::subtree(engine, &links).await?;
    let own = judge_self(&links, Utc::now());
    let verdict = Verdict::of(
        &own,
        engine.id(),
        subtree
            .iter()
            .map(|o| (o.node.as_str(), o.state, o.why.as_ref())),
    );
    Ok(StatusReport {
        node: engine.config.id.to_string(),
        name: engine.config.name.clone(),
        level: engine.config.level.to_string(),
        software_version: crate::sync::wire::SOFTWARE_VERSION.into(),
        generation: engine.store().generation(),
        started_at: engine.started_at,
        state: own.state,
        reason: own.reason.as_ref().map(|w| w.render(crate::i18n::Lang::En)),
        why: own.reason,
        verdict,
        records: engine.store().count_by_kind(),
        links,
        subtree,
        quarantined: engine.store().quarantine_count().await?,
    })
}
