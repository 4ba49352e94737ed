//! The sending side of a link, shared by the child's push and the parent's
//! pull: cut the next batch from the outbox as wire items, and the parent's
//! side of a child's pull (reconcile its cursors through
//! [`Engine::reconcile`], long-poll, answer).

use std::time::Duration;

use serde_json::value::RawValue;
use tracing::warn;

use super::admission::refused_signatures;
use super::packing::{self, Packer};
use super::wire::{LaneCursor, PullRequest, PullResponse, WireChunk, WireItem};
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

/// A batch cut for a peer.
pub struct NextBatch {
    pub records: Vec<WireItem>,
    /// The chunks of its packed records (none unless packed).
    pub chunks: Vec<WireChunk>,
    /// The last position looked at, per lane.
    pub passed: PerLane<i64>,
}

/// The next batch for `peer` after `after` (per lane), as wire items,
/// signed records packed when `packed` (the peer speaks protocol 3:
/// [`packing`]), with the positions passed per lane.
pub async fn next_batch(
    engine: &Engine,
    peer: &NodeId,
    after: PerLane<i64>,
    limits: (usize, usize),
    packed: bool,
) -> Result<NextBatch, StoreError> {
    let (max_records, max_bytes) = limits;
    let (items, passed) = engine
        .store()
        .outbox_batch(peer, after.into_array(), max_records, max_bytes)
        .await?;
    let mut packer = Packer::default();
    let mut records = Vec::with_capacity(items.len());
    for it in items {
        let change = it.change;
        let (text, sig) = if packed {
            packer.pack(it.doc)
        } else {
            (it.doc, None)
        };
        let record = RawValue::from_string(text).map_err(|e| StoreError::Corrupt {
            id: change.record_id.clone(),
            reason: e.to_string(),
        })?;
        records.push(WireItem {
            lane: it.lane,
            seq: it.seq,
            id: change.record_id,
            version: change.version,
            chain: change.chain,
            record,
            sig,
        });
    }
    Ok(NextBatch {
        records,
        chunks: packer.chunks(),
        passed: passed.into(),
    })
}

/// Parent side of `POST /peer/v1/pull` from a child that speaks
/// `protocol`: log what the child refused of earlier pulls (checking this node's copies of those refused for their
/// signature), re-issue what it asks for again, reconcile its cursors,
/// then answer with what is queued and what this node wants the child to
/// send again, waiting up to the long-poll limit for either when there is
/// none.
pub async fn serve_pull(
    engine: &Engine,
    child: &NodeId,
    protocol: u32,
    req: &PullRequest,
) -> Result<PullResponse, StoreError> {
    let packed = packing::packs(protocol);
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
    let limits = (max_records, max_bytes);
    let batch = loop {
        if let Some(w) = wake.as_mut() {
            w.borrow_and_update();
        }
        let batch = next_batch(engine, child, from, limits, packed).await?;
        if !batch.records.is_empty() || batch.passed != from || engine.resend_news_for(child).await
        {
            break batch;
        }
        let Some(w) = wake.as_mut() else {
            break batch;
        };
        match tokio::time::timeout_at(deadline, w.changed()).await {
            Ok(Ok(())) => continue,
            _ => break batch,
        }
    };
    let NextBatch {
        records,
        chunks,
        passed,
    } = batch;
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
        chunks,
        cursors,
        resend: engine.resend_wanted(child).await?,
    })
}
