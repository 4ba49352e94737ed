//! Applying records (with their outbox rows and cursors) and reading them.

use std::collections::HashMap;

use super::bulk::MultiRow;
use super::links::{CursorPos, QuarantineEntry, chain_next};
use super::{Store, StoreError, col, now_ms, sql};
use crate::node::NodeId;
use crate::records::{Kind, Lane, Record};

/// A validated record on its way into the store, with the decision routing
/// made for it here.
#[derive(Debug)]
pub struct Incoming {
    pub record: Record,
    /// The record's JSON as stored and forwarded.
    pub doc: String,
    /// Links that must carry this version onward.
    pub hops: Vec<NodeId>,
    /// Some named destination is not yet known here: route again when the
    /// topology grows.
    pub park: bool,
}

/// What applying one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new record or a newer version, now at `seq` in the change log.
    Stored { seq: i64 },
    /// The same or an older version was already here: nothing changed.
    Unchanged,
}

/// A stored record with where it came from, for routing it again.
#[derive(Debug)]
pub struct RangeItem {
    pub seq: i64,
    pub record: Record,
    pub doc: String,
    /// The peer it arrived from; None when submitted here.
    pub received_from: Option<String>,
}

/// Filters of `GET /api/v1/records`.
#[derive(Debug, Default, Clone)]
pub struct RecordFilter {
    pub kind: Option<Kind>,
    pub round_id: Option<String>,
    pub origin: Option<NodeId>,
    /// Only records stored after this change-log position.
    pub since_seq: Option<i64>,
    /// Only records updated at or after this RFC 3339 instant.
    pub since_time: Option<String>,
    pub limit: i64,
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
pub(super) static QUEUE_OUTBOX: MultiRow = MultiRow::values(
    "INSERT INTO outbox (peer, lane, seq, bytes, queued_at) VALUES ",
    5,
    " ON CONFLICT DO NOTHING",
);
static PARK: MultiRow = MultiRow::values(
    "INSERT INTO parked (seq) VALUES ",
    1,
    " ON CONFLICT DO NOTHING",
);

/// One outbox row: (peer, lane, seq, bytes).
pub(super) type OutboxRow<'a> = (&'a str, i64, i64, i64);

impl Store {
    /// Applies `items` received from `from` (None for a local submit) in one
    /// transaction, together with the receiver cursors that cover them and
    /// any quarantine entries for records refused in the same batch.
    ///
    /// A record is stored when it is new here or newer than the version
    /// held; each stored version gets the next seq of the change log. The
    /// work is a handful of multi-row statements whatever the batch size
    /// (see `bulk`).
    pub async fn commit(
        &self,
        from: Option<&NodeId>,
        items: &[Incoming],
        cursors: &[(Lane, CursorPos)],
        quarantine: &[QuarantineEntry],
    ) -> Result<Vec<Applied>, StoreError> {
        let _w = self.inner.write.lock().await;
        let mut tx = self.begin_write().await.map_err(sql("beginning commit"))?;
        let now = now_ms();
        let ids: Vec<String> = items.iter().map(|i| i.record.id.to_string()).collect();
        let mut held: HashMap<&str, i64> = HashMap::with_capacity(ids.len());
        for (text, chunk) in HELD_VERSIONS.chunks(self.inner.backend, &ids) {
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
        let last = sqlx::query("SELECT seq, chain FROM changes ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql("reading the log's end"))?;
        let (mut seq, mut chain): (i64, String) = match last {
            Some(row) => (col(&row, "seq")?, col(&row, "chain")?),
            None => (0, String::new()),
        };

        // Which items are stored, at which seq, with which chain hash.
        let mut out = Vec::with_capacity(items.len());
        let mut changes: Vec<(i64, usize, String)> = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let version = item.record.version as i64;
            if held.get(ids[k].as_str()).is_some_and(|v| *v >= version) {
                out.push(Applied::Unchanged);
                continue;
            }
            held.insert(ids[k].as_str(), version);
            seq += 1;
            chain = chain_next(&chain, &ids[k], version);
            changes.push((seq, k, chain.clone()));
            out.push(Applied::Stored { seq });
        }
        APPEND_CHANGES
            .execute(
                self.inner.backend,
                &mut tx,
                &changes,
                "appending changes",
                |q, (seq, k, chain)| {
                    q.bind(*seq)
                        .bind(ids[*k].as_str())
                        .bind(items[*k].record.version as i64)
                        .bind(chain.as_str())
                },
            )
            .await?;

        // A record stored twice in one batch keeps only its last version:
        // the earlier one is superseded before anyone could read it.
        let latest: Vec<(i64, usize)> = changes
            .iter()
            .filter(|(_, k, _)| {
                held.get(ids[*k].as_str()) == Some(&(items[*k].record.version as i64))
            })
            .map(|(seq, k, _)| (*seq, *k))
            .collect();
        let from_id = from.map(|f| f.as_str());
        let updated: Vec<String> = latest
            .iter()
            .map(|(_, k)| items[*k].record.updated_at.to_rfc3339())
            .collect();
        let rows: Vec<(i64, usize, &str)> = latest
            .iter()
            .zip(&updated)
            .map(|((seq, k), u)| (*seq, *k, u.as_str()))
            .collect();
        UPSERT_RECORDS
            .execute(
                self.inner.backend,
                &mut tx,
                &rows,
                "storing records",
                |q, (seq, k, updated)| {
                    let item = &items[*k];
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
                        .bind(from_id)
                        .bind(item.doc.len() as i64)
                        .bind(item.doc.as_str())
                },
            )
            .await?;
        let outbox: Vec<OutboxRow> = latest
            .iter()
            .flat_map(|(seq, k)| {
                let item = &items[*k];
                let lane = item.record.kind.lane().as_i64();
                item.hops
                    .iter()
                    .map(move |p| (p.as_str(), lane, *seq, item.doc.len() as i64))
            })
            .collect();
        queue(self.inner.backend, &mut tx, &outbox, now).await?;
        let parked: Vec<i64> = latest
            .iter()
            .filter(|(_, k)| items[*k].park)
            .map(|(seq, _)| *seq)
            .collect();
        PARK.execute(
            self.inner.backend,
            &mut tx,
            &parked,
            "parking records",
            |q, seq| q.bind(*seq),
        )
        .await?;

        if let Some(peer) = from {
            for (lane, pos) in cursors {
                super::links::save_cursor(&mut tx, peer, *lane, pos, now).await?;
            }
        }
        for q in quarantine {
            super::links::insert_quarantine(&mut tx, q, now).await?;
        }
        // Dropped from here on, the transaction may commit without the
        // tails hearing of it: the guard then sends these links to the table.
        let unheard = self.inner.tails.reset_on_drop(&outbox, seq);
        tx.commit().await.map_err(sql("committing"))?;
        let mut tail = Vec::with_capacity(outbox.len());
        for (seq, k, chain) in &changes {
            let item = &items[*k];
            let is_latest = held.get(ids[*k].as_str()) == Some(&(item.record.version as i64));
            if item.hops.is_empty() || !is_latest {
                continue;
            }
            let doc: std::sync::Arc<str> = std::sync::Arc::from(item.doc.as_str());
            let change = std::sync::Arc::new(super::links::Change {
                record_id: ids[*k].clone(),
                version: item.record.version as i64,
                chain: chain.clone(),
            });
            for peer in &item.hops {
                tail.push(super::tail::TailRow {
                    peer: peer.as_str(),
                    lane: item.record.kind.lane(),
                    seq: *seq,
                    doc: doc.clone(),
                    change: change.clone(),
                });
            }
        }
        self.inner.tails.committed(seq, tail);
        unheard.disarm();
        Ok(out)
    }

    /// The current version of record `id`, if held here.
    pub async fn get(&self, id: &uuid::Uuid) -> Result<Option<Record>, StoreError> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM records WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(sql("reading record"))?;
        doc.map(|d| parse_doc(&id.to_string(), &d)).transpose()
    }

