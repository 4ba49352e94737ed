//! The parent's side of a child's hello and push: learn the child's
//! announced subtree and answer with this node's view; check a push against
//! that announcement and the limits, admit its records, commit them with
//! the child's cursors per lane, and answer with those cursors. The caller
//! (`peer/`) has already checked who the child is.

use tracing::{debug, warn};

use super::admission::{admit_batch, received_cursors};
use super::wire::{
    self, HelloRequest, HelloResponse, Limits, PushRequest, PushResponse, Reason, WireItem,
};
use crate::engine::{Engine, LinkEvent};
use crate::node::NodeId;
use crate::records::{Lane, PerLane};
use crate::routing::Source;
use crate::store::{Applied, Commit, CursorPos, StoreError, TopologyEntry};
use crate::trust::SignedManifest;

/// A refused peer request: a reason code and a sentence for the caller.
#[derive(Debug)]
pub struct Refusal {
    pub reason: Reason,
    pub message: String,
    /// The newer tree manifest, for a child refused `tree` that holds an
    /// older one ([`ErrorBody::manifest`](super::wire::ErrorBody)).
    pub manifest: Option<Box<SignedManifest>>,
}

impl Refusal {
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Refusal {
            reason,
            message: message.into(),
            manifest: None,
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        warn!(message = "Peer request failed inside this node.", error = %e);
        let reason = if e.is_full() {
            Reason::Full
        } else {
            Reason::Store
        };
        Refusal::new(reason, e.to_string())
    }
}

/// `child` says hello: takes its subtree, routes parked records again if
/// the tree grew, and answers with this node, its ancestors, the child's
/// cursors, the limits, and the tree manifest if the child's is older.
pub async fn hello(
    engine: &Engine,
    child: &NodeId,
    req: HelloRequest,
) -> Result<HelloResponse, Refusal> {
    if req.node != *child {
        return Err(Refusal::new(
            Reason::Identity,
            format!("hello names {} but the certificate names {child}", req.node),
        ));
    }
    let mut entries = vec![TopologyEntry {
        node: child.clone(),
        parent: engine.config.id.clone(),
        level: req.level,
        name: req.name.clone(),
    }];
    let announced = crate::engine::topology_hash(&req.subtree);
    entries.extend(req.subtree);
    refuse_contradictions(engine, child, &entries, req.manifest_version)?;
    engine.learn_subtree(child, entries, announced).await?;
    engine.reroute_parked().await?;
    if let Some(l) = engine.link(child) {
        l.record(LinkEvent::Connected {
            // Logged and shown as given: clipped.
            peer_version: crate::clip::clip(&req.software_version),
            peer_generation: req.generation,
            cert_not_after: None,
        });
    }
    let limits = &engine.config.limits;
    Ok(HelloResponse {
        node: engine.config.id.clone(),
        level: engine.config.level,
        name: engine.config.name.clone(),
        software_version: wire::SOFTWARE_VERSION.into(),
        generation: engine.store().generation(),
        ancestors: engine.ancestors_for_child(),
        cursors: received_cursors(engine, child).await?,
        limits: Limits {
            max_record_bytes: limits.max_record_bytes,
            max_batch_records: limits.max_batch_records,
            max_batch_bytes: limits.max_batch_bytes,
        },
        manifest: engine
            .authority()
            .filter(|a| a.manifest().version > req.manifest_version)
            .map(|a| a.signed().clone()),
    })
}

/// How many offending ids a refusal names.
const SHOWN_IDS: usize = 8;

