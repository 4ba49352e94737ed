//! The values a commit is made of and the rows the store hands back:
//! what the writers (`lite`, `pg`), the plan they execute and the outbox
//! tails share, below all of them. Data only; the operations on them live
//! with the table they concern.

use serde::{Deserialize, Serialize};

use crate::node::NodeId;
use crate::records::{Lane, Record};

/// Milliseconds since the Unix epoch, the store's time unit.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One writer's part of a group commit.
#[derive(Debug, Default)]
pub struct Commit {
    /// The peer the records came from; None when submitted here.
    pub from: Option<NodeId>,
    pub items: Vec<Incoming>,
    /// Receiver cursors into `from`'s log that cover `items`.
    pub cursors: Vec<(Lane, CursorPos)>,
    /// Records of the same batch that were refused.
    pub quarantine: Vec<QuarantineEntry>,
}

/// What a commit did, with its items handed back.
#[derive(Debug)]
pub struct Committed {
    pub items: Vec<Incoming>,
    /// Per item, in order.
    pub applied: Vec<Applied>,
}

/// A validated record on its way into the store, with the decision routing
/// made for it here.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub record: Record,
    /// The record's JSON as stored and forwarded.
    pub doc: String,
    /// Links that must carry this version onward.
    pub hops: Vec<NodeId>,
    /// Some named destination is not yet known here: route again when the
    /// topology grows.
    pub park: bool,
}

/// What applying one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new record or a newer version, now at `seq` in the change log.
    Stored { seq: i64 },
    /// The same or an older version was already here: nothing changed.
    Unchanged,
}

/// A position in a peer's change log, with the log's chain hash at that
/// position so the peer can prove it still has exactly that history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPos {
    pub generation: String,
    pub seq: i64,
    /// Hex SHA-256 chain over the log up to `seq`; empty at seq 0.
    pub chain: String,
}

/// One entry of the change log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub record_id: String,
    pub version: i64,
    pub chain: String,
}

/// A refused record as kept for operators (see `quarantine`).
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineEntry {
    /// Assigned by the store; 0 before insertion.
    pub id: i64,
    pub at: i64,
    /// The peer that sent it, or None for a local submit.
    pub peer: Option<String>,
    pub record_id: Option<String>,
    pub kind: Option<String>,
    /// The refusal's code as on the wire (`not_allowed`, `schema`, …);
    /// None for entries kept before the store had the column.
    pub code: Option<String>,
    pub reason: String,
    /// What was received, possibly truncated, for the operator to inspect.
    pub raw: String,
}

/// One outbox row to queue: (peer, lane, seq, bytes).
pub(super) type OutboxRow<'a> = (&'a str, i64, i64, i64);

/// One row of `statements::QUEUED_ROWS`: a queued seq, its record's
/// document (None once superseded) and the change-log entry at the seq.
pub(super) struct QueuedRow {
    pub seq: i64,
    pub doc: Option<String>,
    pub change: Change,
}

/// One queued record ready to send.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub lane: Lane,
    pub seq: i64,
    pub doc: String,
    /// The change-log entry at `seq` (what the receiver's cursor will hold).
    pub change: Change,
}
