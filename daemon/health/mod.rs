//! The health rollup: on the configured cron schedule each node writes one
//! `health` record (same id, next version) with its own links and the
//! latest health of every office below it. Health flows up, so every
//! ancestor — central for the whole network — knows each office's last
//! report, backlog and lag, and which offices went silent (stale). Also
//! the per-link measures ([`link_reports`]) and the node's status report
//! ([`status_report`]) that `status`, the dashboard and `/metrics` show.

mod links;
mod status;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use links::{LinkReport, link_reports};
pub use status::{StatusReport, status_report};

use crate::engine::{Engine, SharedEngine, SubmitRequest};
use crate::node::NodeId;
use crate::records::Kind;
use crate::store::{RecordFilter, StoreError};

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
    /// Records waiting on the office's own links.
    pub backlog_records: i64,
    /// Age in ms of the oldest record waiting on the office's links.
    pub lag_ms: i64,
    /// How many of the office's links are down.
    pub links_down: i64,
}

/// A summary of one office's health, as carried in rollups. Zeros are
/// left out (readers default them): a rollup lists every office below, and
/// a municipality may have thousands.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Summary {
    node: String,
    at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "is_zero")]
    backlog_records: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    lag_ms: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    links_down: i64,
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

fn summarise(node: &str, at: Option<DateTime<Utc>>, links: &[LinkReport]) -> Summary {
    Summary {
        node: node.to_string(),
        at,
        backlog_records: links.iter().map(|l| l.backlog_records).sum(),
        lag_ms: links.iter().map(|l| l.lag_ms).max().unwrap_or(0),
        links_down: links.iter().filter(|l| !l.connected).count() as i64,
    }
}

/// The latest health of every office known below this node (with a tree
/// manifest, every office it puts below, connected or not).
pub async fn subtree(engine: &Engine) -> Result<Vec<OfficeHealth>, StoreError> {
    let filter = RecordFilter {
        kind: Some(Kind::Health),
        limit: i64::MAX,
        ..Default::default()
    };
    let mut latest: BTreeMap<String, Summary> = BTreeMap::new();
    let mut consider = |s: Summary| {
        let newer = latest.get(&s.node).is_none_or(|old| old.at < s.at);
        if newer {
            latest.insert(s.node.clone(), s);
        }
    };
    for (_, r) in engine.store().query(&filter).await? {
        let at = r
            .body
            .get("at")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let links: Vec<LinkReport> = r
            .body
            .get("links")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        consider(summarise(r.origin.as_str(), at, &links));
        let rolled: Vec<Summary> = r
            .body
            .get("subtree")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        rolled.into_iter().for_each(&mut consider);
    }
    let now = Utc::now();
    let threshold =
        chrono::Duration::from_std(engine.config.health_stale).unwrap_or(chrono::Duration::MAX);
    let mut out = Vec::new();
    for entry in engine.subtree_entries().await? {
        let s = latest.remove(entry.node.as_str()).unwrap_or_default();
        out.push(OfficeHealth {
            node: entry.node.to_string(),
            name: entry.name,
            level: entry.level.to_string(),
            parent: entry.parent.to_string(),
            at: s.at,
            stale: s.at.is_none_or(|at| now - at > threshold),
            backlog_records: s.backlog_records,
            lag_ms: s.lag_ms,
            links_down: s.links_down,
        });
    }
    Ok(out)
}

/// The body of this node's health record now.
pub async fn body(engine: &Engine) -> Result<Value, StoreError> {
    let mut links = link_reports(engine).await?;
    links.retain(worth_reporting);
    let subtree: Vec<Summary> = subtree(engine)
        .await?
        .into_iter()
        .map(|o| Summary {
            node: o.node,
            at: o.at,
            backlog_records: o.backlog_records,
            lag_ms: o.lag_ms,
            links_down: o.links_down,
        })
        .collect();
    Ok(json!({
        "node": engine.config.id,
        "level": engine.config.level,
        "at": Utc::now(),
        "software_version": crate::sync::wire::SOFTWARE_VERSION,
        "links": links,
        "subtree": subtree,
    }))
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

/// Reports health on the configured schedule until `stop`.
pub async fn run(engine: SharedEngine, stop: CancellationToken) {
    let schedule = engine.config.health_schedule.clone();
    crate::schedule::every("health", schedule, stop, || async { report(&engine).await }).await
}
