//! Offline bundles (离线数据包): what a link would carry, written to one
//! signed file for an office whose link never connects, and admitted at the
//! other end with exactly the checks of a push or pull.
//!
//! Export cuts the outbox for a neighbour (the parent, or a child) as
//! [`outbound::next_batch`] does, from the per-peer *bundle cursor* on (what
//! earlier bundles carried; `all` starts again from what the peer
//! confirmed), and advances that cursor. The header carries the exporter's
//! cursors into the receiver's log (`acks`): importing a bundle trims the
//! importer's outbox for the exporter up to them ([`Engine::ack`]).
//!
//! Import refuses a bundle whole — nothing admitted — unless it is for this
//! office, from a neighbour, of a protocol this build speaks, and signed by
//! the sender's record-signing key as the tree manifest lists it over its
//! canonical bytes. Its records then go through [`admit_batch`] with the
//! source a link would have, and commit with the receiver's cursors into
//! the sender's log; applying is idempotent by (id, version).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::admission::{admit_batch, received_cursors};
use super::outbound::{next_batch, position};
use super::wire::{
    Ancestor, LaneCursor, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, Refused, WireItem,
};
use crate::engine::{Direction, Engine};
use crate::node::NodeId;
use crate::records::{Lane, PerLane};
use crate::routing::Source;
use crate::store::{Applied, Commit, StoreError};
use crate::trust::Alg;

/// What is signed: this prefix, then the canonical bytes of header and
/// records.
const SIGNED_PREFIX: &[u8] = b"xunlian-bundle-v1\n";

/// A bundle file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub header: Header,
    pub records: Vec<WireItem>,
    pub signature: BundleSignature,
}

/// Who sent a bundle to whom, and where it stands in both logs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    pub from: NodeId,
    pub to: NodeId,
    pub protocol: u32,
    pub created: DateTime<Utc>,
    /// The generation of the sender's log the records' seqs belong to.
    pub generation: String,
    /// Per lane, the first seq after which this bundle starts.
    pub after: Vec<(Lane, i64)>,
    /// Per lane, how far into the sender's log this bundle reaches: the
    /// receiver's cursors once imported.
    pub cursors: Vec<LaneCursor>,
    /// The sender's cursors into the receiver's log: what it has received.
    pub acks: Vec<LaneCursor>,
    /// From a parent: it and every office above it, nearest first, as a
    /// pull tells them (the child learns them before admitting).
    #[serde(default)]
    pub ancestors: Vec<Ancestor>,
}

/// The sender's signature over [`SIGNED_PREFIX`] and the canonical bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct BundleSignature {
    pub key_id: String,
    pub alg: String,
    /// Base64 of the signature.
    pub sig: String,
}

/// What an import did.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Imported {
    pub from: String,
    pub stored: usize,
    pub unchanged: usize,
    pub refused: Vec<Refused>,
}

/// Why a bundle was refused or could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Refused whole: nothing admitted.
    #[error("数据包被整体拒收 (bundle refused whole): {0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused(msg: impl Into<String>) -> BundleError {
    BundleError::Refused(msg.into())
}

/// The meta key of the bundle cursor for `peer` on `lane`.
fn cursor_key(peer: &NodeId, lane: Lane) -> String {
    format!("bundle_cursor.{peer}.{}", lane.as_str())
}

/// The bytes the signature covers.
fn signed_bytes(header: &Header, records: &[WireItem]) -> Result<Vec<u8>, BundleError> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        header: &'a Header,
        records: &'a [WireItem],
    }
    let mut out = SIGNED_PREFIX.to_vec();
    serde_json::to_writer(&mut out, &Canonical { header, records })
        .map_err(|e| refused(format!("encoding the bundle: {e}")))?;
    Ok(out)
}

/// Whether `peer` is this office's parent (else its child, else neither).
fn source_of(engine: &Engine, peer: &NodeId) -> Option<Source> {
    if engine.config.parent.as_ref().is_some_and(|p| &p.id == peer) {
        return Some(Source::Parent);
    }
    engine
        .link(peer)
        .filter(|l| l.direction == Direction::Child)
        .map(|_| Source::Child(peer.clone()))
}

