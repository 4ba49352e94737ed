//! The quarantine: refused records kept for operators, cut to size, stored
//! (with a batch's records in its group commit, or on their own) and
//! listed.

use super::Store;
use super::error::{StoreError, col, sql};
use super::types::{Commit, QuarantineEntry, now_ms};
use crate::node::NodeId;

impl Store {
    /// Stores a refusal on its own (outside a record batch).
    pub async fn quarantine(&self, q: &QuarantineEntry) -> Result<(), StoreError> {
        self.commit(Commit {
            quarantine: vec![q.clone()],
            ..Commit::default()
        })
        .await?;
        Ok(())
    }

    /// How many records are in quarantine.
    pub async fn quarantine_count(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM quarantine")
            .fetch_one(self.pool())
            .await
            .map_err(sql("counting quarantine"))
    }

    /// The newest `limit` quarantine entries.
    pub async fn quarantine_list(&self, limit: i64) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, peer, record_id, kind, reason, raw FROM quarantine ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("listing quarantine"))?;
        rows.iter()
            .map(|r| {
                Ok(QuarantineEntry {
                    id: col(r, "id")?,
                    at: col(r, "at")?,
                    peer: col(r, "peer")?,
                    record_id: col(r, "record_id")?,
                    kind: col(r, "kind")?,
                    reason: col(r, "reason")?,
                    raw: col(r, "raw")?,
                })
            })
            .collect()
    }
}

impl QuarantineEntry {
    /// A new entry; `raw` is cut to 64 KiB so a huge refused batch cannot
    /// fill the disk through the quarantine.
    pub fn new(peer: Option<&NodeId>, raw: &str, reason: String) -> Self {
        const MAX_RAW: usize = 64 * 1024;
        let mut end = raw.len().min(MAX_RAW);
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        let probe: Option<serde_json::Value> = serde_json::from_str(raw).ok();
        let field = |name: &str| {
            probe
                .as_ref()
                .and_then(|v| v.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        QuarantineEntry {
            id: 0,
            at: now_ms(),
            peer: peer.map(|p| p.to_string()),
            record_id: field("id"),
            kind: field("kind"),
            reason,
            raw: raw[..end].to_string(),
        }
    }
}
