//! What an operator submits and why a submit is refused: the request, the
//! record it stored, and the error. Below both the workflow rules, which
//! check and fill a request, and the engine, which commits it; the engine
//! re-exports these under its own path.

use serde::Deserialize;
use uuid::Uuid;

use crate::records::{Classification, Kind, Record};
use crate::store::StoreError;

/// What an operator submits: the body plus optional envelope fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    pub kind: Kind,
    /// Supplying an id makes the submit idempotent; resubmitting a changed
    /// body under the same id writes a new version.
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub round_id: Option<String>,
    #[serde(default)]
    pub classification: Option<Classification>,
    pub body: serde_json::Value,
}

/// A record as stored by a submit, with its stored JSON (what the API
/// answers, so a bulk submit is not serialised again).
#[derive(Debug)]
pub struct Submitted {
    pub record: Record,
    pub doc: String,
}

/// Why a local submit was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Invalid(String),
    #[error("record {id} belongs to {origin}; only its origin may change it")]
    NotOwner { id: Uuid, origin: String },
    #[error(
        "本办公室的存储刚从备份恢复，正在从上级取回本办公室写过的记录，完成前不能写入 (recovering this office's records from its parent after a restore; writes resume once the parent answers)"
    )]
    Recovering,
    #[error("record {0} changed concurrently; submit again")]
    Conflict(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}
