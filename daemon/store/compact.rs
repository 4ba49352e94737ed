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
//! re-sends join on it); every entry still queued on a link (sent or not,
//! its receiver may name it when it reconnects); the entry at every
//! position a receiver confirmed (`acked`); parked entries. So any position
//! a receiver can name in this log's history is either still there, to be
//! checked against its chain hash, or at or below what that receiver
//! confirmed (it went back in time itself) - see [`Store::holds_position`].
//! A store restored from a backup is still detected: a position it cannot
//! find above what the receiver confirmed is not its history.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Store;
use super::checkpoint::ROW_BYTES;
use super::error::{StoreError, sql};
use super::types::CursorPos;

/// Log entries looked at per transaction, at least: short, so writers are
/// held up for milliseconds at a time.
const MIN_WINDOW: i64 = 5000;

/// At most: a window reads the whole outbox once (it has no index by seq),
/// so with a large backlog windows grow to its size, to read it a bounded
/// number of times per pass.
const MAX_WINDOW: i64 = 1_000_000;

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
    /// module doc), one statement per window of `MIN_WINDOW` entries or
    /// more (see `MAX_WINDOW`).
    pub async fn compact_log(&self) -> Result<Compacted, StoreError> {
        let end: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM changes")
                .fetch_one(self.pool())
                .await
                .map_err(sql("reading the log's end"))?;
        let queued: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox")
            .fetch_one(self.pool())
            .await
            .map_err(sql("counting the outbox"))?;
        let window = queued.clamp(MIN_WINDOW, MAX_WINDOW);
        let through = end - 1;
        let mut done = Compacted::default();
        let mut lo = 0i64;
        while lo < through {
            // The window's upper end: `window` entries on, or the pass's end.
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM changes WHERE seq > $1 ORDER BY seq LIMIT 1 OFFSET $2",
            )
            .bind(lo)
            .bind(window - 1)
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

    /// One statement: deletes the removable entries in `(lo, hi]`.
    async fn compact_window(&self, lo: i64, hi: i64) -> Result<u64, StoreError> {
        let _w = self.inner.write.lock().await;
        let removed = sqlx::query(
            "DELETE FROM changes WHERE seq > $1 AND seq <= $2
               AND NOT EXISTS (SELECT 1 FROM records r WHERE r.seq = changes.seq)
               AND seq NOT IN (SELECT seq FROM outbox WHERE seq > $1 AND seq <= $2)
               AND seq NOT IN (SELECT seq FROM acked)
               AND seq NOT IN (SELECT seq FROM parked)",
        )
        .bind(lo)
        .bind(hi)
        .execute(&self.inner.writer)
        .await
        .map_err(sql("compacting the log"))?
        .rows_affected();
        self.inner.committer.wrote(removed * ROW_BYTES);
        Ok(removed)
    }

    /// True when `pos` names a position of this node's log, given that its
    /// receiver confirmed this log up to `confirmed`: the entry at its seq
    /// has its chain hash, or the entry is gone (compacted) and lies within
    /// what the receiver confirmed. False when this log has no such
    /// position: the store went back in time since the receiver saw it.
    pub async fn holds_position(
        &self,
        pos: &CursorPos,
        confirmed: i64,
    ) -> Result<bool, StoreError> {
        Ok(match self.change_at(pos.seq).await? {
            Some(change) => change.chain == pos.chain,
            None => pos.seq <= confirmed,
        })
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
