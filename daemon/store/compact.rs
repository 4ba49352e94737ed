//! Compaction of the change log: entries whose record has a newer version
//! here are deleted once nothing can still ask for them.
//!
//! Why: every stored version appends to the log, and health alone is a new
//! version from every office at every rollup (once a minute by default), so
//! a central store would gain millions of log rows a day that nobody reads.
//! The records table keeps only the newest version of each record anyway.
//!
//! What stays: the log's last entry (the next append chains on it); every
//! entry that is the current version of its record (outbox reads and
//! re-sends join on it); the entry at every position a receiver confirmed
//! (`acked`), so the usual reconnect still checks the receiver's cursor
//! against the chain hash; parked entries.
//!
//! A receiver may still hold a cursor at a deleted entry (it passed a
//! superseded version). The store remembers how far compaction has gone
//! (`meta.compacted_through`): a cursor at or below it that points at no
//! entry names a position this log had, in this generation, and is taken
//! as it is (see [`Store::holds_position`]). A store restored from a backup
//! brings the backup's mark, so a cursor into history the backup never saw
//! is still refused.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::links::CursorPos;
use super::{Store, StoreError, sql};

/// Log entries looked at per transaction: short, so writers are held up
/// for milliseconds at a time.
const WINDOW: i64 = 5000;

/// What one compaction pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// Entries deleted.
    pub removed: u64,
    /// Highest seq the pass covered (the log's end when it began, minus one).
    pub through: i64,
}

impl Store {
    /// Deletes superseded log entries nobody can still ask for (see the
    /// module doc), in short transactions of at most [`WINDOW`] entries.
    pub async fn compact_log(&self) -> Result<Compacted, StoreError> {
        let end: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM changes")
                .fetch_one(self.pool())
                .await
                .map_err(sql("reading the log's end"))?;
        let through = end - 1;
        let mut done = Compacted::default();
        let mut lo = 0i64;
        while lo < through {
            // The window's upper end: WINDOW entries on, or the pass's end.
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM changes WHERE seq > $1 ORDER BY seq LIMIT 1 OFFSET $2",
            )
            .bind(lo)
            .bind(WINDOW - 1)
            .fetch_optional(self.pool())
            .await
            .map_err(sql("reading the log"))?;
            let hi = next.map_or(through, |s| s.min(through));
            done.removed += self.compact_window(lo, hi).await?;
            lo = hi;
        }
        done.through = through.max(0);
        Ok(done)
    }

    /// One transaction: deletes the removable entries in `(lo, hi]` and
    /// raises the compaction mark to `hi`.
    async fn compact_window(&self, lo: i64, hi: i64) -> Result<u64, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning compaction"))?;
        let removed = sqlx::query(
            "DELETE FROM changes WHERE seq > $1 AND seq <= $2
               AND NOT EXISTS (SELECT 1 FROM records r WHERE r.seq = changes.seq)
               AND seq NOT IN (SELECT seq FROM acked)
               AND seq NOT IN (SELECT seq FROM parked)",
        )
        .bind(lo)
        .bind(hi)
        .execute(&mut *tx)
        .await
        .map_err(sql("compacting the log"))?
        .rows_affected();
        // The mark only rises: an earlier pass may have gone further.
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('compacted_through', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)",
        )
        .bind(hi.to_string())
        .execute(&mut *tx)
        .await
        .map_err(sql("recording compaction"))?;
        tx.commit().await.map_err(sql("committing compaction"))?;
        Ok(removed)
    }

    /// True when `pos` names a position of this node's log: the entry at
    /// its seq has its chain hash, or the entry was compacted away (at or
    /// below the compaction mark). False when this log has no such
    /// position: the store went back in time since the peer saw it.
    pub async fn holds_position(&self, pos: &CursorPos) -> Result<bool, StoreError> {
        if let Some(change) = self.change_at(pos.seq).await? {
            return Ok(change.chain == pos.chain);
        }
        let mark: Option<String> = self.meta_get("compacted_through").await?;
        Ok(mark
            .and_then(|m| m.parse::<i64>().ok())
            .is_some_and(|m| pos.seq <= m))
    }
}

/// Compacts `store`'s change log every `every` until `stop`, logging what
/// each pass removed.
pub async fn run_compaction(store: Store, every: Duration, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let started = Instant::now();
        match store.compact_log().await {
            Ok(c) if c.removed > 0 => info!(
                message = "Compacted the change log: deleted entries of superseded versions.",
                removed = c.removed,
                through_seq = c.through,
                took_ms = started.elapsed().as_millis() as u64
            ),
            Ok(_) => {}
            Err(e) => warn!(
                message = "Compacting the change log failed; the log keeps growing until a later pass succeeds.",
                error = %e
            ),
        }
    }
}
