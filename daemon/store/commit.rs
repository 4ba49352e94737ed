//! The write path: applying records with their outbox rows, cursors and
//! quarantine entries, in group commits.
//!
//! Writers that arrive while a transaction runs share the next one. A
//! parent with thousands of children, each pushing a few records, would
//! otherwise pay one synced transaction per push and top out at the disk's
//! sync rate; grouped, it pays one per group. Each group runs in a task of
//! its own, so a writer whose future is dropped (a peer hung up mid-request)
//! neither aborts the others' transaction nor leaves one committed but
//! untold to the outbox tails. When a group fails, its members are retried
//! one by one, so one member's fault is reported to that member alone.
//!
//! This is the coordinator: it queues writers (`group::Queue`), forms the
//! groups and picks the writer (`group::Committer`). What a group writes is
//! worked out by `plan`; SQLite executes it on its own write connection
//! (`lite`, on a blocking thread), PostgreSQL with `COPY` on a connection
//! of its own (`pg`).

use tokio::sync::oneshot;

use super::Store;
use super::error::StoreError;
use super::group::{Committer, Waiting};
use super::types::{Applied, Commit, Committed};

impl Store {
    /// Applies `c` in the next group commit: its records, the receiver
    /// cursors that cover them and the quarantine entries of the same
    /// batch become durable together, or not at all.
    ///
    /// A record is stored when it is new here or newer than the version
    /// held; each stored version gets the next seq of the change log. The
    /// work is a handful of multi-row statements whatever the group's size
    /// (see `bulk`).
    pub async fn commit(&self, c: Commit) -> Result<Committed, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner.queue.push(Waiting { commit: c, reply });
        let store = self.clone();
        tokio::spawn(async move { store.run_group().await });
        answer.await.unwrap_or(Err(StoreError::Interrupted))
    }

    /// Takes the write lock and commits everything waiting by then.
    async fn run_group(&self) {
        let _w = self.inner.write.lock().await;
        let group = self.inner.queue.take();
        if group.is_empty() {
            return; // An earlier group took this writer's commit.
        }
        let (commits, replies): (Vec<Commit>, Vec<_>) =
            group.into_iter().map(|w| (w.commit, w.reply)).unzip();
        let (commits, outcome) = self.apply(commits).await;
        if let Err(e) = &outcome
            && commits.len() > 1
        {
            tracing::warn!(
                message = "A group commit failed; committing its members one by one.",
                members = commits.len(),
                error = %e
            );
            for (c, reply) in commits.into_iter().zip(replies) {
                let (mut one, applied) = self.apply(vec![c]).await;
                if let Some(c) = one.pop() {
                    let _ = reply.send(applied.map(|mut a| Committed {
                        items: c.items,
                        applied: a.remove(0),
                    }));
                }
            }
            return;
        }
        match outcome {
            Ok(applied) => {
                for ((c, a), reply) in commits.into_iter().zip(applied).zip(replies) {
                    let _ = reply.send(Ok(Committed {
                        items: c.items,
                        applied: a,
                    }));
                }
            }
            Err(e) => {
                // One member (or none handed back: the others' replies
                // drop, which reads as interrupted).
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }

    /// One transaction for `group`; the caller holds the write lock.
    /// Returns the group with, per commit, what happened to each of its
    /// items; the group comes back empty only if the runtime shut down
    /// under a SQLite commit.
    async fn apply(
        &self,
        group: Vec<Commit>,
    ) -> (Vec<Commit>, Result<Vec<Vec<Applied>>, StoreError>) {
        let (tails, counts) = (&self.inner.tails, &self.inner.counts);
        let lite = match &self.inner.committer {
            Committer::Pg(pg) => {
                let outcome = pg.apply(&group, tails, counts).await;
                return (group, outcome);
            }
            Committer::Lite(lite) => lite.clone(),
        };
        let store = self.clone();
        let blocking = tokio::task::spawn_blocking(move || {
            let outcome = lite.apply(&group, &store.inner.tails, &store.inner.counts);
            (group, outcome)
        });
        match blocking.await {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => (Vec::new(), Err(StoreError::Interrupted)),
        }
    }
}
