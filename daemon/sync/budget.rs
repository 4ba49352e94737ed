//! Per-link budgets: a backlog over its record, byte or age budget raises a
//! warning (in `status` and in the log, once a minute while it lasts).
//! Nothing is ever dropped to make room.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::config::Budget;
use crate::engine::SharedEngine;
use crate::store::OutboxStats;

/// How often the watcher looks.
const EVERY: Duration = Duration::from_secs(60);

/// The budgets `backlog` exceeds, as sentences.
pub fn budget_warnings(budget: &Budget, backlog: &OutboxStats, now_ms: i64) -> Vec<String> {
    let mut out = Vec::new();
    if backlog.records as u64 > budget.records {
        out.push(format!(
            "backlog of {} records exceeds the budget of {}",
            backlog.records, budget.records
        ));
    }
    if backlog.bytes as u64 > budget.bytes {
        out.push(format!(
            "backlog of {} bytes exceeds the budget of {}",
            backlog.bytes, budget.bytes
        ));
    }
    let age = lag_secs(backlog, now_ms);
    if age > budget.age.as_secs_f64() {
        out.push(format!(
            "oldest waiting record is {age:.0}s old, over the budget of {}s",
            budget.age.as_secs()
        ));
    }
    out
}

/// Age in seconds of the oldest record waiting on a link (0 when none).
pub fn lag_secs(backlog: &OutboxStats, now_ms: i64) -> f64 {
    backlog
        .oldest_queued_at
        .map(|t| (now_ms - t).max(0) as f64 / 1000.0)
        .unwrap_or(0.0)
}

/// Logs every link over budget, once a minute, until `stop`.
pub async fn watch(engine: SharedEngine, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        let peers: Vec<_> = engine.links().into_iter().map(|(p, _)| p).collect();
        for peer in peers {
            match engine.store().outbox_stats(&peer).await {
                Ok(stats) => {
                    for w in budget_warnings(&engine.config.budget, &stats, crate::store::now_ms())
                    {
                        warn!(message = "Link over budget; nothing is dropped.", peer = %peer, reason = %w);
                    }
                }
                Err(e) => {
                    warn!(message = "Cannot read a link's backlog.", peer = %peer, error = %e)
                }
            }
        }
    }
}