    /// Records matching `f`, oldest change first, each with its seq.
    pub async fn query(&self, f: &RecordFilter) -> Result<Vec<(i64, Record)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, seq, doc FROM records
             WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR round_id = $2)
               AND ($3 IS NULL OR origin = $3) AND seq > $4
               AND ($5 IS NULL OR updated_at >= $5)
             ORDER BY seq LIMIT $6",
        )
        .bind(f.kind.map(|k| k.as_str()))
        .bind(f.round_id.as_deref())
        .bind(f.origin.as_ref().map(|o| o.as_str()))
        .bind(f.since_seq.unwrap_or(0))
        .bind(f.since_time.as_deref())
        .bind(f.limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("querying records"))?;
        rows.iter()
            .map(|row| {
                let id: String = col(row, "id")?;
                let doc: String = col(row, "doc")?;
                Ok((col(row, "seq")?, parse_doc(&id, &doc)?))
            })
            .collect()
    }

    /// Every record of `kind` held, oldest change first.
    pub async fn records_of_kind(&self, kind: Kind) -> Result<Vec<Record>, StoreError> {
        let docs: Vec<(String, String)> =
            sqlx::query_as("SELECT id, doc FROM records WHERE kind = $1 ORDER BY seq")
                .bind(kind.as_str())
                .fetch_all(self.pool())
                .await
                .map_err(sql("reading records of a kind"))?;
        docs.iter().map(|(id, doc)| parse_doc(id, doc)).collect()
    }

    /// Number of records held, per kind.
    pub async fn count_by_kind(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT kind, COUNT(*) AS n FROM records GROUP BY kind ORDER BY kind")
                .fetch_all(self.pool())
                .await
                .map_err(sql("counting records"))?;
        rows.iter()
            .map(|r| Ok((col(r, "kind")?, col(r, "n")?)))
            .collect()
    }

    /// Current records of `lane` whose seq lies in `(lo, hi]`, for re-queueing
    /// after a peer lost what it had confirmed. At most `limit`, in seq order.
    pub async fn records_in_range(
        &self,
        lane: Lane,
        lo: i64,
        hi: i64,
        limit: i64,
    ) -> Result<Vec<RangeItem>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, seq, doc, received_from FROM records WHERE lane = $1 AND seq > $2 AND seq <= $3
             ORDER BY seq LIMIT $4",
        )
        .bind(lane.as_i64())
        .bind(lo)
        .bind(hi)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(sql("reading records for re-queue"))?;
        rows.iter()
            .map(|row| {
                let id: String = col(row, "id")?;
                let doc: String = col(row, "doc")?;
                let record = parse_doc(&id, &doc)?;
                Ok(RangeItem {
                    seq: col(row, "seq")?,
                    record,
                    doc,
                    received_from: col(row, "received_from")?,
                })
            })
            .collect()
    }
}

/// Queues `rows` on their links' outboxes, as of `now`.
pub(super) async fn queue(
    backend: super::Backend,
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
        crate::records::Classification::Internal => "internal",
        crate::records::Classification::Confidential => "confidential",
        crate::records::Classification::Secret => "secret",
    }
}

fn parse_doc(id: &str, doc: &str) -> Result<Record, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        reason: e.to_string(),
    })
}
