//! The connection PostgreSQL's group commits run on, through sqlx's native
//! PostgreSQL driver, with the plan's rows streamed in by `COPY`.
//!
//! Why: a group commit is the hot path of every hop, and a multi-row
//! `INSERT … VALUES … ON CONFLICT` cost the server about 14 µs a record for
//! `records` alone (parameters, a VALUES scan, speculative insertion);
//! `COPY` of the same rows costs well under half that. `COPY` cannot
//! upsert, but the plan knows which records this store already holds (it
//! read their versions first, under the write lock): those rows are
//! deleted and copied in again, which is what PostgreSQL does for an
//! update that moves indexed columns anyway. Every other table the plan
//! writes takes rows keyed by seqs past the log's end, so plain inserts
//! are always right. A `COPY` is two round trips whatever its size, so a
//! table with only a few rows (a single record on its way up) gets one
//! multi-row `INSERT` instead. Reads and the rarer writes stay on the
//! `Any` pool.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use super::counts::Counts;
use super::error::{StoreError, sql};
use super::plan::{ChunkIds, ChunkRow, Plan, item_ids};
use super::statements::SAVE_CURSOR;
use super::tail::Tails;
use super::types::{Applied, Commit, now_ms};

/// PostgreSQL's write connection for group commits (a pool of one, so a
/// connection lost with the server is made again on the next commit).
pub(super) struct PgWriter {
    pool: PgPool,
}

/// What a group commit reads before it plans, in one round trip: the log's
/// last seq and chain hash (NULL when the log is empty), and the version
/// held of each id of an array, in the array's order (NULL when not held),
/// one primary-key probe per id. Written so that no plan can do otherwise:
/// with `id = ANY($1)` or a join, a table that has not been analysed yet (a
/// new store taking its first backlog) gets a sequential scan per commit.
const BEFORE_PLAN: &str = "SELECT \
     (SELECT seq FROM changes ORDER BY seq DESC LIMIT 1), \
     (SELECT chain FROM changes ORDER BY seq DESC LIMIT 1), \
     ARRAY(SELECT (SELECT r.version FROM records r WHERE r.id = i.id) \
           FROM unnest($1::text[]) WITH ORDINALITY AS i(id, n) ORDER BY n)";

impl PgWriter {
    /// Connects to the store at `url` (already migrated).
    pub async fn connect(url: &str) -> Result<PgWriter, StoreError> {
        let open_err = |source| StoreError::Open {
            url: url.to_string(),
            source,
        };
        // Every statement planned for the values it runs with: a generic
        // plan cached while the store was nearly empty (a sequential scan
        // for the log's end or the versions held) would stay in use as the
        // store grows. Statements stay prepared (parsed once: one round
        // trip each instead of two).
        let opts = PgConnectOptions::from_str(url)
            .map_err(open_err)?
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts)
            .await
            .map_err(open_err)?;
        Ok(PgWriter { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// One transaction for `group`, told to `tails` once committed; the
    /// caller holds the store's write lock.
    pub async fn apply(
        &self,
        group: &[Commit],
        tails: &Tails,
        counts: &Counts,
    ) -> Result<Vec<Vec<Applied>>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(sql("beginning commit"))?;
        let ids = item_ids(group);
        let (end_seq, end_chain, held): (Option<i64>, Option<String>, Vec<Option<i64>>) =
            sqlx::query_as(BEFORE_PLAN)
                .bind(&ids)
                .fetch_one(&mut *tx)
                .await
                .map_err(sql("reading versions and the log's end"))?;
        let end = end_seq.zip(end_chain).unwrap_or_default();
        let plan = Plan::new(group, ids, &held, end, now_ms());
        write(&mut tx, &plan).await?;
        tx.commit().await.map_err(sql("committing"))?;
        plan.tell(tails, counts);
        Ok(plan.applied())
    }
}

/// Stores the chunks `plan` stores records of that are not stored yet and
/// reads every one's row back, in one round trip (the `SELECT` sees the
/// rows as before the statement, the `RETURNING` the ones it added).
const STORE_CHUNKS: &str = "WITH added AS ( \
     INSERT INTO chunks (origin, format, alg, key_id, count, value) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) \
     ON CONFLICT (value) DO NOTHING \
     RETURNING id, origin, format, alg, key_id, count, value) \
     SELECT id, origin, format, alg, key_id, count, value FROM added \
     UNION ALL \
     SELECT id, origin, format, alg, key_id, count, value FROM chunks WHERE value = ANY($6)";

/// The row id of each chunk `plan` stores records of; a chunk whose value
/// is stored with other members (no honest origin's) is left out, and its
/// records are kept whole.
async fn store_chunks<'p>(
    tx: &mut PgConnection,
    plan: &Plan<'p>,
) -> Result<ChunkIds<'p>, StoreError> {
    let chunks = plan.chunks();
    let mut ids = ChunkIds::new();
    if chunks.is_empty() {
        return Ok(ids);
    }
    let column = |f: fn(&ChunkRow<'p>) -> &'p str| chunks.iter().map(f).collect::<Vec<_>>();
    let rows: Vec<(i64, String, String, String, String, i64, String)> =
        sqlx::query_as(STORE_CHUNKS)
            .bind(column(|c| c.origin))
            .bind(column(|c| c.format))
            .bind(column(|c| c.alg))
            .bind(column(|c| c.key_id))
            .bind(chunks.iter().map(|c| c.count).collect::<Vec<_>>())
            .bind(column(|c| c.value))
            .fetch_all(&mut *tx)
            .await
            .map_err(sql("storing chunk signatures"))?;
    let stored: HashMap<&str, _> = rows.iter().map(|r| (r.6.as_str(), r)).collect();
    for c in chunks {
        if let Some((id, origin, format, alg, key_id, count, _)) = stored.get(c.value)
            && c.is(origin, format, alg, key_id, *count)
        {
            ids.insert(c.value, (*id, c));
        }
    }
    Ok(ids)
}

