//! Versioned wire types of the peer protocol (HTTPS, JSON bodies).
//!
//! Every request carries [`PROTOCOL_HEADER`]; a server that cannot speak the
//! client's version answers [`ProtocolMismatch`] with HTTP 426 saying which
//! versions each side supports, so offices upgraded on different days get a
//! clear message instead of a parse error. A child starts at
//! [`PROTOCOL_VERSION`] and, refused so, speaks the highest version both
//! sides speak ([`negotiate`]); a parent accepts every version from
//! [`MIN_PROTOCOL_VERSION`] up. A refused request answers
//! [`ErrorBody`] with a [`Reason`] code.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use crate::engine::{Ancestor, Reason};
use crate::node::{Level, NodeId};
use crate::records::Lane;
use crate::store::{CursorPos, TopologyEntry};
use crate::trust::SignedManifest;

/// The newest protocol this build speaks. 2: protocol 1 plus
/// [`PATH_RECOVER`] (a restored child takes its records back); the bodies
/// of hello, push and pull are protocol 1's.
pub const PROTOCOL_VERSION: u32 = 2;
/// The oldest protocol this build still accepts and speaks: a parent
/// serves children of the previous release; a child speaks the previous
/// release's protocol to a parent that runs it ([`negotiate`]).
pub const MIN_PROTOCOL_VERSION: u32 = 1;
/// The first protocol with [`PATH_RECOVER`].
pub const RECOVER_SINCE: u32 = 2;
/// Request and response header carrying the protocol version.
pub const PROTOCOL_HEADER: &str = "x-xunlian-protocol";
/// The software version of this build, for peers' link reports.
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

pub const PATH_HEALTH: &str = "/peer/v1/health";
pub const PATH_PUSH: &str = "/peer/v1/push";
pub const PATH_PULL: &str = "/peer/v1/pull";
pub const PATH_RECOVER: &str = "/peer/v1/recover";

/// Bodies larger than this are gzip-compressed on the wire (large
/// backlogs); small ones are not worth the CPU. Both sides use it.
pub const COMPRESS_ABOVE: u16 = 16 * 1024;

/// A cursor into the sender's change log for one lane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneCursor {
    pub lane: Lane,
    #[serde(flatten)]
    pub pos: CursorPos,
}

/// The limits a parent enforces, so the child sizes its batches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Limits {
    pub max_record_bytes: usize,
    pub max_batch_records: usize,
    pub max_batch_bytes: usize,
}

/// `POST /peer/v1/health`: a child opens a session and reports itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct HelloRequest {
    pub node: NodeId,
    pub level: Level,
    pub name: String,
    pub software_version: String,
    /// The child's store generation, for the parent's link report.
    pub generation: String,
    /// Every office below the child, as it knows them.
    pub subtree: Vec<TopologyEntry>,
    /// The version of the tree manifest the child holds (0: none, or an
    /// older child that does not say).
    #[serde(default)]
    pub manifest_version: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HelloResponse {
    pub node: NodeId,
    pub level: Level,
    pub name: String,
    pub software_version: String,
    pub generation: String,
    /// The parent and every office above it, nearest first.
    pub ancestors: Vec<Ancestor>,
    /// How far the parent has received the child's log, per lane.
    pub cursors: Vec<LaneCursor>,
    pub limits: Limits,
    /// The parent's tree manifest, signed by the CA, when the child's is
    /// older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<SignedManifest>,
}

/// One record in a push or pull, with its position in the sender's log.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireItem {
    pub lane: Lane,
    pub seq: i64,
    /// The change at `seq`: the record's id and version, and the sender's
    /// chain hash there (what the receiver's cursor will hold).
    pub id: String,
    pub version: i64,
    pub chain: String,
    pub record: Box<RawValue>,
}

/// A record the receiver refused, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refused {
    pub seq: i64,
    pub id: String,
    pub reason: String,
    /// The refusal's code; a `signature` refusal makes the sender check
    /// its own copy (absent from older peers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Reason>,
}