/// The bundle of what `peer` has still to receive from this office: from
/// the bundle cursor on (from what `peer` confirmed with `all`). Advances
/// the bundle cursor.
pub async fn export(engine: &Engine, peer: &NodeId, all: bool) -> Result<Bundle, BundleError> {
    let to_child = match source_of(engine, peer) {
        Some(Source::Child(_)) => true,
        Some(_) => false,
        None => {
            return Err(refused(format!(
                "{peer} is neither the parent nor a child of this office"
            )));
        }
    };
    let signer = engine
        .signer()
        .ok_or_else(|| refused("this office has no [trust] sign_key to sign bundles with"))?;
    let store = engine.store();
    let mut after = PerLane::default();
    for lane in Lane::ALL {
        let acked = store.acked(peer, lane).await?;
        let sent = if all {
            0
        } else {
            store
                .meta_get(&cursor_key(peer, lane))
                .await?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        *after.get_mut(lane) = acked.max(sent);
    }
    let limits = &engine.config.limits;
    let mut records = Vec::new();
    let mut passed = after;
    loop {
        let (mut items, next) = next_batch(
            engine,
            peer,
            passed,
            limits.max_batch_records,
            limits.max_batch_bytes,
        )
        .await?;
        if items.is_empty() && next == passed {
            break;
        }
        records.append(&mut items);
        passed = next;
    }
    let mut cursors = Vec::new();
    for (lane, seq) in passed.iter() {
        if *seq > 0 {
            cursors.push(LaneCursor {
                lane,
                pos: position(engine, *seq).await?,
            });
        }
    }
    let header = Header {
        from: engine.id().clone(),
        to: peer.clone(),
        protocol: PROTOCOL_VERSION,
        created: Utc::now(),
        generation: store.generation(),
        after: after.iter().map(|(l, s)| (l, *s)).collect(),
        cursors,
        acks: received_cursors(engine, peer).await?,
        ancestors: if to_child {
            engine.ancestors_for_child()
        } else {
            Vec::new()
        },
    };
    let sig = signer
        .sign(&signed_bytes(&header, &records)?)
        .map_err(|e| refused(format!("signing the bundle: {e}")))?;
    for (lane, seq) in passed.iter() {
        store
            .meta_set(&cursor_key(peer, lane), &seq.to_string())
            .await?;
    }
    Ok(Bundle {
        header,
        records,
        signature: BundleSignature {
            key_id: signer.key_id().to_string(),
            alg: signer.alg().to_string(),
            sig: B64.encode(sig),
        },
    })
}

/// Checks that `bundle` is for this office, from a neighbour, and signed
/// by its sender: the source its records come from.
fn check(engine: &Engine, bundle: &Bundle) -> Result<Source, BundleError> {
    let h = &bundle.header;
    if &h.to != engine.id() {
        return Err(refused(format!(
            "the bundle is for office {}, this is office {}",
            h.to,
            engine.id()
        )));
    }
    if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&h.protocol) {
        return Err(refused(format!(
            "the bundle speaks protocol {}; this build speaks {MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}",
            h.protocol
        )));
    }
    let source = source_of(engine, &h.from).ok_or_else(|| {
        refused(format!(
            "the bundle comes from {}, neither the parent nor a child of this office",
            h.from
        ))
    })?;
    let authority = engine
        .authority()
        .ok_or_else(|| refused("this office has no tree manifest to check the signer with"))?;
    let s = &bundle.signature;
    let key = authority
        .manifest()
        .key(&h.from, &s.key_id, h.created)
        .map_err(|e| refused(format!("signer: {e}")))?;
    let alg: Alg = s
        .alg
        .parse()
        .map_err(|e| refused(format!("signature algorithm: {e}")))?;
    if key.alg != alg {
        return Err(refused(format!(
            "signed with {alg}, but key {} is {}",
            key.key_id, key.alg
        )));
    }
    let sig = B64
        .decode(&s.sig)
        .map_err(|e| refused(format!("signature is not base64: {e}")))?;
    let verifying = key
        .verifying_key()
        .map_err(|e| refused(format!("signer's key: {e}")))?;
    if !verifying.verify(&signed_bytes(h, &bundle.records)?, &sig) {
        return Err(refused(format!(
            "the signature of {} does not match the content (altered after export?)",
            h.from
        )));
    }
    Ok(source)
}

/// Admits `bundle` as a push (from a child) or a pull (from the parent)
/// would, commits the receiver's cursors and trims the outbox for the
/// sender by its acks. Refused whole unless [`check`] passes.
pub async fn import(engine: &Engine, bundle: Bundle) -> Result<Imported, BundleError> {
    let source = check(engine, &bundle)?;
    let h = &bundle.header;
    let peer = &h.from;
    if source == Source::Parent {
        engine.learn_ancestors(&h.ancestors).await?;
    }
    let batch = admit_batch(engine, peer, &source, &bundle.records);
    let cursors = h
        .cursors
        .iter()
        .filter(|c| c.pos.generation == h.generation)
        .map(|c| (c.lane, c.pos.clone()))
        .collect();
    let applied = engine
        .commit(Commit {
            from: Some(peer.clone()),
            items: batch.admitted,
            cursors,
            quarantine: batch.quarantine,
        })
        .await?
        .applied;
    let store = engine.store();
    let mut acks = Vec::new();
    for a in &h.acks {
        if a.pos.generation == store.generation() && a.pos.seq > store.acked(peer, a.lane).await? {
            acks.push((a.lane, a.pos.seq));
        }
    }
    if !acks.is_empty() {
        engine.ack(peer, &acks).await?;
    }
    let stored = applied
        .iter()
        .filter(|a| matches!(a, Applied::Stored { .. }))
        .count();
    Ok(Imported {
        from: peer.to_string(),
        stored,
        unchanged: applied.len() - stored,
        refused: batch.refused,
    })
}
