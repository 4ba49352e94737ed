//! Per-link state: the outbox each link still has to carry, what each peer
//! has confirmed (sender side), how far this node has received each peer's
//! log (receiver side), and the quarantine of refused records.

use serde::{Deserialize, Serialize};

use super::commit::Commit;
use super::lite::ROW_BYTES;
use super::{Store, StoreError, col, now_ms, sql};
use crate::node::NodeId;
use crate::records::Lane;

/// A position in a peer's change log, with the log's chain hash at that
/// position so the peer can prove it still has exactly that history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPos {
    pub generation: String,
    pub seq: i64,
    /// Hex SHA-256 chain over the log up to `seq`; empty at seq 0.
    pub chain: String,
}

/// One entry of the change log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub record_id: String,
    pub version: i64,
    pub chain: String,
}

/// The chain hash after appending (record_id, version) to a log whose
/// chain was `prev`: hex SHA-256 of `prev \n id \n version`.
pub fn chain_next(prev: &str, record_id: &str, version: i64) -> String {
    use std::fmt::Write;
    // One buffer, one digest call: a commit hashes every record it stores.
    let mut input = String::with_capacity(prev.len() + record_id.len() + 22);
    input.push_str(prev);
    input.push('\n');
    input.push_str(record_id);
    input.push('\n');
    let _ = write!(input, "{version}"); // Writing to a String cannot fail.
    crate::hex::encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input.as_bytes()).as_ref(),
    )
}

/// A link's outbox rows after a seq, with each record's document (NULL
/// when the record has since been superseded: the row is passed, not
/// sent) and the change-log entry at the row's seq.
pub(super) const QUEUED_ROWS: &str = "SELECT o.seq, r.doc, c.record_id, c.version, c.chain
     FROM outbox o JOIN changes c ON c.seq = o.seq LEFT JOIN records r ON r.seq = o.seq
     WHERE o.peer = $1 AND o.lane = $2 AND o.seq > $3 ORDER BY o.seq LIMIT $4";

/// One row of [`QUEUED_ROWS`].
pub(super) struct QueuedRow {
    pub seq: i64,
    pub doc: Option<String>,
    pub change: Change,
}

/// One queued record ready to send.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub lane: Lane,
    pub seq: i64,
    pub doc: String,
    /// The change-log entry at `seq` (what the receiver's cursor will hold).
    pub change: Change,
}

/// Backlog of one link.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxStats {
    pub records: i64,
    pub bytes: i64,
    /// When the oldest waiting record was queued (Unix ms), if any.
    pub oldest_queued_at: Option<i64>,
}

/// A refused record as kept for operators.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineEntry {
    /// Assigned by the store; 0 before insertion.
    pub id: i64,
    pub at: i64,
    /// The peer that sent it, or None for a local submit.
    pub peer: Option<String>,
    pub record_id: Option<String>,
    pub kind: Option<String>,
    pub reason: String,
    /// What was received, possibly truncated, for the operator to inspect.
    pub raw: String,
}

/// Saves a receiver cursor (peer, lane, generation, seq, chain, at). A
/// replayed (older) batch of the same generation never moves the cursor
/// back; a new generation always replaces it.
pub(super) const SAVE_CURSOR: &str = "INSERT INTO cursors (peer, lane, generation, seq, chain, at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (peer, lane) DO UPDATE SET generation = excluded.generation,
         seq = excluded.seq, chain = excluded.chain, at = excluded.at
     WHERE cursors.generation <> excluded.generation OR cursors.seq < excluded.seq";

