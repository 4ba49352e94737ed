//! The writes that change what waits on a link: acknowledging what a peer
//! confirmed, re-queueing what a peer lost (reconcile), and re-issuing
//! parked records once the tree can route them. Only the engine makes
//! them, and each wakes the links it gave work to.

use std::collections::{BTreeMap, HashMap};

use tracing::{info, warn};

use super::Engine;
use crate::node::NodeId;
use crate::records::Lane;
use crate::routing::{self, Source};
use crate::store::{CursorPos, RangeItem, Rerouted, StoreError};

/// Meta key: the parent of the last start, to notice a move.
const PARENT_KEY: &str = "parent";

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

    /// Whether routing sends `item`, as received, to `peer` now.
    fn routes_to(&self, item: &RangeItem, peer: &NodeId) -> bool {
        let parent = self.config.parent.as_ref().map(|p| &p.id);
        let source = source_of(parent, item.received_from.as_deref());
        self.with_view(|v| {
            routing::next_hops(v, &item.record, &source)
                .links
                .contains(peer)
        })
    }

    /// Routes again every current record of `lane` in `(lo, hi]` and
    /// queues those that must go to `peer`, then wakes its link.
    async fn requeue(&self, peer: &NodeId, lane: Lane, lo: i64, hi: i64) -> Result<(), StoreError> {
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
                .filter(|item| self.routes_to(item, peer))
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

    /// Follows a move of this office (`network move-office`, meta
    /// [`PARENT_KEY`]): when the configured parent is not the one of the
    /// last start, the rows still queued for the old parent are dropped and
    /// every record of this office and its subtree is queued for the new
    /// parent (receivers apply each (id, version) once), since the old
    /// parent drops what it held of them on the way up. Outbox rows for a
    /// former child are dropped ([`Engine::drop_moved`]).
    pub(super) async fn follow_move(&self) -> Result<(), StoreError> {
        let parent = self.config.parent.as_ref().map(|p| p.id.clone());
        let before = self.store.meta_get(PARENT_KEY).await?;
        let children = self.with_view(|v| v.children.clone());
        for peer in self.store.outbox_peers().await? {
            let former_parent = before.as_deref() == Some(peer.as_str());
            if parent.as_ref() == Some(&peer) || children.contains(&peer) || former_parent {
                continue;
            }
            self.drop_moved(&peer).await?;
        }
        let (Some(old), Some(new)) = (before, parent) else {
            if let Some(p) = &self.config.parent {
                self.store.meta_set(PARENT_KEY, p.id.as_str()).await?;
            }
            return Ok(());
        };
        if old == new.as_str() {
            return Ok(());
        }
        if let Ok(old) = NodeId::new(old) {
            self.store.drop_moved(&old, None).await?;
        }
        let own = |item: &RangeItem| {
            item.received_from
                .as_deref()
                .is_none_or(|from| children.iter().any(|c| c.as_str() == from))
        };
        self.reissue_routed(&new, own).await?;
        info!(message = "This office moved: its records go up through the new parent.", parent = %new);
        self.store.meta_set(PARENT_KEY, new.as_str()).await
    }

    /// Queues the records held here of offices just `taken_over` for the
    /// child link that leads to each one's successor, where routing now
    /// sends them (`routing::next_hops`): the successor carries on with
    /// its predecessor's findings and rectifications.
    pub(super) async fn send_to_successors(&self, taken_over: &[NodeId]) -> Result<(), StoreError> {
        let links: Vec<NodeId> = self.with_view(|v| {
            let mut links: Vec<NodeId> = taken_over
                .iter()
                .filter_map(|o| v.below.get(v.successors.get(o)?).cloned())
                .collect();
            links.sort();
            links.dedup();
            links
        });
        for link in links {
            self.reissue_routed(&link, |item| taken_over.contains(&item.record.origin))
                .await?;
        }
        Ok(())
    }

    /// After the tree changed, sends again through its new child link what
    /// this node holds for each office now reached by another link than
    /// before (`links_before`: office → child link): the copy it sent the
    /// old way may sit dropped at a parent that let the office go. The
    /// office applies each version once, so one it already has is no loss.
    pub(super) async fn send_the_new_way(
        &self,
        links_before: &HashMap<NodeId, NodeId>,
    ) -> Result<(), StoreError> {
        let mut moved: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
        self.with_view(|v| {
            for (office, link) in &v.below {
                if links_before.get(office).is_some_and(|old| old != link) {
                    moved.entry(link.clone()).or_default().push(office.clone());
                }
            }
        });
        for (link, offices) in moved {
            info!(message = "Offices below now reached another way; sending their records that way.", link = %link, offices = offices.len());
            self.reissue_routed(&link, |item| {
                item.record.route.to.iter().any(|t| offices.contains(t))
            })
            .await?;
        }
        Ok(())
    }

    /// Re-issues at the end of the log, for `peer`, every record held here
    /// that `keep` keeps and routing sends `peer` now: the peer gets them
    /// whatever its cursor (`Store::reissue_to`), then its link is woken.
    async fn reissue_routed(
        &self,
        peer: &NodeId,
        keep: impl Fn(&RangeItem) -> bool,
    ) -> Result<(), StoreError> {
        let mut ids = Vec::new();
        for lane in Lane::ALL {
            let mut at = 0;
            loop {
                let chunk = self
                    .store
                    .records_in_range(lane, at, i64::MAX, REQUEUE_CHUNK)
                    .await?;
                let Some(last) = chunk.last() else { break };
                at = last.seq;
                ids.extend(
                    chunk
                        .iter()
                        .filter(|item| keep(item) && self.routes_to(item, peer))
                        .map(|item| item.record.id),
                );
            }
        }
        let mut reissued = 0;
        for chunk in ids.chunks(REQUEUE_CHUNK as usize) {
            reissued += self.store.reissue_to(peer, chunk).await?;
        }
        info!(message = "Re-issued records for a peer the tree now sends them to.", peer = %peer, records = reissued);
        self.wake([peer.clone()]);
        Ok(())
    }

    /// Drops what this node held only to route to or from `gone`, an office
    /// that is no longer its child (see [`crate::store::Store::drop_moved`]).
    pub(super) async fn drop_moved(&self, gone: &NodeId) -> Result<(), StoreError> {
        let parent = self.config.parent.as_ref().map(|p| &p.id);
        let dropped = self.store.drop_moved(gone, parent).await?;
        info!(
            message = "An office moved away from under this one; dropped what was held only to route it.",
            office = %gone,
            rows = dropped
        );
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