/// Refuses, counts and logs (one warn line) an announcement that
/// contradicts the tree manifest; without a manifest everything passes.
/// A child whose manifest (`child_version`) is older is sent the newer one
/// with the refusal: it may only be following the tree it knew.
fn refuse_contradictions(
    engine: &Engine,
    child: &NodeId,
    entries: &[TopologyEntry],
    child_version: u64,
) -> Result<(), Refusal> {
    let Some(authority) = engine.authority() else {
        return Ok(());
    };
    let wrong = authority.contradictions(engine.id(), child, entries);
    if wrong.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<String> = wrong
        .iter()
        .take(SHOWN_IDS)
        .map(|id| crate::clip::clip(id.as_str()))
        .collect();
    if wrong.len() > SHOWN_IDS {
        ids.push(format!("and {} more", wrong.len() - SHOWN_IDS));
    }
    let ids = ids.join(", ");
    let version = authority.manifest().version;
    warn!(
        message = "Refused a hello whose subtree contradicts the tree manifest.",
        peer = %child,
        offices = %ids,
        manifest_version = version
    );
    engine.count_refusal(child, Reason::Tree);
    let mut refusal = Refusal::new(
        Reason::Tree,
        format!("tree manifest version {version} does not put these offices where you say: {ids}"),
    );
    if version > child_version {
        refusal.manifest = Some(Box::new(authority.signed().clone()));
    }
    Err(refusal)
}

/// `child` pushes a batch: refused as `topology_stale` if cut for a
/// subtree it has not announced, as `too_large` over the batch limit;
/// otherwise admitted record by record and committed with its cursors.
pub async fn push(
    engine: &Engine,
    child: &NodeId,
    req: PushRequest,
) -> Result<PushResponse, Refusal> {
    if !engine.announced_matches(child, &req.subtree_hash) {
        debug!(message = "Child's subtree changed since its hello; asking it to announce again.", peer = %child);
        return Err(Refusal::new(
            Reason::TopologyStale,
            "the subtree you push for differs from what you announced; say hello again",
        ));
    }
    let max = engine.config.limits.max_batch_records;
    if req.records.len() > max {
        engine.count_refusal(child, Reason::TooLarge);
        return Err(Refusal::new(
            Reason::TooLarge,
            format!(
                "batch of {} records exceeds the limit of {max}",
                req.records.len()
            ),
        ));
    }
    let batch = admit_batch(engine, child, &Source::Child(child.clone()), &req.records);
    if !engine.announced_matches(child, &req.subtree_hash) {
        // The tree changed while the batch was admitted (a newer manifest
        // was taken): what it refused may be the change's doing, not the
        // child's. Nothing is kept; the child says hello under the new tree.
        debug!(message = "Tree changed during a push; asking the child to announce again.", peer = %child);
        return Err(Refusal::new(
            Reason::TopologyStale,
            "the tree changed while your push was checked; say hello again",
        ));
    }
    let applied = engine
        .commit(Commit {
            from: Some(child.clone()),
            items: batch.admitted,
            cursors: last_positions(&req.generation, &req.records),
            quarantine: batch.quarantine,
        })
        .await?
        .applied;
    let stored = applied
        .iter()
        .filter(|a| matches!(a, Applied::Stored { .. }))
        .count();
    if let Some(l) = engine.link(child) {
        l.record(LinkEvent::Pushed {
            records: req.records.len() as u64,
            bytes: batch.bytes,
        });
    }
    Ok(PushResponse {
        cursors: received_cursors(engine, child).await?,
        stored,
        unchanged: applied.len() - stored,
        refused: batch.refused,
    })
}

/// The position in the child's log (of `generation`) of the last item of
/// each lane in `items`: where the parent's cursors stand once they commit.
fn last_positions(generation: &str, items: &[WireItem]) -> Vec<(Lane, CursorPos)> {
    let mut last: PerLane<Option<&WireItem>> = PerLane::default();
    for item in items {
        let slot = last.get_mut(item.lane);
        if slot.is_none_or(|p| p.seq < item.seq) {
            *slot = Some(item);
        }
    }
    last.iter()
        .filter_map(|(lane, item)| {
            item.map(|i| {
                (
                    lane,
                    CursorPos {
                        generation: generation.to_string(),
                        seq: i.seq,
                        chain: i.chain.clone(),
                    },
                )
            })
        })
        .collect()
}