/// Quarantines a refused record (at, peer, record_id, kind, reason, raw).
pub(super) const INSERT_QUARANTINE: &str = "INSERT INTO quarantine (at, peer, record_id, kind, reason, raw) VALUES ($1, $2, $3, $4, $5, $6)";

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

    /// Up to `max_records` / about `max_bytes` of what `peer` still has to
    /// receive, urgent lane first, each lane in seq order after `after[lane]`.
    /// Also returns, per lane, the last seq looked at: rows whose record has
    /// since been superseded are skipped but still passed. A lane the
    /// in-memory tail covers is served from it (see `tail`).
    pub async fn outbox_batch(
        &self,
        peer: &NodeId,
        after: [i64; 2],
        max_records: usize,
        max_bytes: usize,
    ) -> Result<(Vec<OutboxItem>, [i64; 2]), StoreError> {
        let mut items = Vec::new();
        let mut passed = after;
        let mut bytes = 0usize;
        for lane in Lane::ALL {
            let li = lane.as_i64() as usize;
            let room = max_records.saturating_sub(items.len());
            if room == 0 || bytes >= max_bytes {
                break;
            }
            if let Some((mut from_tail, last)) =
                self.inner
                    .tails
                    .read(peer.as_str(), lane, after[li], room, max_bytes - bytes)
            {
                bytes += from_tail.iter().map(|i| i.doc.len()).sum::<usize>();
                items.append(&mut from_tail);
                passed[li] = last;
                continue;
            }
            for row in self.queued(peer, lane, after[li], room).await? {
                if let Some(doc) = row.doc {
                    // Always send at least one record, however large.
                    if !items.is_empty() && bytes + doc.len() > max_bytes {
                        break;
                    }
                    bytes += doc.len();
                    items.push(OutboxItem {
                        lane,
                        seq: row.seq,
                        doc,
                        change: row.change,
                    });
                }
                passed[li] = row.seq;
            }
        }
        Ok((items, passed))
    }

    /// Up to `limit` outbox rows of (`peer`, `lane`) after seq `after`,
    /// read from the table: on SQLite through its own binding (see
    /// `lite::LiteReaders`), on PostgreSQL through the pool.
    async fn queued(
        &self,
        peer: &NodeId,
        lane: Lane,
        after: i64,
        limit: usize,
    ) -> Result<Vec<QueuedRow>, StoreError> {
        if let Some(readers) = &self.inner.lite_readers {
            return readers.queued(peer.as_str(), lane, after, limit).await;
        }
        let rows = sqlx::query(QUEUED_ROWS)
            .bind(peer.as_str())
            .bind(lane.as_i64())
            .bind(after)
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await
            .map_err(sql("reading outbox"))?;
        rows.iter()
            .map(|row| {
                Ok(QueuedRow {
                    seq: col(row, "seq")?,
                    doc: col(row, "doc")?,
                    change: Change {
                        record_id: col(row, "record_id")?,
                        version: col(row, "version")?,
                        chain: col(row, "chain")?,
                    },
                })
            })
            .collect()
    }

    /// Queues already-stored records (by seq) on `peer`'s outbox.
    pub async fn enqueue(
        &self,
        peer: &NodeId,
        rows: &[(Lane, i64, i64)],
    ) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self.begin_write().await.map_err(sql("beginning enqueue"))?;
        let rows: Vec<super::commit::OutboxRow> = rows
            .iter()
            .map(|(lane, seq, bytes)| (peer.as_str(), lane.as_i64(), *seq, *bytes))
            .collect();
        super::commit::queue(self.inner.backend, &mut tx, &rows, now_ms()).await?;
        // The rows are out of seq order: their tails are reset once the
        // transaction is sent, committed or not, even if this future is
        // dropped while it commits.
        let _out_of_order = self.inner.tails.reset_on_drop(&rows);
        tx.commit().await.map_err(sql("committing enqueue"))?;
        Ok(())
    }

    /// Records that `peer` has everything of each lane up to its seq: drops
    /// those outbox rows and remembers the positions, in one transaction.
    pub async fn ack(&self, peer: &NodeId, acks: &[(Lane, i64)]) -> Result<(), StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self.begin_write().await.map_err(sql("beginning ack"))?;
        let now = now_ms();
        let mut trimmed = 0;
        for (lane, seq) in acks {
            trimmed +=
                sqlx::query("DELETE FROM outbox WHERE peer = $1 AND lane = $2 AND seq <= $3")
                    .bind(peer.as_str())
                    .bind(lane.as_i64())
                    .bind(*seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(sql("trimming outbox"))?
                    .rows_affected();
            sqlx::query(
                "INSERT INTO acked (peer, lane, seq, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (peer, lane) DO UPDATE SET seq = excluded.seq, at = excluded.at",
            )
            .bind(peer.as_str())
            .bind(lane.as_i64())
            .bind(*seq)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(sql("saving ack"))?;
        }
        tx.commit().await.map_err(sql("committing ack"))?;
        self.inner.committer.wrote(trimmed * ROW_BYTES);
        for (lane, seq) in acks {
            self.inner.tails.trim(peer.as_str(), *lane, *seq);
        }
        Ok(())
    }

    /// The highest seq of `lane` that `peer` has confirmed (0 if none).
    pub async fn acked(&self, peer: &NodeId, lane: Lane) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM acked WHERE peer = $1 AND lane = $2")
                .bind(peer.as_str())
                .bind(lane.as_i64())
                .fetch_optional(self.pool())
                .await
                .map_err(sql("reading ack"))?;
        Ok(v.unwrap_or(0))
    }

    /// Backlog of the link to `peer`.
    pub async fn outbox_stats(&self, peer: &NodeId) -> Result<OutboxStats, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS b, MIN(queued_at) AS oldest
             FROM outbox WHERE peer = $1",
        )
        .bind(peer.as_str())
        .fetch_one(self.pool())
        .await
        .map_err(sql("reading backlog"))?;
        Ok(OutboxStats {
            records: col(&row, "n")?,
            bytes: col(&row, "b")?,
            oldest_queued_at: col(&row, "oldest")?,
        })
    }

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
        let rows = sqlx::query(
            "SELECT id, at, peer, record_id, kind, reason, raw FROM quarantine ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("listing quarantine"))?;
        rows.iter()
            .map(|r| {
                Ok(QuarantineEntry {
                    id: col(r, "id")?,
                    at: col(r, "at")?,
                    peer: col(r, "peer")?,
                    record_id: col(r, "record_id")?,
                    kind: col(r, "kind")?,
                    reason: col(r, "reason")?,
                    raw: col(r, "raw")?,
                })
            })
            .collect()
    }
}

impl QuarantineEntry {
    /// A new entry; `raw` is cut to 64 KiB so a huge refused batch cannot
    /// fill the disk through the quarantine.
    pub fn new(peer: Option<&NodeId>, raw: &str, reason: String) -> Self {
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
            reason,
            raw: raw[..end].to_string(),
        }
    }
}
