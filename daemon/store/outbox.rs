//! The sender's side of each link: the outbox it still has to carry (read
//! from the in-memory tail or the table), re-queueing, and what the peer
//! has confirmed (acks trim the outbox).

use serde::Serialize;

use super::Store;
use super::checkpoint::ROW_BYTES;
use super::error::{StoreError, col, sql};
use super::statements::{self, QUEUED_ROWS};
use super::types::{Change, OutboxItem, OutboxRow, QueuedRow, now_ms};
use crate::node::NodeId;
use crate::records::Lane;

/// Backlog of one link.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxStats {
    pub records: i64,
    pub bytes: i64,
    /// When the oldest waiting record was queued (Unix ms), if any.
    pub oldest_queued_at: Option<i64>,
}

impl Store {
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
        let rows: Vec<OutboxRow<'_>> = rows
            .iter()
            .map(|(lane, seq, bytes)| (peer.as_str(), lane.as_i64(), *seq, *bytes))
            .collect();
        statements::queue(self.inner.backend, &mut tx, &rows, now_ms()).await?;
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

    /// Drops what this store held on links only for an office that moved
    /// away (`gone`, a former child): every row queued for `gone`, and the
    /// rows for `parent` of records received from it (its new parent
    /// carries them now). Returns how many rows went.
    pub async fn drop_moved(
        &self,
        gone: &NodeId,
        parent: Option<&NodeId>,
    ) -> Result<u64, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self.begin_write().await.map_err(sql("beginning drop"))?;
        let mut dropped = sqlx::query("DELETE FROM outbox WHERE peer = $1")
            .bind(gone.as_str())
            .execute(&mut *tx)
            .await
            .map_err(sql("dropping a moved office's outbox"))?
            .rows_affected();
        let mut links: Vec<OutboxRow<'_>> = Lane::ALL
            .iter()
            .map(|l| (gone.as_str(), l.as_i64(), 0, 0))
            .collect();
        if let Some(p) = parent {
            dropped += sqlx::query(
                "DELETE FROM outbox WHERE peer = $1 AND seq IN
                 (SELECT seq FROM records WHERE received_from = $2)",
            )
            .bind(p.as_str())
            .bind(gone.as_str())
            .execute(&mut *tx)
            .await
            .map_err(sql("dropping a moved office's records on the way up"))?
            .rows_affected();
            links.extend(Lane::ALL.iter().map(|l| (p.as_str(), l.as_i64(), 0, 0)));
        }
        // Rows left the table out of seq order: the tails read it again.
        let _reset = self.inner.tails.reset_on_drop(&links);
        tx.commit().await.map_err(sql("committing drop"))?;
        Ok(dropped)
    }

    /// Every peer with rows waiting in the outbox.
    pub async fn outbox_peers(&self) -> Result<Vec<NodeId>, StoreError> {
        let peers: Vec<String> = sqlx::query_scalar("SELECT DISTINCT peer FROM outbox")
            .fetch_all(self.pool())
            .await
            .map_err(sql("reading outbox peers"))?;
        Ok(peers
            .into_iter()
            .filter_map(|p| NodeId::new(p).ok())
            .collect())
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
}