/// Every row of `plan`.
async fn write(tx: &mut PgConnection, plan: &Plan<'_>) -> Result<(), StoreError> {
    use Field::{Int, Text};
    let now = plan.now();

    let mut rows = Rows::new("changes (seq, record_id, version, chain)", 4);
    for c in plan.changes() {
        rows.push([Int(c.seq), Text(c.record_id), Int(c.version), Text(c.chain)]);
    }
    rows.send(tx, "appending changes").await?;

    let chunks = store_chunks(tx, plan).await?;
    let records = plan.records(&chunks);
    let replaced = plan.replaced();
    if !replaced.is_empty() {
        sqlx::query("DELETE FROM records WHERE id = ANY($1)")
            .bind(&replaced)
            .execute(&mut *tx)
            .await
            .map_err(sql("replacing records"))?;
    }
    let mut rows = Rows::new(
        "records (id, kind, origin, version, seq, lane, round_id, classification, \
         updated_at, received_at, received_from, bytes, doc, doc_tail, chunk, sig_index, \
         sig_proof)",
        17,
    );
    for r in &records {
        rows.push([
            Text(r.id),
            Text(r.kind),
            Text(r.origin),
            Int(r.version),
            Int(r.seq),
            Int(r.lane),
            Field::opt(r.round_id),
            Text(r.classification),
            Text(r.updated_at),
            Int(r.received_at),
            Field::opt(r.received_from),
            Int(r.bytes),
            Text(r.doc),
            Field::opt(r.doc_tail),
            Field::opt_int(r.chunk),
            Field::opt_int(r.sig_index),
            Field::opt(r.sig_proof),
        ]);
    }
    rows.send(tx, "storing records").await?;

    let outbox = plan.outbox();
    let mut rows = Rows::new("outbox (peer, lane, seq, bytes, queued_at)", 5);
    for (peer, lane, seq, bytes) in &outbox {
        rows.push([Text(peer), Int(*lane), Int(*seq), Int(*bytes), Int(now)]);
    }
    rows.send(tx, "queueing records").await?;

    let parked = plan.parked();
    let mut rows = Rows::new("parked (seq, links)", 2);
    for (seq, links) in &parked {
        rows.push([Int(*seq), Text(links)]);
    }
    rows.send(tx, "parking records").await?;

    let mut rows = Rows::new(
        "quarantine (at, peer, record_id, kind, code, reason, raw)",
        7,
    );
    for e in plan.quarantine() {
        rows.push([
            Int(now),
            Field::opt(e.peer.as_deref()),
            Field::opt(e.record_id.as_deref()),
            Field::opt(e.kind.as_deref()),
            Field::opt(e.code.as_deref()),
            Text(&e.reason),
            Text(&e.raw),
        ]);
    }
    rows.send(tx, "quarantining").await?;

    for (peer, lane, pos) in plan.cursors() {
        sqlx::query(SAVE_CURSOR)
            .bind(peer.as_str())
            .bind(lane.as_i64())
            .bind(&pos.generation)
            .bind(pos.seq)
            .bind(&pos.chain)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(sql("saving cursor"))?;
    }
    Ok(())
}

/// From this many rows on, a table's rows are streamed with `COPY` (two
/// round trips whatever the count); fewer go in one multi-row `INSERT`
/// (one round trip): a single record on its way up, the latency case.
const COPY_FROM: usize = 16;

