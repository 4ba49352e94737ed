//! Operators settle the quarantine: [`Engine::retry_quarantined`] runs a
//! refused record through exactly the checks it failed ([`Engine::admit`]
//! as from the peer that sent it) and, if it passes, the normal commit
//! path, so it is routed and forwarded like any record;
//! [`Engine::discard_quarantined`] drops entries. Both refuse the whole
//! request, changing nothing, when an id names no entry.
//!
//! A re-admitted record is committed first and its entry removed after:
//! a crash in between leaves the entry behind, and retrying it again finds
//! the record held (unchanged) and removes it. Nothing is lost either way.

use serde::Serialize;

use super::{Engine, Reason, Rejection};
use crate::node::NodeId;
use crate::routing::Source;
use crate::store::{Commit, QuarantineEntry, StoreError};

/// How many quarantine entries a tree change retries at most.
const RETRY_AFTER_TREE_CHANGE: i64 = 10_000;

/// What a retry did with one quarantine entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retried {
    /// The quarantine entry.
    pub id: i64,
    pub record_id: Option<String>,
    /// Re-admitted and committed (or that version, or a newer one, was
    /// already held): the
    /// entry left the quarantine.
    pub admitted: bool,
    /// When refused again: the code and the reason, now the entry's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why an operator's action on the quarantine did nothing.
#[derive(Debug, thiserror::Error)]
pub enum QuarantineError {
    #[error("no ids given")]
    NoIds,
    #[error("{}; nothing was changed", unknown_ids(.0))]
    Unknown(Vec<i64>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn unknown_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("no quarantine entry {id}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Engine {
    /// Retries the entries `ids`: each one admitted as from the peer that
    /// sent it leaves the quarantine once committed; each one refused
    /// again stays, with the new code and reason.
    pub async fn retry_quarantined(&self, ids: &[i64]) -> Result<Vec<Retried>, QuarantineError> {
        let entries = self.quarantined(ids).await?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let admitted = self
                .source_of(&e)
                .and_then(|(peer, source)| self.admit(&source, &e.raw, None).map(|a| (peer, a)));
            let done = match admitted {
                Ok((from, item)) => {
                    self.commit(Commit {
                        from: Some(from),
                        items: vec![item],
                        ..Commit::default()
                    })
                    .await?;
                    self.store().quarantine_remove(&[e.id]).await?;
                    Retried {
                        id: e.id,
                        record_id: e.record_id,
                        admitted: true,
                        code: None,
                        reason: None,
                    }
                }
                Err(rej) => {
                    self.store()
                        .quarantine_refused_again(e.id, rej.code.as_str(), &rej.reason)
                        .await?;
                    Retried {
                        id: e.id,
                        record_id: e.record_id,
                        admitted: false,
                        code: Some(rej.code),
                        reason: Some(rej.reason),
                    }
                }
            };
            out.push(done);
        }
        Ok(out)
    }

    /// After the tree changed (a newer manifest): retries every entry
    /// refused by routing (`not_allowed`), which the new tree may allow (a
    /// successor's or a moved office's records that came while this node
    /// still held the older manifest), so none of them is lost. Those
    /// refused again stay. Returns how many left the quarantine.
    pub async fn retry_after_tree_change(&self) -> Result<usize, QuarantineError> {
        let ids: Vec<i64> = self
            .store()
            .quarantine_list(RETRY_AFTER_TREE_CHANGE)
            .await?
            .into_iter()
            .filter(|e| e.code.as_deref() == Some(Reason::NotAllowed.as_str()))
            .map(|e| e.id)
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let done = self.retry_quarantined(&ids).await?;
        let admitted = done.iter().filter(|r| r.admitted).count();
        tracing::info!(
            message = "Retried records routing refused, after the tree changed.",
            retried = done.len(),
            admitted
        );
        Ok(admitted)
    }

    /// Drops the entries `ids` from the quarantine; returns how many.
    pub async fn discard_quarantined(&self, ids: &[i64]) -> Result<u64, QuarantineError> {
        self.quarantined(ids).await?;
        Ok(self.store().quarantine_remove(ids).await?)
    }

    /// The entries `ids`, or which of them do not exist.
    async fn quarantined(&self, ids: &[i64]) -> Result<Vec<QuarantineEntry>, QuarantineError> {
        if ids.is_empty() {
            return Err(QuarantineError::NoIds);
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        let found = self.store().quarantine_get(&unique).await?;
        let unknown: Vec<i64> = unique
            .iter()
            .filter(|id| !found.iter().any(|e| e.id == **id))
            .copied()
            .collect();
        if unknown.is_empty() {
            Ok(found)
        } else {
            Err(QuarantineError::Unknown(unknown))
        }
    }

    /// The peer an entry came from and how it sent it: the parent, or a
    /// configured child. A peer that is neither any more cannot send it.
    fn source_of(&self, e: &QuarantineEntry) -> Result<(NodeId, Source), Rejection> {
        let peer = e.peer.as_deref();
        if let Some(p) = self.config.parent.as_ref().map(|p| &p.id)
            && Some(p.as_str()) == peer
        {
            return Ok((p.clone(), Source::Parent));
        }
        let children = self.with_view(|v| v.children.clone());
        if let Some(c) = children.iter().find(|c| Some(c.as_str()) == peer) {
            return Ok((c.clone(), Source::Child(c.clone())));
        }
        Err(Rejection {
            code: Reason::NotAChild,
            reason: format!(
                "{} is neither this node's parent nor one of its children",
                peer.unwrap_or("this node")
            ),
        })
    }
}
