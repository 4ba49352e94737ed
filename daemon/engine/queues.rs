//! The writes that change what waits on a link: acknowledging what a peer
//! confirmed, re-queueing what a peer lost (reconcile), and re-issuing
//! parked records once the tree can route them. Only the engine makes
//! them, and each wakes the links it gave work to.

use tracing::{info, warn};

use super::Engine;
use crate::node::NodeId;
use crate::records::Lane;
use crate::routing::{self, Source};
use crate::store::{CursorPos, Rerouted, StoreError};

/// How many records one re-queue step reads at a time.
const REQUEUE_CHUNK: i64 = 2000;

impl Engine {
    /// Records that `peer` confirmed each lane up to its seq: those rows
    /// leave its outbox.
    pub async fn ack(&self, peer: &NodeId, acks: &[(Lane, i64)]) -> Result<(), StoreError> {
        self.store.ack(peer, acks).await
    }

    /// Decides from which seq of `lane` to (re)send to `peer`, given the
    /// cursor the receiver holds into this node's log, and re-queues
    /// anything the receiver had confirmed but no longer has.
    pub async fn reconcile(
        &self,
        peer: &NodeId,
        lane: Lane,
        claimed: Option<&CursorPos>,
    ) -> Result<i64, StoreError> {
        let store = &self.store;
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
            self.requeue(peer, lane, from, acked).await?;
        }
        if from != acked {
            store.ack(peer, &[(lane, from)]).await?;
        }
        Ok(from)
    }

    /// Routes again every current record of `lane` in `(lo, hi]` and
    /// queues those that must go to `peer`, then wakes its link.
    async fn requeue(&self, peer: &NodeId, lane: Lane, lo: i64, hi: i64) -> Result<(), StoreError> {
        let parent = self.config.parent.as_ref().map(|p| p.id.clone());
        let mut at = lo;
        let mut total = 0usize;
        loop {
            let chunk = self
                .store
                .records_in_range(lane, at, hi, REQUEUE_CHUNK)
                .await?;
            let Some(last) = chunk.last() else { break };
            at = last.seq;
            let rows: Vec<(Lane, i64, i64)> = chunk
                .iter()
                .filter(|item| {
                    let source = source_of(parent.as_ref(), item.received_from.as_deref());
                    self.with_view(|v| {
                        routing::next_hops(v, &item.record, &source)
                            .links
                            .contains(peer)
                    })
                })
                .map(|item| (lane, item.seq, item.doc.len() as i64))
                .collect();
            total += rows.len();
            self.store.enqueue(peer, &rows).await?;
        }
        info!(
            message = "Re-queued records a peer no longer has.",
            peer = %peer,
            lane = lane.as_str(),
            from_seq = lo,
            to_seq = hi,
            records = total
        );
        self.wake([peer.clone()]);
        Ok(())
    }

    /// Routes parked records again after the known subtree grew: those
    /// with somewhere new to go are re-issued at the end of the log (see
    /// [`crate::store::Store::reissue_parked`]) and their links woken;
    /// those still waiting stay parked.
    pub async fn reroute_parked(&self) -> Result<(), StoreError> {
        let parked = self.store.parked().await?;
        let parent = self.config.parent.as_ref().map(|p| p.id.clone());
        let rerouted: Vec<Rerouted> = parked
            .iter()
            .filter_map(|p| {
                let source = source_of(parent.as_ref(), p.item.received_from.as_deref());
                let hops = self.with_view(|v| routing::next_hops(v, &p.item.record, &source));
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
        let woken = self.store.reissue_parked(&rerouted).await?;
        info!(
            message = "Routed parked records again after the subtree changed.",
            rerouted = rerouted.len(),
            still_waiting = waiting,
            links = ?woken
        );
        self.wake(woken);
        Ok(())
    }
}

/// Where a stored record came from (the peer it was received from, none
/// when written here), for routing it again.
pub(super) fn source_of(parent: Option<&NodeId>, received_from: Option<&str>) -> Source {
    match received_from {
        None => Source::Local,
        Some(p) if parent.is_some_and(|id| id.as_str() == p) => Source::Parent,
        Some(c) => NodeId::new(c).map(Source::Child).unwrap_or(Source::Local),
    }
}