/// One value of a row.
#[derive(Clone, Copy)]
enum Field<'a> {
    Int(i64),
    Text(&'a str),
    /// NULL in a text column.
    Null,
    /// NULL in an integer column (bound as one: PostgreSQL takes no text
    /// for a `BIGINT`, not even a NULL one).
    NullInt,
}

impl<'a> Field<'a> {
    /// A text, or NULL.
    fn opt(v: Option<&'a str>) -> Field<'a> {
        v.map_or(Field::Null, Field::Text)
    }

    /// An integer, or NULL.
    fn opt_int(v: Option<i64>) -> Field<'a> {
        v.map_or(Field::NullInt, Field::Int)
    }
}

/// One table's new rows: `target` is the table and its columns.
struct Rows<'a> {
    target: &'static str,
    cols: usize,
    fields: Vec<Field<'a>>,
}

impl<'a> Rows<'a> {
    fn new(target: &'static str, cols: usize) -> Rows<'a> {
        Rows {
            target,
            cols,
            fields: Vec::new(),
        }
    }

    fn push<const N: usize>(&mut self, row: [Field<'a>; N]) {
        debug_assert_eq!(N, self.cols, "{}", self.target);
        self.fields.extend(row);
    }

    fn len(&self) -> usize {
        self.fields.len() / self.cols
    }

    /// Writes the rows (nothing when there are none).
    async fn send(self, tx: &mut PgConnection, what: &'static str) -> Result<(), StoreError> {
        match self.len() {
            0 => Ok(()),
            n if n < COPY_FROM => self.insert(tx, what).await,
            _ => {
                let statement = format!("COPY {} FROM STDIN", self.target);
                let mut copy = tx.copy_in_raw(&statement).await.map_err(sql(what))?;
                copy.send(self.copy_text().as_bytes())
                    .await
                    .map_err(sql(what))?;
                copy.finish().await.map_err(sql(what))?;
                Ok(())
            }
        }
    }

    /// One `INSERT … VALUES ($1, …), …` binding every field.
    async fn insert(&self, tx: &mut PgConnection, what: &'static str) -> Result<(), StoreError> {
        // Not `bulk::MultiRow`: it cuts rows into power-of-two chunks, a
        // statement each, where this wants one statement for all of them.
        let rows: Vec<String> = (0..self.len())
            .map(|r| {
                let params: Vec<String> = (1..=self.cols)
                    .map(|c| format!("${}", r * self.cols + c))
                    .collect();
                format!("({})", params.join(","))
            })
            .collect();
        let text = format!("INSERT INTO {} VALUES {}", self.target, rows.join(","));
        // Column names and numbered placeholders only: no value is in the text.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(text));
        for f in &self.fields {
            q = match *f {
                Field::Int(v) => q.bind(v),
                Field::Text(v) => q.bind(v),
                Field::Null => q.bind(None::<&str>),
                Field::NullInt => q.bind(None::<i64>),
            };
        }
        q.execute(&mut *tx).await.map_err(sql(what))?;
        Ok(())
    }

    /// The rows in `COPY`'s text format: fields split by tabs, rows ended
    /// by newlines, NULL as `\N`; a backslash, tab, newline or carriage
    /// return inside a text is escaped, or it would end the field or row.
    fn copy_text(&self) -> String {
        let mut buf = String::new();
        for (k, f) in self.fields.iter().enumerate() {
            if k % self.cols > 0 {
                buf.push('\t');
            }
            match *f {
                Field::Int(v) => {
                    let _ = write!(buf, "{v}");
                }
                Field::Null | Field::NullInt => buf.push_str("\\N"),
                Field::Text(v) => {
                    let mut rest = v;
                    while let Some(i) = rest.find(['\\', '\t', '\n', '\r']) {
                        buf.push_str(&rest[..i]);
                        buf.push_str(match rest.as_bytes()[i] {
                            b'\\' => "\\\\",
                            b'\t' => "\\t",
                            b'\n' => "\\n",
                            _ => "\\r",
                        });
                        rest = &rest[i + 1..];
                    }
                    buf.push_str(rest);
                }
            }
            if k % self.cols == self.cols - 1 {
                buf.push('\n');
            }
        }
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::Field::{Int, Null, Text};
    use super::Rows;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_row() {
        let mut rows = Rows::new("t (a, b, c, d)", 4);
        rows.push([Int(7), Text("a\tb\\c\nd\re"), Null, Text("")]);
        rows.push([Text("中文"), Int(-1), Text("\\N"), Null]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows.copy_text(),
            "7\ta\\tb\\\\c\\nd\\re\t\\N\t\n中文\t-1\t\\\\N\t\\N\n"
        );
    }
}
