//! Health by origin: on the configured cron schedule each node writes one
//! `health` record (same id, next version) about itself alone: its own
//! links. Health flows up, so every ancestor — central for the whole
//! network — holds each office's own latest record and derives from it
//! that office's last report, backlog and lag, and its one state
//! (`verdict`: ok, lagging, stale, down, never_seen, with reason, since
//! and the relay it is cut off by). Also the per-link measures
//! ([`link_reports`]), the node's status report ([`status_report`]) that
//! `status`, the dashboard and `/metrics` show, and the watcher that logs
//! each change of an office's or a link's state (`events`), and readiness
//! for `/readyz` (`ready`).
//!
//! Architecture Invariant: an office's health is what its own record
//! says, and nothing else. A record speaks only for its origin (routing
//! admits a child's record only if the tree puts its origin below that
//! child), so a relay forwards others' health but never authors it, and a
//! `subtree` list in a record (written by earlier versions, which rolled
//! their subtree up) is ignored.

mod events;
mod links;
mod ready;
mod status;
mod verdict;
mod warnings;
mod why;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use links::{LinkReport, link_reports};
pub use ready::unready_reasons;
pub use status::{StatusReport, status_report};
pub use verdict::{OfficeState, Verdict, problem_line};
pub use warnings::CERT_WARNING_DAYS;
pub use why::Why;

use crate::engine::{Engine, SharedEngine, SubmitRequest};
use crate::node::NodeId;
use crate::records::Kind;
use crate::store::{RecordFilter, StoreError};
use verdict::Summary;

/// Namespace of the health record ids (one record per node, versioned).
const HEALTH_NAMESPACE: Uuid = Uuid::from_u128(0x7a3c_51e2_0b4d_4f0e_9c41_5d2e_8f6a_1b90);

/// The id of `node`'s health record.
pub fn record_id(node: &NodeId) -> Uuid {
    Uuid::new_v5(&HEALTH_NAMESPACE, node.as_str().as_bytes())
}

/// What an ancestor knows of one office below it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficeHealth {
    pub node: String,
    pub name: String,
    pub level: String,
    pub parent: String,
    /// When the office's latest health report was written.
    pub at: Option<DateTime<Utc>>,
    /// No report within the configured threshold (or none ever).
    pub stale: bool,
    /// The office's one state as seen from this node.
    pub state: OfficeState,
    /// Why it is not `ok`, in English (stable for scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why it is not `ok`, as data (`code` and figures): what people's
    /// views render in their language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
    /// Since when the state holds, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// The relay (down or never seen) the office is unreachable through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Records waiting on the office's own links.
    pub backlog_records: i64,
    /// Age in ms of the oldest record waiting on the office's links.
    pub lag_ms: i64,
    /// How many of the office's links are down.
    pub links_down: i64,
    /// What the office warns about in its own record (certificate,
    /// quarantine) and its links' budget warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// For fields left out of health records when zero (most are).
fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Whether an ancestor learns anything from `link` in a health record:
/// the rollup reads only backlog, lag and links down, so a child link that
/// is up with nothing waiting is left out (3,000 of them made a record of
/// 1.4 MB, over the 256 KiB record limit, refused by the parent).
fn worth_reporting(link: &LinkReport) -> bool {
    link.direction == "parent"
        || !link.connected
        || link.backlog_records > 0
        || link.lag_ms > 0
        || !link.warnings.is_empty()
}

/// The latest health of every office known below this node (with a tree
/// manifest, every office it puts below, connected or not), each from that
/// office's own health record only, judged with this node's live `links`.
pub async fn subtree(
    engine: &Engine,
    links: &[LinkReport],
) -> Result<Vec<OfficeHealth>, StoreError> {
    let filter = RecordFilter {
        kind: Some(Kind::Health),
        limit: i64::MAX,
        ..Default::default()
    };
    // One record per office (its id is derived from the origin), the
    // latest version held.
    let mut latest: BTreeMap<NodeId, Summary> = BTreeMap::new();
    for (_, r) in engine.store().query(&filter).await? {
        // When the origin wrote it: the envelope's time, which admission
        // holds to at most an hour ahead of this node's clock.
        let at = Some(r.updated_at);
        let links: Vec<LinkReport> = r
            .body
            .get("links")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let own: Vec<String> = r
            .body
            .get("warnings")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let s = Summary::of(at, &links, own);
        if latest.get(&r.origin).is_none_or(|old| old.at < s.at) {
            latest.insert(r.origin, s);
        }
    }
    let now = Utc::now();
    let stale_after =
        chrono::Duration::from_std(engine.config.health_stale).unwrap_or(chrono::Duration::MAX);
    // An office taken over by another (`network merge-office`) has
    // stopped for good: it is no longer watched.
    let succession = engine.succession();
    let mut entries = engine.subtree_entries().await?;
    entries.retain(|e| !succession.ended(&e.node));
    let ground = verdict::Ground {
        me: engine.id(),
        now,
        stale_after,
        my_links: links,
    };
    let mut judged = verdict::judge(&ground, &entries, &latest);
    let mut out = Vec::new();
    for entry in entries {
        let s = latest.remove(&entry.node).unwrap_or_default();
        let Some(j) = judged.remove(&entry.node) else {
            continue;
        };
        out.push(OfficeHealth {
            node: entry.node.to_string(),
            name: entry.name,
            level: entry.level.to_string(),
            parent: entry.parent.to_string(),
            at: s.at,
            stale: s.at.is_none_or(|at| now - at > stale_after),
            state: j.state,
            reason: j.reason.as_ref().map(|w| w.render(crate::i18n::Lang::En)),
            why: j.reason,
            since: j.since,
            via: j.via.map(|v| v.to_string()),
            backlog_records: s.backlog_records,
            lag_ms: s.lag_ms,
            links_down: s.links_down,
            warnings: s.notices.into_iter().chain(s.warnings).collect(),
        });
    }
    Ok(out)
}

/// The body of this node's health record now: about this node alone.
pub async fn body(engine: &Engine) -> Result<Value, StoreError> {
    let mut links = link_reports(engine).await?;
    links.retain(worth_reporting);
    let mut body = json!({
        "node": engine.config.id,
        "level": engine.config.level,
        "at": Utc::now(),
        "software_version": crate::sync::wire::SOFTWARE_VERSION,
        "links": links,
    });
    let mut own = warnings::own_warnings(engine).await?;
    own.truncate(warnings::MAX_WARNINGS);
    if !own.is_empty() {
        body["warnings"] = json!(own);
    }
    Ok(body)
}

/// Writes this node's health record now.
pub async fn report(engine: &Engine) -> anyhow::Result<()> {
    let req = SubmitRequest {
        kind: Kind::Health,
        id: Some(record_id(&engine.config.id)),
        round_id: None,
        classification: None,
        body: body(engine).await?,
    };
    engine.submit(req).await?;
    Ok(())
}

/// Reports health on the configured schedule, and logs each change of an
/// office's or a link's state, until `stop`.
pub async fn run(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.health_schedule.clone();
    let reporting = crate::schedule::every("health", schedule, stop.clone(), || async {
        report(&engine).await
    });
    tokio::join!(reporting, events::watch(&engine, stop));
}
