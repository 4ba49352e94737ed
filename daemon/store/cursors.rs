//! Receiver cursors: how far this node has received each peer's log, per
//! lane, and the change-log entries a peer's position is checked against.
//! Cursors are written with the records they cover, in group commits
//! (`statements::SAVE_CURSOR`); this reads them back.

use super::Store;
use super::error::{StoreError, col, sql};
use super::types::{Change, CursorPos};
use crate::node::NodeId;
use crate::records::Lane;

impl Store {
    /// This node's receiver cursor into `peer`'s log for `lane`.
    pub async fn cursor(&self, peer: &NodeId, lane: Lane) -> Result<Option<CursorPos>, StoreError> {
        let row =
            sqlx::query("SELECT generation, seq, chain FROM cursors WHERE peer = $1 AND lane = $2")
                .bind(peer.as_str())
                .bind(lane.as_i64())
                .fetch_optional(self.pool())
                .await
                .map_err(sql("reading cursor"))?;
        row.map(|r| {
            Ok(CursorPos {
                generation: col(&r, "generation")?,
                seq: col(&r, "seq")?,
                chain: col(&r, "chain")?,
            })
        })
        .transpose()
    }

    /// The change at `seq` in this node's log.
    pub async fn change_at(&self, seq: i64) -> Result<Option<Change>, StoreError> {
        let row = sqlx::query("SELECT record_id, version, chain FROM changes WHERE seq = $1")
            .bind(seq)
            .fetch_optional(self.pool())
            .await
            .map_err(sql("reading change"))?;
        row.map(|r| {
            Ok(Change {
                record_id: col(&r, "record_id")?,
                version: col(&r, "version")?,
                chain: col(&r, "chain")?,
            })
        })
        .transpose()
    }
}
