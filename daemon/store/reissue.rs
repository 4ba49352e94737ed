//! Re-issuing a held record at the end of the change log, and dropping a
//! copy found damaged. A link's outbox grows in seq order, so a sender
//! that has passed a seq never looks below it again: a record that must go
//! (again) on a link is re-issued, a new entry of the same version at the
//! end of the log naming the entry it re-issues, with its record row and
//! the rows still queued for it moved there. Two callers: parked records
//! that got somewhere new to go ([`Store::reissue_parked`]), and records a
//! peer asks for again because its copy was damaged
//! ([`Store::reissue_to`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use sqlx::{Any, Transaction};

use super::Store;
use super::chain::chain_next;
use super::error::{StoreError, col, sql};
use super::statements::{self, chunk_join, record_doc};
use super::tail::TailRow;
use super::types::{Change, OutboxRow, now_ms};
use crate::node::NodeId;
use crate::records::Lane;

/// A record re-issued at `seq`, queued for `peers`.
pub(super) struct Reissued {
    pub peers: BTreeSet<String>,
    pub lane: Lane,
    pub seq: i64,
    pub doc: Arc<str>,
    pub change: Arc<Change>,
}

/// The row of a record to re-issue.
pub(super) struct Held {
    pub id: String,
    pub version: i64,
    pub lane_no: i64,
    pub bytes: i64,
    pub doc: String,
}

impl Held {
    /// Reads the columns of `row` (`id`, `version`, `lane`, `bytes`, `doc`).
    pub fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        Ok(Held {
            id: col(row, "id")?,
            version: col(row, "version")?,
            lane_no: col(row, "lane")?,
            bytes: col(row, "bytes")?,
            doc: col(row, "doc")?,
        })
    }
}

/// Runs one statement of a re-issue.
pub(super) async fn execute<'q>(
    tx: &mut Transaction<'static, Any>,
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    what: &'static str,
) -> Result<(), StoreError> {
    q.execute(&mut **tx).await.map_err(sql(what))?;
    Ok(())
}

