//! Reading records back: by id, by filter, by kind, by change-log range.

use super::Store;
use super::error::{StoreError, col, sql};
use crate::node::NodeId;
use crate::records::{Kind, Lane, Record};

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

    /// The stored JSON of record `id` as held, unparsed (it may be
    /// damaged), with the peer it arrived from (None: written here).
    pub async fn held_copy(
        &self,
        id: &uuid::Uuid,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let row = sqlx::query("SELECT doc, received_from FROM records WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(sql("reading record"))?;
        row.map(|r| Ok((col(&r, "doc")?, col(&r, "received_from")?)))
            .transpose()
    }

    /// Records matching `f`, oldest change first, each with its seq. The
    /// statement names only the filters given, so the planner can serve
    /// `kind` from its index (a `($n IS NULL OR kind = $n)` form defeats
    /// SQLite's planner: it scanned the whole table).
    pub async fn query(&self, f: &RecordFilter) -> Result<Vec<(i64, Record)>, StoreError> {
        let mut text = String::from("SELECT id, seq, doc FROM records WHERE seq > $1");
        let mut n = 1;
        for (given, condition) in [
            (f.kind.is_some(), "kind ="),
            (f.round_id.is_some(), "round_id ="),
            (f.origin.is_some(), "origin ="),
            (f.since_time.is_some(), "updated_at >="),
        ] {
            if given {
                n += 1;
                text.push_str(&format!(" AND {condition} ${n}"));
            }
        }
        text.push_str(&format!(" ORDER BY seq LIMIT ${}", n + 1));
        // Column names and numbered placeholders only: no value is in the text.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text)).bind(f.since_seq.unwrap_or(0));
        if let Some(k) = f.kind {
            q = q.bind(k.as_str());
        }
        if let Some(r) = &f.round_id {
            q = q.bind(r.as_str());
        }
        if let Some(o) = &f.origin {
            q = q.bind(o.as_str());
        }
        if let Some(t) = &f.since_time {
            q = q.bind(t.as_str());
        }
        let rows = q
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

    /// Number of records held, per kind, in kind order.
    pub fn count_by_kind(&self) -> Vec<(String, i64)> {
        self.inner.counts.get()
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
