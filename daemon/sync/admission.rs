//! Admitting a batch of wire items from a peer, either way: each record
//! goes through [`Engine::admit`]; refused ones are logged, counted on the
//! link and kept for the quarantine and for the sender's answer, and the
//! batch goes on. And [`received_cursors`]: how far this node has
//! received a peer's log, as told to that peer.

use tracing::warn;

use super::wire::{LaneCursor, Refused, WireItem};
use crate::engine::{Admitted, Engine, LinkEvent};
use crate::node::NodeId;
use crate::records::Lane;
use crate::routing::Source;
use crate::store::{QuarantineEntry, StoreError};

/// A batch from a peer after admission.
#[derive(Debug, Default)]
pub struct AdmittedBatch {
    pub admitted: Vec<Admitted>,
    /// Refused records, to keep for operators.
    pub quarantine: Vec<QuarantineEntry>,
    /// Refused records, to tell the sender.
    pub refused: Vec<Refused>,
    /// Size of all records received.
    pub bytes: u64,
}

/// Admits every record of a batch from `peer`, which sent it as `source`.
pub fn admit_batch(
    engine: &Engine,
    peer: &NodeId,
    source: &Source,
    items: &[WireItem],
) -> AdmittedBatch {
    let link = engine.link(peer);
    let mut out = AdmittedBatch::default();
    for item in items {
        let raw = item.record.get();
        out.bytes += raw.len() as u64;
        match engine.admit(source, raw, Some((&item.id, item.version))) {
            Ok(a) => out.admitted.push(a),
            Err(rej) => {
                warn!(
                    message = "Refused a record from a peer; quarantined.",
                    peer = %peer,
                    record = %item.id,
                    reason = %rej.reason
                );
                if let Some(l) = &link {
                    l.record(LinkEvent::Refused(rej.code));
                }
                out.quarantine.push(QuarantineEntry::new(
                    Some(peer),
                    raw,
                    rej.code.as_str(),
                    rej.reason.clone(),
                ));
                out.refused.push(Refused {
                    seq: item.seq,
                    id: item.id.clone(),
                    reason: rej.reason,
                    code: Some(rej.code),
                });
            }
        }
    }
    out
}

/// The records of `refused` that `peer` refused for their signature: the
/// ones this node must check in its own store ([`Engine::recheck`]).
pub fn refused_signatures(refused: &[Refused]) -> Vec<uuid::Uuid> {
    refused
        .iter()
        .filter(|r| r.code == Some(crate::engine::Reason::Signature))
        .filter_map(|r| r.id.parse().ok())
        .collect()
}

/// This node's cursors into `peer`'s log, per lane it has received.
pub async fn received_cursors(
    engine: &Engine,
    peer: &NodeId,
) -> Result<Vec<LaneCursor>, StoreError> {
    let mut out = Vec::new();
    for lane in Lane::ALL {
        if let Some(pos) = engine.store().cursor(peer, lane).await? {
            out.push(LaneCursor { lane, pos });
        }
    }
    Ok(out)
}
