//! The status report of a node: itself, its links with backlog and lag,
//! and what its store holds. Served at `GET /api/v1/status` and printed by
//! `xunlian status`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::{Direction, Engine};
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
    pub quarantined: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct LinkReport {
    pub peer: String,
    /// `parent` or `child`.
    pub direction: String,
    pub connected: bool,
    pub last_seen: Option<DateTime<Utc>>,
    pub last_push_ok: Option<DateTime<Utc>>,
    pub last_pull_ok: Option<DateTime<Utc>>,
    /// Records waiting to go to this peer.
    pub backlog_records: i64,
    pub backlog_bytes: i64,
    /// Age in seconds of the oldest record waiting for this peer.
    pub lag_secs: f64,
    pub records_in: u64,
    pub records_out: u64,
    pub refusals: std::collections::BTreeMap<String, u64>,
    pub peer_version: Option<String>,
    pub peer_cert_not_after: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Budget warnings in force for this link.
    pub warnings: Vec<String>,
}

pub async fn status_report(engine: &Engine) -> Result<StatusReport, StoreError> {
    let now = Utc::now().timestamp_millis();
    let budget = &engine.config.budget;
    let mut links = Vec::new();
    for (peer, (direction, s)) in engine.link_states() {
        let backlog = engine.store.outbox_stats(&peer).await?;
        let lag_secs = crate::sync::budget::lag_secs(&backlog, now);
        let warnings = crate::sync::budget::budget_warnings(budget, &backlog, now);
        links.push(LinkReport {
            peer: peer.to_string(),
            direction: match direction {
                Direction::Parent => "parent".into(),
                Direction::Child => "child".into(),
            },
            connected: s.connected,
            last_seen: s.last_seen,
            last_push_ok: s.last_push_ok,
            last_pull_ok: s.last_pull_ok,
            backlog_records: backlog.records,
            backlog_bytes: backlog.bytes,
            lag_secs,
            records_in: s.records_in,
            records_out: s.records_out,
            refusals: s.refusals,
            peer_version: s.peer_version,
            peer_cert_not_after: s.peer_cert_not_after,
            last_error: s.last_error,
            warnings,
        });
    }
    Ok(StatusReport {
        node: engine.config.id.to_string(),
        name: engine.config.name.clone(),
        level: engine.config.level.to_string(),
        software_version: crate::sync::wire::SOFTWARE_VERSION.into(),
        generation: engine.store.generation(),
        started_at: engine.started_at,
        records: engine.store.count_by_kind().await?,
        links,
        quarantined: engine.store.quarantine_list(100_000).await?.len(),
    })
}
