//! What the store holds for its group commits: the writers waiting for
//! the next group ([`Queue`]) and the connection groups run on
//! ([`Committer`]: SQLite's writer or PostgreSQL's). `commit` runs the
//! groups; this is only their state, so the store handle can hold it
//! without depending on the coordinator.

use tokio::sync::oneshot;

use super::error::StoreError;
use super::lite::LiteWriter;
use super::pg::PgWriter;
use super::types::{Commit, Committed};

/// Writers waiting for the next group.
#[derive(Default)]
pub(super) struct Queue {
    /// A std lock: never held across an await.
    waiting: std::sync::Mutex<Vec<Waiting>>,
}

/// One writer waiting: its commit, and where to send what became of it.
pub(super) struct Waiting {
    pub commit: Commit,
    pub reply: oneshot::Sender<Result<Committed, StoreError>>,
}

impl Queue {
    /// Adds a writer to the next group.
    pub fn push(&self, waiting: Waiting) {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(waiting);
    }

    /// Every writer waiting now, as one group.
    pub fn take(&self) -> Vec<Waiting> {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Where a store's group commits run: SQLite on a blocking thread through
/// its own binding (`lite`), PostgreSQL with `COPY` on sqlx's native
/// driver (`pg`).
pub(super) enum Committer {
    Lite(std::sync::Arc<LiteWriter>),
    Pg(PgWriter),
}

impl Committer {
    /// Counts `bytes` a write outside the group commits (a trim, a
    /// compaction) added to SQLite's log, towards its next checkpoint.
    pub fn wrote(&self, bytes: u64) {
        if let Committer::Lite(lite) = self {
            lite.wrote(bytes);
        }
    }

    pub async fn close(&self) {
        match self {
            Committer::Lite(lite) => lite.close(),
            Committer::Pg(pg) => pg.close().await,
        }
    }
}
