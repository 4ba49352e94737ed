//! The sending side of a link, shared by the child's push and the parent's
//! pull: cut the next batch from the outbox as wire items, and the parent's
//! side of a child's pull (reconcile its cursors through
//! [`Engine::reconcile`], long-poll, answer).

use std::time::Duration;

use serde_json::value::RawValue;
use tracing::warn;

use super::admission::refused_signatures;
use super::wire::{LaneCursor, PullRequest, PullResponse, WireItem};
use crate::engine::{Engine, LinkEvent};
use crate::node::NodeId;
use crate::records::{Lane, PerLane};
use crate::store::{CursorPos, StoreError};

/// The cursor pointing at `seq` of this node's log (seq 0: the start).
pub async fn position(engine: &Engine, seq: i64) -> Result<CursorPos, StoreError> {
    let chain = if seq == 0 {
        String::new()
    } else {
        engine
            .store()
            .change_at(seq)
            .await?
            .unwrap_or_default()
            .chain
    };
    Ok(CursorPos {
        generation: engine.store().generation(),
        seq,
        chain,
    })
}

/// The next batch for `peer` after `after` (per lane), as wire items, with
/// the positions passed per lane.
pub async fn next_batch(
    engine: &Engine,
    peer: &NodeId,
    after: PerLane<i64>,
    max_records: usize,
    max_bytes: usize,
) -> Result<(Vec<WireItem>, PerLane<i64>), StoreError> {
    let (items, passed) = engine
        .store()
        .outbox_batch(peer, after.into_array(), max_records, max_bytes)
        .await?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let change = it.change;
        let record = RawValue::from_string(it.doc).map_err(|e| StoreError::Corrupt {
            id: change.record_id.clone(),
            reason: e.to_string(),
        })?;
        out.push(WireItem {
            lane: it.lane,
            seq: it.seq,
            id: change.record_id,
            version: change.version,
            chain: change.chain,
            record,
        });
    }
    Ok((out, passed.into()))
}

/// Parent side of `POST /peer/v1/pull`: log what the child refused of
/// earlier pulls (checking this node's copies of those refused for their
/// signature), re-issue what it asks for again, reconcile its cursors,
/// then answer with what is queued and what this node wants the child to
/// send again, waiting up to the long-poll limit for either when there is
/// none.
pub async fn serve_pull(
    engine: &Engine,
    child: &NodeId,
    req: &PullRequest,
) -> Result<PullResponse, StoreError> {
    for r in &req.refused {
        warn!(
            message = "Child refused a record this node sent it.",
            peer = %child,
            record = %r.id,
            reason = %r.reason
        );
    }
    engine
        .recheck(child, &refused_signatures(&req.refused))
        .await?;
    engine.resend(child, &req.resend).await?;
    // The child holds its session while this poll waits (see
    // `engine::links`), even when the wait outlasts the window.
    let _waiting = engine.link(child).map(|l| l.hold_poll());
    let mut from = PerLane::default();
    for lane in Lane::ALL {
        let claimed = req.cursors.iter().find(|c| c.lane == lane).map(|c| &c.pos);
        *from.get_mut(lane) = engine.reconcile(child, lane, claimed).await?;
    }
    let limits = &engine.config.limits;
    let max_records = req.max_records.clamp(1, limits.max_batch_records);
    let max_bytes = req.max_bytes.clamp(1, limits.max_batch_bytes);
    let wait = Duration::from_millis(req.wait_ms).min(limits.long_poll);
    let deadline = tokio::time::Instant::now() + wait;
    let mut wake = engine.link(child).map(|l| l.subscribe());
    let (records, passed) = loop {
        if let Some(w) = wake.as_mut() {
            w.borrow_and_update();
        }
        let (records, passed) = next_batch(engine, child, from, max_records, max_bytes).await?;
        if !records.is_empty() || passed != from || engine.resend_news_for(child).await {
            break (records, passed);
        }
        let Some(w) = wake.as_mut() else {
            break (records, passed);
        };
        match tokio::time::timeout_at(deadline, w.changed()).await {
            Ok(Ok(())) => continue,
            _ => break (records, passed),
        }
    };
    let mut cursors = Vec::with_capacity(2);
    for (lane, seq) in passed.iter() {
        cursors.push(LaneCursor {
            lane,
            pos: position(engine, *seq).await?,
        });
    }
    if let Some(l) = engine.link(child) {
        l.record(LinkEvent::Pulled {
            records: records.len() as u64,
            bytes: records.iter().map(|i| i.record.get().len() as u64).sum(),
        });
    }
    Ok(PullResponse {
        generation: engine.store().generation(),
        ancestors: engine.ancestors_for_child(),
        records,
        cursors,
        resend: engine.resend_wanted(child).await?,
    })
}
