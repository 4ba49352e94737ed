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

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::bulk::MultiRow;
use super::links::{Change, CursorPos, QuarantineEntry, chain_next};
use super::records::{Applied, Incoming};
use super::tail::TailRow;
use super::{Backend, Store, StoreError, col, now_ms, sql};
use crate::node::NodeId;
use crate::records::{Classification, Lane, Record};

/// One writer's part of a group commit.
#[derive(Debug, Default)]
pub struct Commit {
    /// The peer the records came from; None when submitted here.
    pub from: Option<NodeId>,
    pub items: Vec<Incoming>,
    /// Receiver cursors into `from`'s log that cover `items`.
    pub cursors: Vec<(Lane, CursorPos)>,
    /// Records of the same batch that were refused.
    pub quarantine: Vec<QuarantineEntry>,
}

/// What a commit did, with its items handed back.
#[derive(Debug)]
pub struct Committed {
    pub items: Vec<Incoming>,
    /// Per item, in order.
    pub applied: Vec<Applied>,
}

/// Writers waiting for the next group.
#[derive(Default)]
pub(super) struct Queue {
    /// A std lock: never held across an await.
    waiting: std::sync::Mutex<Vec<Waiting>>,
}

struct Waiting {
    commit: Commit,
    reply: oneshot::Sender<Result<Committed, StoreError>>,
}

/// Current versions of records, by id.
static HELD_VERSIONS: MultiRow =
    MultiRow::list("SELECT id, version FROM records WHERE id IN (", ")");
static APPEND_CHANGES: MultiRow = MultiRow::values(
    "INSERT INTO changes (seq, record_id, version, chain) VALUES ",
    4,
    "",
);
static UPSERT_RECORDS: MultiRow = MultiRow::values(
    "INSERT INTO records (id, kind, origin, version, seq, lane, round_id, classification,
         updated_at, received_at, received_from, bytes, doc) VALUES ",
    13,
    " ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq,
         round_id = excluded.round_id, classification = excluded.classification,
         updated_at = excluded.updated_at, received_at = excluded.received_at,
         received_from = excluded.received_from, bytes = excluded.bytes, doc = excluded.doc",
);
static QUEUE_OUTBOX: MultiRow = MultiRow::values(
    "INSERT INTO outbox (peer, lane, seq, bytes, queued_at) VALUES ",
    5,
    " ON CONFLICT DO NOTHING",
);
static PARK: MultiRow = MultiRow::values(
    "INSERT INTO parked (seq, links) VALUES ",
    2,
    " ON CONFLICT DO NOTHING",
);