/// `POST /peer/v1/push`: a child sends records up.
#[derive(Debug, Serialize, Deserialize)]
pub struct PushRequest {
    /// The generation of the child's log the seqs belong to.
    pub generation: String,
    /// Hash of the child's subtree; if it differs from what the child last
    /// announced, the parent answers 409 `topology_stale` and the child
    /// says hello again before pushing.
    pub subtree_hash: String,
    pub records: Vec<WireItem>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PushResponse {
    /// The parent's cursors into the child's log after the commit.
    pub cursors: Vec<LaneCursor>,
    pub stored: usize,
    pub unchanged: usize,
    pub refused: Vec<Refused>,
}

/// `POST /peer/v1/pull`: a child asks for what is queued for it.
#[derive(Debug, Serialize, Deserialize)]
pub struct PullRequest {
    /// How far the child has received the parent's log, per lane.
    pub cursors: Vec<LaneCursor>,
    /// How long the parent may hold the request open when nothing waits.
    pub wait_ms: u64,
    pub max_records: usize,
    pub max_bytes: usize,
    /// Records of earlier pulls the child refused, so the parent can log them.
    #[serde(default)]
    pub refused: Vec<Refused>,
    /// Records the child wants sent again: its copies were altered in its
    /// store (see `engine::resend`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resend: Vec<uuid::Uuid>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PullResponse {
    pub generation: String,
    /// The parent and every office above it, nearest first, as the parent
    /// knows them now (it may have learned them after our hello).
    pub ancestors: Vec<Ancestor>,
    pub records: Vec<WireItem>,
    /// Where the child's cursors stand after applying this response.
    pub cursors: Vec<LaneCursor>,
    /// Records the parent wants sent again: its copies were altered in its
    /// store (see `engine::resend`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resend: Vec<uuid::Uuid>,
}

/// `POST /peer/v1/recover`: a child whose store was restored from a
/// backup asks for the records it wrote that the parent holds, by id,
/// page by page (see `engine::recovery`).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoverRequest {
    /// The last id of the previous page (None: from the first).
    #[serde(default)]
    pub after: Option<String>,
    pub max_records: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RecoverResponse {
    pub records: Vec<RecoveredItem>,
    /// No records of the child's after these.
    pub done: bool,
}

/// One record the parent gives back to the office that wrote it.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoveredItem {
    pub id: String,
    pub version: i64,
    pub record: Box<RawValue>,
}

/// The body of every refused peer request.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub reason: Reason,
    pub message: String,
    /// With a `tree` refusal of a hello from a child whose tree manifest
    /// is older: the newer one, so the child can take it and say hello
    /// again under it (older children ignore it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<SignedManifest>,
}

/// Sent with HTTP 426 when the protocol versions do not overlap.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProtocolMismatch {
    /// Always [`Reason::Protocol`].
    pub reason: Reason,
    pub message: String,
    pub server_protocol: u32,
    pub server_min_protocol: u32,
    pub server_software: String,
}

/// The protocol a child speaks next after the parent refused `tried` with
/// `refusal`: the highest both speak, if below `tried` (None: no common
/// one, or nothing to change).
pub fn negotiate(refusal: &ProtocolMismatch, tried: u32) -> Option<u32> {
    let common = refusal.server_protocol.min(PROTOCOL_VERSION);
    (common < tried && common >= MIN_PROTOCOL_VERSION.max(refusal.server_min_protocol))
        .then_some(common)
}

/// Explains a protocol mismatch from the side that detected it.
pub fn mismatch_message(theirs: u32, who: &str) -> String {
    if theirs > PROTOCOL_VERSION {
        format!(
            "{who} speaks protocol {theirs}, newer than this node's {PROTOCOL_VERSION} (xunlian {SOFTWARE_VERSION}): upgrade this node"
        )
    } else {
        format!(
            "{who} speaks protocol {theirs}, older than the oldest this node accepts ({MIN_PROTOCOL_VERSION}, xunlian {SOFTWARE_VERSION}): upgrade {who}"
        )
    }
}
