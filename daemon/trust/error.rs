//! What can fail in the trust layer, with reasons short enough for a log
//! line or a quarantine entry: values that come from a peer are clipped
//! (`crate::clip`), never echoed whole.

use chrono::{DateTime, Utc};

use crate::node::NodeId;
use crate::records::CanonicalError;

/// A key, tree manifest or manifest signature that is not right.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("signing key {file}: {reason}")]
    Key { file: String, reason: String },
    #[error("signing with key {key_id} failed")]
    Sign { key_id: String },
    #[error("cannot sign this chunk: {0}")]
    Chunk(String),
    #[error("manifest has no canonical form: {0}")]
    Canonical(#[from] CanonicalError),
    #[error("manifest tree: {0}")]
    Tree(String),
    #[error("manifest JSON: {0}")]
    Json(String),
    #[error("CA certificate: {0}")]
    CaCert(String),
    #[error("manifest signed with {got}, but the CA certificate's key is {want}")]
    WrongCa { got: String, want: String },
    #[error("manifest signature does not verify under the CA certificate's key {key_id}")]
    BadSignature { key_id: String },
    #[error("office {0} is not in the tree manifest")]
    UnknownOffice(NodeId),
    #[error("key {key_id} is not a key of office {office} in the tree manifest")]
    KeyNotOfOffice { key_id: String, office: NodeId },
    #[error("key {key_id} is not valid at {at}")]
    KeyNotValid { key_id: String, at: DateTime<Utc> },
    #[error("manifest is for network {got:?}, this node is in {held:?}")]
    OtherNetwork { got: String, held: String },
    #[error("manifest version {got} is older than the held version {held}")]
    Stale { got: u64, held: u64 },
    #[error("manifest version {version} differs from the held manifest of the same version")]
    Conflict { version: u64 },
}

/// Why a record's signature was refused (quarantine reason `signature`).
#[derive(Debug, thiserror::Error)]
pub enum SigError {
    #[error("record is unsigned")]
    Unsigned,
    #[error("{0}")]
    Alg(String),
    #[error("{0}")]
    Key(TrustError),
    #[error("signature says {sig} but key {key_id} is a {key} key")]
    AlgMismatch {
        key_id: String,
        sig: String,
        key: String,
    },
    #[error("inclusion proof: {0}")]
    Proof(&'static str),
    #[error("record has no canonical form: {0}")]
    Canonical(String),
    #[error("chunk signature does not verify under key {key_id}")]
    BadSignature { key_id: String },
}
