//! Records as the store holds them, and reading them back.

use super::{Store, StoreError, col, sql};
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

impl Store {
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

pub(super) fn parse_doc(id: &str, doc: &str) -> Result<Record, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        reason: e.to_string(),
    })
}
