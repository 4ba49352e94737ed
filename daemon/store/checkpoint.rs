//! SQLite's WAL checkpoints, on a thread and a connection of their own.
//!
//! A checkpoint copies the pages the write-ahead log holds back into the
//! database file. Left to SQLite (`wal_autocheckpoint`), the commit that
//! takes the log past 1,000 pages does it before it returns: about a third
//! of a group commit's time on a hop, all of it while the store's write
//! lock is held and the pushing child waits for its answer. Here every
//! store connection has automatic checkpoints off; the group commit tells
//! [`Checkpointer`] how much it wrote, and once that passes
//! [`CHECKPOINT_BYTES`] the checkpoint thread runs a passive checkpoint,
//! which copies what no reader still needs while the writer goes on. If a
//! log still holds more than [`RESTART_BYTES`] after one (a writer that
//! never paused), the next checkpoint waits for the writer and makes the
//! log start over, so it cannot grow without bound.
//!
//! Durability is unchanged: a commit is durable once its log frames are
//! synced (`synchronous = FULL`), whoever checkpoints them later.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::Connection;

use super::StoreError;
use super::lite::lite;

/// Bytes written since the last checkpoint that start the next: about
/// SQLite's default of 1,000 pages.
pub(super) const CHECKPOINT_BYTES: u64 = 4 << 20;

/// A log still this large after a passive checkpoint is restarted.
const RESTART_BYTES: i64 = 64 << 20;

/// The checkpoint thread of one store and what it has not checkpointed.
pub(super) struct Checkpointer {
    /// Bytes written since the last request.
    written: AtomicU64,
    /// Wakes the thread; None once closed. A std lock, never contended
    /// for long.
    wake: Mutex<Option<SyncSender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Opens a connection to the store at `path` and starts its thread.
    pub fn start(path: &Path, page_size: u64) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path).map_err(lite("opening the checkpoint connection"))?;
        conn.execute_batch("PRAGMA busy_timeout = 30000; PRAGMA wal_autocheckpoint = 0;")
            .map_err(lite("setting up the checkpoint connection"))?;
        // One request pending at most: a commit that finds one queued
        // is covered by it.
        let (wake, requests) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("xunlian-checkpoint".into())
            .spawn(move || run(conn, requests, page_size))
            .map_err(|e| StoreError::Thread {
                what: "starting the checkpoint thread",
                source: e,
            })?;
        Ok(Checkpointer {
            written: AtomicU64::new(0),
            wake: Mutex::new(Some(wake)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Counts `bytes` a commit wrote to the log, and asks for a checkpoint
    /// once they add up to [`CHECKPOINT_BYTES`].
    pub fn wrote(&self, bytes: u64) {
        let total = self.written.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total < CHECKPOINT_BYTES {
            return;
        }
        self.written.store(0, Ordering::Relaxed);
        if let Some(wake) = self.wake.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            // Full: a checkpoint is already asked for.
            let _ = wake.try_send(());
        }
    }

    /// Stops the thread (after the checkpoint it runs, if any) and closes
    /// its connection.
    pub fn close(&self) {
        self.wake.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// The checkpoint thread: one checkpoint per request until the store
/// closes.
fn run(conn: Connection, requests: Receiver<()>, page_size: u64) {
    let mut restart = false;
    while requests.recv().is_ok() {
        let mode = if restart { "RESTART" } else { "PASSIVE" };
        let pragma = format!("PRAGMA wal_checkpoint({mode})");
        // Answers (busy, frames in the log, frames checkpointed).
        match conn.query_row(&pragma, [], |r| r.get::<_, i64>(1)) {
            Ok(frames) => {
                restart = !restart && frames * page_size as i64 > RESTART_BYTES;
            }
            Err(e) => tracing::warn!(
                message = "WAL checkpoint failed; the next commit asks again.",
                mode,
                error = %e
            ),
        }
    }
}
