//! Reading records back: by id, by filter, by kind, by change-log range.

use super::Store;
use super::error::{StoreError, col, sql};
use super::statements::{chunk_join, record_doc};
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
        self.held_copy(id)
            .await?
            .map(|(doc, _)| parse_doc(&id.to_string(), &doc))
            .transpose()
    }

    /// The stored JSON of record `id` as held, unparsed (it may be
    /// damaged), with the peer it arrived from (None: written here).
    pub async fn held_copy(
        &self,
        id: &uuid::Uuid,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            record_doc!(),
            " AS doc, r.received_from FROM records r",
            chunk_join!(),
            "WHERE r.id = $1"
        ))
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
        let mut text = String::from(concat!(
            "SELECT r.id, r.seq, ",
            record_doc!(),
            " AS doc FROM records r",
            chunk_join!(),
            "WHERE r.seq > $1"
        ));
        let mut n = 1;
        for (given, condition) in [
            (f.kind.is_some(), "r.kind ="),
            (f.round_id.is_some(), "r.round_id ="),
            (f.origin.is_some(), "r.origin ="),
            (f.since_time.is_some(), "r.updated_at >="),
        ] {
            if given {
                n += 1;
                text.push_str(&format!(" AND {condition} ${n}"));
            }
        }
        text.push_str(&format!(" ORDER BY r.seq LIMIT ${}", n + 1));
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
        let docs: Vec<(String, String)> = sqlx::query_as(concat!(
            "SELECT r.id, ",
            record_doc!(),
            " FROM records r",
            chunk_join!(),
            "WHERE r.kind = $1 ORDER BY r.seq"
        ))
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
        let rows = sqlx::query(concat!(
            "SELECT r.id, r.seq, ",
            record_doc!(),
            " AS doc, r.received_from FROM records r",
            chunk_join!(),
            "WHERE r.lane = $1 AND r.seq > $2 AND r.seq <= $3 ORDER BY r.seq LIMIT $4"
        ))
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
