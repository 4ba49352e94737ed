//! SQLite's WAL checkpoints, off the commit path.
//!
//! A checkpoint copies the pages the write-ahead log holds back into the
//! database file. Left to SQLite (`wal_autocheckpoint`), the commit that
//! takes the log past 1,000 pages does it before it returns: about a third
//! of a group commit's time on a hop, all of it while the store's write
//! lock is held and the pushing child waits for its answer. Here every
//! store connection has automatic checkpoints off; writers tell
//! [`Checkpointer`] about how much they wrote, and once that passes
//! [`CHECKPOINT_BYTES`] a passive checkpoint runs on one of the store's
//! read connections (its own thread), copying what no reader still needs
//! while the writer goes on. If the log still holds more than
//! [`RESTART_BYTES`] after one (a writer that never paused), the next
//! checkpoint waits for the writer and makes the log start over, so it
//! cannot grow without bound.
//!
//! Writers outside `lite` (acks, compaction) count what they wrote in
//! [`ROW_BYTES`] per row.
//!
//! Durability is unchanged: a commit is durable once its log frames are
//! synced (`synchronous = FULL`), whoever checkpoints them later.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sqlx::{AnyPool, Row};

/// Bytes written since the last checkpoint that start the next: about
/// SQLite's default of 1,000 pages.
pub(super) const CHECKPOINT_BYTES: u64 = 4 << 20;

/// What a record adds to the log besides its document: its other columns,
/// its index entries, change-log and outbox rows, and page overhead; also
/// what deleting a row costs, counted the same.
pub(super) const ROW_BYTES: u64 = 256;

/// A log still this large after a passive checkpoint is restarted.
const RESTART_BYTES: i64 = 64 << 20;

/// Starts a store's checkpoints as its writers write.
pub(super) struct Checkpointer {
    pool: AnyPool,
    runtime: tokio::runtime::Handle,
    /// Bytes written since the last checkpoint started.
    written: AtomicU64,
    /// One checkpoint at a time.
    running: Arc<AtomicBool>,
    /// The next checkpoint restarts the log.
    restart: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Checkpoints on `pool`'s connections, as tasks of the current
    /// runtime.
    pub fn new(pool: AnyPool) -> Checkpointer {
        Checkpointer {
            pool,
            runtime: tokio::runtime::Handle::current(),
            written: AtomicU64::new(0),
            running: Arc::new(AtomicBool::new(false)),
            restart: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Counts `bytes` written to the log (about: documents and a little per
    /// row), and starts a checkpoint once they add up to
    /// [`CHECKPOINT_BYTES`] and none is running. Any thread may call it.
    pub fn wrote(&self, bytes: u64) {
        let total = self.written.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total < CHECKPOINT_BYTES || self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.written.store(0, Ordering::Relaxed);
        let (pool, running, restart) = (
            self.pool.clone(),
            self.running.clone(),
            self.restart.clone(),
        );
        self.runtime.spawn(async move {
            checkpoint(&pool, &restart).await;
            running.store(false, Ordering::Release);
        });
    }
}

/// One checkpoint: passive, or a restart of the log when the last passive
/// one left it over [`RESTART_BYTES`].
async fn checkpoint(pool: &AnyPool, restart: &AtomicBool) {
    let restarting = restart.swap(false, Ordering::AcqRel);
    let pragma = if restarting {
        "PRAGMA wal_checkpoint(RESTART)"
    } else {
        "PRAGMA wal_checkpoint(PASSIVE)"
    };
    // Answers (busy, pages in the log, pages checkpointed).
    match sqlx::query(pragma).fetch_one(pool).await {
        Ok(row) => {
            let pages: i64 = row.try_get(1).unwrap_or(0);
            let large = pages * super::sqlite::PAGE_SIZE as i64 > RESTART_BYTES;
            restart.store(large && !restarting, Ordering::Release);
        }
        // The store is closing: its last connection checkpoints on close.
        Err(sqlx::Error::PoolClosed) => {}
        Err(e) => tracing::warn!(
            message = "WAL checkpoint failed; the next writes start another.",
            pragma,
            error = %e
        ),
    }
}
