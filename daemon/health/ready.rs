//! Readiness (`/readyz`): whether this node can do its work now — its
//! store takes a write, and its link to the parent has not been down
//! longer than `sync.ready_parent_down_secs`. Liveness (`/healthz`) is
//! only that the daemon answers; a dead child makes neither fail (it
//! shows in `status` and the alerts).

use chrono::{DateTime, Utc};

use crate::engine::{Direction, Engine};

/// The meta key the readiness probe writes.
const PROBE_KEY: &str = "ready_probe";

/// Why this node is not ready; empty when it is.
pub async fn unready_reasons(engine: &Engine) -> Vec<String> {
    let now = Utc::now();
    let mut reasons = Vec::new();
    if let Err(e) = engine.store().meta_set(PROBE_KEY, &now.to_rfc3339()).await {
        reasons.push(format!("the store cannot be written: {e}"));
    }
    reasons.extend(parent_down_too_long(engine, now));
    reasons
}

/// A sentence when the link to the parent has been down (since its last
/// answer, or since this node started) longer than the configured limit.
fn parent_down_too_long(engine: &Engine, now: DateTime<Utc>) -> Option<String> {
    let (peer, link) = engine
        .link_states()
        .into_iter()
        .find(|(_, (direction, _))| *direction == Direction::Parent)?;
    let link = link.1;
    if link.connected {
        return None;
    }
    let since = link.last_seen.unwrap_or(engine.started_at);
    let limit = engine.config.ready_parent_down;
    let down = (now - since).to_std().unwrap_or_default();
    (down > limit).then(|| {
        format!(
            "the link to the parent {peer} has been down for {}s (limit {}s, sync.ready_parent_down_secs)",
            down.as_secs(),
            limit.as_secs()
        )
    })
}