/// One outbox row: (peer, lane, seq, bytes).
pub(super) type OutboxRow<'a> = (&'a str, i64, i64, i64);

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
        self.inner
            .queue
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Waiting { commit: c, reply });
        let store = self.clone();
        tokio::spawn(async move { store.run_group().await });
        answer.await.unwrap_or(Err(StoreError::Interrupted))
    }

    /// Takes the write lock and commits everything waiting by then.
    async fn run_group(&self) {
        let _w = self.inner.write.lock().await;
        let group = std::mem::take(
            &mut *self
                .inner
                .queue
                .waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        if group.is_empty() {
            return; // An earlier group took this writer's commit.
        }
        let (commits, replies): (Vec<Commit>, Vec<_>) =
            group.into_iter().map(|w| (w.commit, w.reply)).unzip();
        let outcome = self.apply(&commits).await;
        if let Err(e) = &outcome
            && commits.len() > 1
        {
            tracing::warn!(
                message = "A group commit failed; committing its members one by one.",
                members = commits.len(),
                error = %e
            );
            for (c, reply) in commits.into_iter().zip(replies) {
                let one = self.apply(std::slice::from_ref(&c)).await;
                let _ = reply.send(one.map(|mut a| Committed {
                    items: c.items,
                    applied: a.remove(0),
                }));
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
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }

    /// One transaction for `group`; the caller holds the write lock.
    /// Returns, per commit, what happened to each of its items.
    async fn apply(&self, group: &[Commit]) -> Result<Vec<Vec<Applied>>, StoreError> {
        let backend = self.inner.backend;
        let mut tx = self.begin_write().await.map_err(sql("beginning commit"))?;
        let now = now_ms();
        // Every item of the group, with the commit it belongs to.
        let items: Vec<(usize, &Incoming)> = group
            .iter()
            .enumerate()
            .flat_map(|(m, c)| c.items.iter().map(move |i| (m, i)))
            .collect();
        let ids: Vec<String> = items.iter().map(|(_, i)| i.record.id.to_string()).collect();
        let mut held: HashMap<&str, i64> = HashMap::with_capacity(ids.len());
        for (text, chunk) in HELD_VERSIONS.chunks(backend, &ids) {
            let mut q = sqlx::query(text);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for row in q
                .fetch_all(&mut *tx)
                .await
                .map_err(sql("reading versions"))?
            {
                let id: String = col(&row, "id")?;
                let version: i64 = col(&row, "version")?;
                if let Some(k) = chunk.iter().find(|c| **c == id) {
                    held.insert(k.as_str(), version);
                }
            }
        }
        let (mut seq, mut chain) = log_end(&mut tx).await?;

        // Which items are stored, at which seq, with which chain hash.
        let mut out: Vec<Vec<Applied>> = group
            .iter()
            .map(|c| Vec::with_capacity(c.items.len()))
            .collect();
        let mut changes: Vec<(i64, usize, String)> = Vec::new();
        for (k, (m, item)) in items.iter().enumerate() {
            let version = item.record.version as i64;
            if held.get(ids[k].as_str()).is_some_and(|v| *v >= version) {
                out[*m].push(Applied::Unchanged);
                continue;
            }
            held.insert(ids[k].as_str(), version);
            seq += 1;
            chain = chain_next(&chain, &ids[k], version);
            changes.push((seq, k, chain.clone()));
            out[*m].push(Applied::Stored { seq });
        }
        APPEND_CHANGES
            .execute(
                backend,
                &mut tx,
                &changes,
                "appending changes",
                |q, (seq, k, chain)| {
                    q.bind(*seq)
                        .bind(ids[*k].as_str())
                        .bind(items[*k].1.record.version as i64)
                        .bind(chain.as_str())
                },
            )
            .await?;

        // A record stored twice in one group keeps only its last version:
        // the earlier one is superseded before anyone could read it.
        let is_latest =
            |k: usize| held.get(ids[k].as_str()) == Some(&(items[k].1.record.version as i64));
        let latest: Vec<(i64, usize, &str)> = changes
            .iter()
            .filter(|(_, k, _)| is_latest(*k))
            .map(|(seq, k, chain)| (*seq, *k, chain.as_str()))
            .collect();
        let updated: Vec<String> = latest
            .iter()
            .map(|(_, k, _)| items[*k].1.record.updated_at.to_rfc3339())
            .collect();
        let rows: Vec<(i64, usize, &str)> = latest
            .iter()
            .zip(&updated)
            .map(|((seq, k, _), u)| (*seq, *k, u.as_str()))
            .collect();
        UPSERT_RECORDS
            .execute(
                backend,
                &mut tx,
                &rows,
                "storing records",
                |q, (seq, k, updated)| {
                    let (m, item) = items[*k];
                    let r = &item.record;
                    q.bind(ids[*k].as_str())
                        .bind(r.kind.as_str())
                        .bind(r.origin.as_str())
                        .bind(r.version as i64)
                        .bind(*seq)
                        .bind(r.kind.lane().as_i64())
                        .bind(r.round_id.as_deref())
                        .bind(classification_str(r))
                        .bind(*updated)
                        .bind(now)
                        .bind(group[m].from.as_ref().map(|f| f.as_str()))
                        .bind(item.doc.len() as i64)
                        .bind(item.doc.as_str())
                },
            )
            .await?;
        let outbox: Vec<OutboxRow> = latest
            .iter()
            .flat_map(|(seq, k, _)| {
                let item = items[*k].1;
                let lane = item.record.kind.lane().as_i64();
                item.hops
                    .iter()
                    .map(move |p| (p.as_str(), lane, *seq, item.doc.len() as i64))
            })
            .collect();
        queue(backend, &mut tx, &outbox, now).await?;
        let parked: Vec<(i64, String)> = latest
            .iter()
            .filter(|(_, k, _)| items[*k].1.park)
            .map(|(seq, k, _)| {
                let links =
                    super::topology::join_links(items[*k].1.hops.iter().map(|h| h.as_str()));
                (*seq, links)
            })
            .collect();
        PARK.execute(
            backend,
            &mut tx,
            &parked,
            "parking records",
            |q, (seq, links)| q.bind(*seq).bind(links.as_str()),
        )
        .await?;
        for c in group {
            if let Some(peer) = &c.from {
                for (lane, pos) in &c.cursors {
                    super::links::save_cursor(&mut tx, peer, *lane, pos, now).await?;
                }
            }
            for q in &c.quarantine {
                super::links::insert_quarantine(&mut tx, q, now).await?;
            }
        }
        tx.commit().await.map_err(sql("committing"))?;

        // Tell the tails, under the write lock, in seq order.
        let mut tail = Vec::with_capacity(outbox.len());
        for (seq, k, chain) in &latest {
            let item = items[*k].1;
            if item.hops.is_empty() {
                continue;
            }
            let doc: Arc<str> = Arc::from(item.doc.as_str());
            let change = Arc::new(Change {
                record_id: ids[*k].clone(),
                version: item.record.version as i64,
                chain: chain.to_string(),
            });
            for peer in &item.hops {
                tail.push(TailRow {
                    peer: peer.as_str(),
                    lane: item.record.kind.lane(),
                    seq: *seq,
                    doc: doc.clone(),
                    change: change.clone(),
                });
            }
        }
        self.inner.tails.committed(seq, tail);
        Ok(out)
    }
}

/// The last seq of the change log and its chain hash ((0, "") when empty).
pub(super) async fn log_end(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> Result<(i64, String), StoreError> {
    let last = sqlx::query("SELECT seq, chain FROM changes ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(sql("reading the log's end"))?;
    Ok(match last {
        Some(row) => (col(&row, "seq")?, col(&row, "chain")?),
        None => (0, String::new()),
    })
}

/// Queues `rows` on their links' outboxes, as of `now`.
pub(super) async fn queue(
    backend: Backend,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[OutboxRow<'_>],
    now: i64,
) -> Result<(), StoreError> {
    QUEUE_OUTBOX
        .execute(
            backend,
            tx,
            rows,
            "queueing records",
            |q, (peer, lane, seq, bytes)| {
                q.bind(*peer).bind(*lane).bind(*seq).bind(*bytes).bind(now)
            },
        )
        .await
}

fn classification_str(r: &Record) -> &'static str {
    match r.classification {
        Classification::Internal => "internal",
        Classification::Confidential => "confidential",
        Classification::Secret => "secret",
    }
}
