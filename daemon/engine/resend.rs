//! Records a peer refused because their origin's signature did not verify
//! there. This node checks its own copy: a sound copy stays (the refusal
//! is the peer's to explain, and it stays in the peer's quarantine); a
//! damaged one (altered in this store) is dropped and asked for again from
//! the office it came from, which re-issues it on the link
//! ([`crate::store::Store::reissue_to`]), so the original still reaches
//! every destination. What is wanted is kept in the store (meta key
//! [`RESEND_KEY`]) until a sound copy is stored here, and told to that
//! office with every exchange of the pull: in the answer to a child's long
//! poll (woken for it), in the parent's next pull request. A peer is
//! re-sent only records routing would send it anyway.

use std::collections::{BTreeMap, BTreeSet};

use tracing::{error, info, warn};
use uuid::Uuid;

use super::Engine;
use super::queues::source_of;
use crate::node::NodeId;
use crate::records::Record;
use crate::routing;
use crate::store::StoreError;
use crate::trust::SigError;

/// Meta key of the records this node wants sent again, by office.
const RESEND_KEY: &str = "resend_wanted";

/// The most records one exchange asks for or re-sends.
pub const MAX_RESEND: usize = 256;

/// Records wanted again, by the office asked.
type Wanted = BTreeMap<NodeId, BTreeSet<Uuid>>;

/// What this node wants sent again, and the children not yet told of a
/// new want (their long poll is answered at once; later answers carry the
/// list at the poll's usual end, so a want never makes a busy loop).
#[derive(Default)]
pub(super) struct Asks {
    wanted: Wanted,
    untold: BTreeSet<NodeId>,
}

/// The wanted list kept in the store, empty when there is none.
pub(super) async fn load(store: &crate::store::Store) -> Result<Asks, StoreError> {
    let wanted = store
        .meta_get(RESEND_KEY)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    Ok(Asks {
        wanted,
        untold: BTreeSet::new(),
    })
}

impl Engine {
    /// `peer` refused records of `ids` as not signed by their origin:
    /// checks this node's copy of each, and drops a damaged one and asks
    /// for it again.
    pub async fn recheck(&self, peer: &NodeId, ids: &[Uuid]) -> Result<(), StoreError> {
        let Some(authority) = self.authority() else {
            return Ok(());
        };
        for id in ids.iter().take(MAX_RESEND) {
            let Some((doc, from)) = self.store.held_copy(id).await? else {
                continue;
            };
            let checked = match serde_json::from_str::<Record>(&doc) {
                Err(e) => Err(format!("does not parse: {e}")),
                Ok(r) => match authority.verifier().check(&r) {
                    Err(SigError::Unsigned) => {
                        // Written unsigned, not altered: its origin had not
                        // moved to signed records when it wrote it.
                        warn!(
                            message = "A peer refused an unsigned record dated after the tree manifest's unsigned_before: its origin wrote it before moving to signed records. It stays in the peer's quarantine.",
                            peer = %peer,
                            record = %id,
                            origin = %r.origin
                        );
                        continue;
                    }
                    other => other.map(|_| ()).map_err(|e| e.to_string()),
                },
            };
            let Err(why) = checked else {
                warn!(
                    message = "A peer refused a record whose signature verifies here; it stays in the peer's quarantine (does the peer hold an older tree manifest?).",
                    peer = %peer,
                    record = %id
                );
                continue;
            };
            let Some(from) = from.and_then(|f| NodeId::new(f).ok()) else {
                error!(
                    message = "A record this office wrote fails its signature check in its own store: it was altered here, and no other office holds the original to send it again. Restore it from a backup.",
                    record = %id,
                    error = %why
                );
                continue;
            };
            // The ask is kept with the drop, in one transaction.
            let mut asks = self.resend.lock().await;
            let mut wanted = asks.wanted.clone();
            wanted.entry(from.clone()).or_default().insert(*id);
            let json = serde_json::to_string(&wanted).unwrap_or_default();
            self.store.drop_damaged(id, (RESEND_KEY, &json)).await?;
            asks.wanted = wanted;
            asks.untold.insert(from.clone());
            drop(asks);
            warn!(
                message = "Dropped a copy of a record that was altered in this store; asking the office it came from to send it again.",
                peer = %peer,
                record = %id,
                from = %from,
                error = %why
            );
            // A child hears it in the answer to its long poll, now.
            self.wake([from]);
        }
        Ok(())
    }

    /// Whether this node has a new want for `peer` not yet told to it.
    pub async fn resend_news_for(&self, peer: &NodeId) -> bool {
        self.resend.lock().await.untold.contains(peer)
    }

    /// The records this node wants `peer` to send again (at most
    /// [`MAX_RESEND`]); those held again by now leave the list.
    pub async fn resend_wanted(&self, peer: &NodeId) -> Result<Vec<Uuid>, StoreError> {
        let wanted: Vec<Uuid> = {
            let mut asks = self.resend.lock().await;
            asks.untold.remove(peer);
            asks.wanted
                .get(peer)
                .map(|ids| ids.iter().copied().collect())
                .unwrap_or_default()
        };
        let mut still = Vec::new();
        let mut arrived = Vec::new();
        for id in wanted {
            if self.store.held_copy(&id).await?.is_some() {
                arrived.push(id);
            } else {
                still.push(id);
            }
        }
        if !arrived.is_empty() {
            let mut asks = self.resend.lock().await;
            if let Some(ids) = asks.wanted.get_mut(peer) {
                ids.retain(|id| !arrived.contains(id));
                if ids.is_empty() {
                    asks.wanted.remove(peer);
                }
            }
            let json = serde_json::to_string(&asks.wanted).unwrap_or_default();
            self.store.meta_set(RESEND_KEY, &json).await?;
            drop(asks);
            info!(
                message = "Records asked for again arrived intact.",
                peer = %peer,
                records = arrived.len()
            );
        }
        still.truncate(MAX_RESEND);
        Ok(still)
    }

    /// `peer` asks for records of `ids` again (its copies were damaged):
    /// those held here that routing sends to `peer` are re-issued on its
    /// link; others are ignored, so no peer can fetch what it would not be
    /// sent.
    pub async fn resend(&self, peer: &NodeId, ids: &[Uuid]) -> Result<(), StoreError> {
        let parent = self.config.parent.as_ref().map(|p| p.id.clone());
        let mut due = Vec::new();
        for id in ids.iter().take(MAX_RESEND) {
            let Some((doc, from)) = self.store.held_copy(id).await? else {
                continue;
            };
            let Ok(record) = serde_json::from_str::<Record>(&doc) else {
                continue;
            };
            let source = source_of(parent.as_ref(), from.as_deref());
            let routed =
                self.with_view(|v| routing::next_hops(v, &record, &source).links.contains(peer));
            if routed {
                due.push(*id);
            }
        }
        if due.is_empty() {
            return Ok(());
        }
        let sent = self.store.reissue_to(peer, &due).await?;
        if sent > 0 {
            info!(
                message = "Sending records again that a peer found altered in its store.",
                peer = %peer,
                records = sent
            );
            self.wake([peer.clone()]);
        }
        Ok(())
    }
}
