//! The sending side of a link, shared by the child's push and the parent's
//! pull handler: reconcile the receiver's cursor with this node's log,
//! re-queue what the receiver lost, and cut the next batch.

use std::time::Duration;

use serde_json::value::RawValue;
use tracing::{info, warn};

use super::wire::{LaneCursor, PullRequest, PullResponse, WireItem};
use crate::engine::Engine;
use crate::node::NodeId;
use crate::records::Lane;
use crate::routing::{self, Source};
use crate::store::{CursorPos, RangeItem, Rerouted, StoreError};

/// How many records one re-queue step reads at a time.
const REQUEUE_CHUNK: i64 = 2000;

/// Decides from which seq of `lane` to (re)send to `peer`, given the
/// cursor the receiver holds into this node's log, and re-queues anything
/// the receiver had confirmed but no longer has.
pub async fn reconcile(
    engine: &Engine,
    peer: &NodeId,
    lane: Lane,
    claimed: Option<&CursorPos>,
) -> Result<i64, StoreError> {
    let store = &engine.store;
    let acked = store.acked(peer, lane).await?;
    let from = match claimed {
        Some(c) if c.seq == 0 => 0,
        Some(c) if c.generation == store.generation() => {
            if store.holds_position(c, acked).await? {
                c.seq
            } else {
                let fresh = store.rotate_generation().await?;
                warn!(
                    message = "A peer holds a cursor into history this store does not have: the store went back in time (restored from a backup?). Starting a new generation and sending everything again.",
                    peer = %peer,
                    lane = lane.as_str(),
                    cursor_seq = c.seq,
                    generation = %fresh
                );
                0
            }
        }
        Some(c) => {
            info!(
                message = "Peer holds a cursor of another generation of this store; sending everything again.",
                peer = %peer,
                lane = lane.as_str(),
                their_generation = %c.generation
            );
            0
        }
        None => 0,
    };
    if from < acked {
        requeue(engine, peer, lane, from, acked).await?;
    }
    if from != acked {
        store.ack(peer, &[(lane, from)]).await?;
    }
    Ok(from)
}

/// Routes again every current record of `lane` in `(lo, hi]` and queues
/// those that must go to `peer`.
async fn requeue(
    engine: &Engine,
    peer: &NodeId,
    lane: Lane,
    lo: i64,
    hi: i64,
) -> Result<(), StoreError> {
    let parent = engine.config.parent.as_ref().map(|p| p.id.clone());
    let mut at = lo;
    let mut total = 0usize;
    loop {
        let chunk = engine
            .store
            .records_in_range(lane, at, hi, REQUEUE_CHUNK)
            .await?;
        let Some(last) = chunk.last() else { break };
        at = last.seq;
        let rows: Vec<(Lane, i64, i64)> = chunk
            .iter()
            .filter(|item| {
                let source = source_of(parent.as_ref(), item);
                engine.with_view(|v| {
                    routing::next_hops(v, &item.record, &source)
                        .links
                        .contains(peer)
                })
            })
            .map(|item| (lane, item.seq, item.doc.len() as i64))
            .collect();
        total += rows.len();
        engine.store.enqueue(peer, &rows).await?;
    }
    info!(
        message = "Re-queued records a peer no longer has.",
        peer = %peer,
        lane = lane.as_str(),
        from_seq = lo,
        to_seq = hi,
        records = total
    );
    Ok(())
}

/// Where a stored record came from, for routing it again.
fn source_of(parent: Option<&NodeId>, item: &RangeItem) -> Source {
    match item.received_from.as_deref() {
        None => Source::Local,
        Some(p) if parent.is_some_and(|id| id.as_str() == p) => Source::Parent,
        Some(c) => NodeId::new(c).map(Source::Child).unwrap_or(Source::Local),
    }
}

/// Routes parked records again after the known subtree grew: those with
/// somewhere new to go are re-issued at the end of the log (see
/// [`crate::store::Store::reissue_parked`]); those still waiting stay parked.
pub async fn reroute_parked(engine: &Engine) -> Result<(), StoreError> {
    let parked = engine.store.parked().await?;
    let parent = engine.config.parent.as_ref().map(|p| p.id.clone());
    let rerouted: Vec<Rerouted> = parked
        .iter()
        .filter_map(|p| {
            let source = source_of(parent.as_ref(), &p.item);
            let hops = engine.with_view(|v| routing::next_hops(v, &p.item.record, &source));
            let r = Rerouted {
                seq: p.item.seq,
                links: hops.links,
                park: hops.park,
            };
            r.changes(p).then_some(r)
        })
        .collect();
    if rerouted.is_empty() {
        return Ok(());
    }
    let waiting = parked.len() - rerouted.iter().filter(|r| !r.park).count();
    let woken = engine.store.reissue_parked(&rerouted).await?;
    info!(
        message = "Routed parked records again after the subtree changed.",
        rerouted = rerouted.len(),
        still_waiting = waiting,
        links = ?woken
    );
    engine.wake(woken);
    Ok(())
}

/// The cursor pointing at `seq` of this node's log (seq 0: the start).
pub async fn position(engine: &Engine, seq: i64) -> Result<CursorPos, StoreError> {
    let chain = if seq == 0 {
        String::new()
    } else {
        engine.store.change_at(seq).await?.unwrap_or_default().chain
    };
    Ok(CursorPos {
        generation: engine.store.generation(),
        seq,
        chain,
    })
}

/// The next batch for `peer` after `after` (per lane), as wire items, with
/// the positions passed per lane.
pub async fn next_batch(
    engine: &Engine,
    peer: &NodeId,
    after: [i64; 2],
    max_records: usize,
    max_bytes: usize,
) -> Result<(Vec<WireItem>, [i64; 2]), StoreError> {
    let (items, passed) = engine
        .store
        .outbox_batch(peer, after, max_records, max_bytes)
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
    Ok((out, passed))
}

/// Parent side of `POST /peer/v1/pull`: reconcile the child's cursors, then
/// answer with what is queued, waiting up to the long-poll limit for
/// something to arrive when nothing is.
pub async fn serve_pull(
    engine: &Engine,
    child: &NodeId,
    req: &PullRequest,
) -> Result<PullResponse, StoreError> {
    let mut from = [0i64; 2];
    for lane in Lane::ALL {
        let claimed = req.cursors.iter().find(|c| c.lane == lane).map(|c| &c.pos);
        from[lane.as_i64() as usize] = reconcile(engine, child, lane, claimed).await?;
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
        if !records.is_empty() || passed != from {
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
    for lane in Lane::ALL {
        let seq = passed[lane.as_i64() as usize];
        cursors.push(LaneCursor {
            lane,
            pos: position(engine, seq).await?,
        });
    }
    Ok(PullResponse {
        generation: engine.store.generation(),
        ancestors: engine.ancestors_for_child(),
        records,
        cursors,
    })
}
