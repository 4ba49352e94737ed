//! The quarantine: refused records kept for operators, cut to size, stored
//! (with a batch's records in its group commit, or on their own), listed,
//! looked up by id, and settled by an operator: removed (re-admitted or
//! discarded) or kept with the reason a retry was refused again.

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
        self.quarantine_rows(
            "SELECT id, at, peer, record_id, kind, code, reason, raw FROM quarantine ORDER BY id DESC LIMIT $1",
            limit,
        )
        .await
    }

    /// The entries of `ids` that exist, in the order asked.
    pub async fn quarantine_get(&self, ids: &[i64]) -> Result<Vec<QuarantineEntry>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(
                self.quarantine_rows(
                    "SELECT id, at, peer, record_id, kind, code, reason, raw FROM quarantine WHERE id = $1",
                    *id,
                )
                .await?,
            );
        }
        Ok(out)
    }

    /// The entries `statement` selects, given its one argument.
    async fn quarantine_rows(
        &self,
        statement: &'static str,
        arg: i64,
    ) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query(statement)
            .bind(arg)
            .fetch_all(self.pool())
            .await
            .map_err(sql("reading quarantine"))?;
        rows.iter().map(entry).collect()
    }

    /// Removes the entries `ids` (re-admitted or discarded) in one
    /// transaction; returns how many there were.
    pub async fn quarantine_remove(&self, ids: &[i64]) -> Result<u64, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning quarantine removal"))?;
        let mut removed = 0;
        for id in ids {
            removed += sqlx::query("DELETE FROM quarantine WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(sql("removing from quarantine"))?
                .rows_affected();
        }
        tx.commit()
            .await
            .map_err(sql("committing quarantine removal"))?;
        Ok(removed)
    }

    /// Keeps entry `id` with the code and reason its retry was refused for.
    pub async fn quarantine_refused_again(
        &self,
        id: i64,
        code: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        sqlx::query("UPDATE quarantine SET code = $1, reason = $2 WHERE id = $3")
            .bind(code)
            .bind(reason)
            .bind(id)
            .execute(&self.inner.writer)
            .await
            .map_err(sql("updating quarantine"))?;
        Ok(())
    }
}

/// One row of `SELECT id, at, peer, record_id, kind, code, reason, raw`.
fn entry(r: &sqlx::any::AnyRow) -> Result<QuarantineEntry, StoreError> {
    Ok(QuarantineEntry {
        id: col(r, "id")?,
        at: col(r, "at")?,
        peer: col(r, "peer")?,
        record_id: col(r, "record_id")?,
        kind: col(r, "kind")?,
        code: col(r, "code")?,
        reason: col(r, "reason")?,
        raw: col(r, "raw")?,
    })
}

impl QuarantineEntry {
    /// A new entry, refused for `code` (as on the wire) and `reason`;
    /// `raw` is cut to 64 KiB so a huge refused batch cannot fill the disk
    /// through the quarantine.
    pub fn new(peer: Option<&NodeId>, raw: &str, code: &str, reason: String) -> Self {
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
            code: Some(code.to_string()),
            reason,
            raw: raw[..end].to_string(),
        }
    }
}