/// Moves `held`, now at `old_seq`, to the end of the log (`end`, the log's
/// last seq and chain, moved on) and queues it on `new` links besides the
/// ones it was still queued on. The caller keeps the parked list.
pub(super) async fn move_to_end(
    store: &Store,
    tx: &mut Transaction<'static, Any>,
    old_seq: i64,
    held: Held,
    new: &[&str],
    end: &mut (i64, String),
) -> Result<Reissued, StoreError> {
    let lane = Lane::from_i64(held.lane_no).ok_or_else(|| StoreError::Corrupt {
        id: held.id.clone(),
        reason: format!("lane {}", held.lane_no),
    })?;
    let seq = end.0 + 1;
    let chain = chain_next(&end.1, &held.id, held.version);
    *end = (seq, chain.clone());
    let insert = sqlx::query(
        "INSERT INTO changes (seq, record_id, version, chain, reissue_of) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq)
    .bind(held.id.clone())
    .bind(held.version)
    .bind(chain.clone())
    .bind(old_seq);
    execute(tx, insert, "re-issuing a record").await?;
    let moved = sqlx::query("UPDATE records SET seq = $1 WHERE seq = $2")
        .bind(seq)
        .bind(old_seq);
    execute(tx, moved, "moving a re-issued record").await?;
    let pending = sqlx::query("SELECT peer FROM outbox WHERE seq = $1")
        .bind(old_seq)
        .fetch_all(&mut **tx)
        .await
        .map_err(sql("reading a re-issued record's queued rows"))?;
    let mut peers: BTreeSet<String> = pending
        .iter()
        .map(|p| col::<String>(p, "peer"))
        .collect::<Result<_, _>>()?;
    let moved = sqlx::query("UPDATE outbox SET seq = $1 WHERE seq = $2")
        .bind(seq)
        .bind(old_seq);
    execute(tx, moved, "moving a re-issued record's queued rows").await?;
    let new: Vec<&str> = new
        .iter()
        .copied()
        .filter(|p| !peers.contains(*p))
        .collect();
    let rows: Vec<OutboxRow<'_>> = new
        .iter()
        .map(|p| (*p, held.lane_no, seq, held.bytes))
        .collect();
    statements::queue(store.inner.backend, tx, &rows, now_ms()).await?;
    peers.extend(new.iter().map(|p| p.to_string()));
    Ok(Reissued {
        peers,
        lane,
        seq,
        doc: Arc::from(held.doc),
        change: Arc::new(Change {
            record_id: held.id,
            version: held.version,
            chain,
        }),
    })
}

impl Store {
    /// Tells the tails what a committed re-issue ending the log at
    /// `log_end` queued (under the write lock, in seq order, like any
    /// commit); returns the links that got rows.
    pub(super) fn told(&self, log_end: i64, reissued: &[Reissued]) -> BTreeSet<NodeId> {
        let rows = reissued
            .iter()
            .flat_map(|d| {
                d.peers.iter().map(|peer| TailRow {
                    peer,
                    lane: d.lane,
                    seq: d.seq,
                    doc: d.doc.clone(),
                    change: d.change.clone(),
                })
            })
            .collect();
        self.inner.tails.committed(log_end, rows);
        reissued
            .iter()
            .flat_map(|d| d.peers.iter().filter_map(|p| NodeId::new(p.as_str()).ok()))
            .collect()
    }

    /// Queues the records of `ids` held here for `peer` again, re-issued at
    /// the end of the log; a record already waiting on `peer`'s outbox is
    /// left there. Returns how many were re-issued.
    pub async fn reissue_to(&self, peer: &NodeId, ids: &[uuid::Uuid]) -> Result<usize, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning a resend"))?;
        let mut end = statements::log_end(&mut tx).await?;
        let mut reissued = Vec::new();
        for id in ids {
            let row = sqlx::query(concat!(
                "SELECT r.id, r.seq, r.version, r.lane, r.bytes, ",
                record_doc!(),
                " AS doc FROM records r",
                chunk_join!(),
                "WHERE r.id = $1 AND NOT EXISTS
                       (SELECT 1 FROM outbox o WHERE o.seq = r.seq AND o.peer = $2)"
            ))
            .bind(id.to_string())
            .bind(peer.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql("reading a record to resend"))?;
            let Some(row) = row else { continue };
            let old_seq: i64 = col(&row, "seq")?;
            let held = Held::from_row(&row)?;
            let r = move_to_end(self, &mut tx, old_seq, held, &[peer.as_str()], &mut end).await?;
            let parked = sqlx::query("UPDATE parked SET seq = $1 WHERE seq = $2")
                .bind(r.seq)
                .bind(old_seq);
            execute(&mut tx, parked, "moving a resent record's parked row").await?;
            reissued.push(r);
        }
        tx.commit().await.map_err(sql("committing a resend"))?;
        self.told(end.0, &reissued);
        Ok(reissued.len())
    }

    /// Removes record `id`, found damaged here, so a sound copy can be
    /// stored when it comes again: its row, and its rows on outboxes and
    /// the parked list; and, in the same transaction, sets meta `note`
    /// (key, value: what the caller must not lose, the ask for the
    /// original). The change log keeps its entries (peers' cursors point
    /// into it). Returns whether it was held.
    pub async fn drop_damaged(
        &self,
        id: &uuid::Uuid,
        note: (&str, &str),
    ) -> Result<bool, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self
            .begin_write()
            .await
            .map_err(sql("beginning to drop a damaged record"))?;
        let row = sqlx::query("SELECT seq, kind FROM records WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql("reading a damaged record"))?;
        let Some(row) = row else {
            return Ok(false);
        };
        let seq: i64 = col(&row, "seq")?;
        let kind: String = col(&row, "kind")?;
        for (statement, what) in [
            (
                "DELETE FROM outbox WHERE seq = $1",
                "unqueueing a damaged record",
            ),
            (
                "DELETE FROM parked WHERE seq = $1",
                "unparking a damaged record",
            ),
            (
                "DELETE FROM records WHERE seq = $1",
                "dropping a damaged record",
            ),
        ] {
            execute(&mut tx, sqlx::query(statement).bind(seq), what).await?;
        }
        let meta = sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(note.0)
        .bind(note.1);
        execute(&mut tx, meta, "noting a dropped record").await?;
        tx.commit()
            .await
            .map_err(sql("committing the drop of a damaged record"))?;
        self.inner.counts.remove(&kind);
        Ok(true)
    }
}
