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
//! are always right. Reads and the rarer writes stay on the `Any` pool.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use super::commit::{Commit, LOG_END};
use super::links::SAVE_CURSOR;
use super::plan::{Plan, item_ids};
use super::records::{Applied, Counts};
use super::tail::Tails;
use super::{StoreError, now_ms, sql};

/// PostgreSQL's write connection for group commits (a pool of one, so a
/// connection lost with the server is made again on the next commit).
pub(super) struct PgWriter {
    pool: PgPool,
}

/// The current version of each record named by an array of ids (NULL
/// when not held), one primary-key probe per id. Written so that no plan
/// can do otherwise: with `id = ANY($1)` or a join, a table that has not
/// been analysed yet (a new store taking its first backlog) gets a
/// sequential scan per commit.
const HELD_VERSIONS: &str = "SELECT i.id, (SELECT r.version FROM records r WHERE r.id = i.id) \
     FROM unnest($1::text[]) AS i(id)";

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
        let found: Vec<(String, Option<i64>)> = sqlx::query_as(HELD_VERSIONS)
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await
            .map_err(sql("reading versions"))?;
        let found: HashMap<String, i64> = found
            .into_iter()
            .filter_map(|(id, v)| v.map(|v| (id, v)))
            .collect();
        let held: Vec<Option<i64>> = ids.iter().map(|id| found.get(id).copied()).collect();
        let end: Option<(i64, String)> = sqlx::query_as(LOG_END)
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql("reading the log's end"))?;
        let plan = Plan::new(group, ids, &held, end.unwrap_or_default(), now_ms());
        write(&mut tx, &plan, &found).await?;
        tx.commit().await.map_err(sql("committing"))?;
        plan.tell(tails, counts);
        Ok(plan.applied())
    }
}

/// Every row of `plan`; `held` names the records stored here before it.
async fn write(
    tx: &mut PgConnection,
    plan: &Plan<'_>,
    held: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let now = plan.now();
    let mut rows = CopyRows::default();
    for c in plan.changes() {
        rows.int(c.seq)
            .text(c.record_id)
            .int(c.version)
            .text(c.chain);
        rows.end();
    }
    rows.copy(
        tx,
        "changes (seq, record_id, version, chain)",
        "appending changes",
    )
    .await?;

    let records = plan.records();
    let replaced: Vec<&str> = records
        .iter()
        .map(|r| r.id)
        .filter(|id| held.contains_key(*id))
        .collect();
    if !replaced.is_empty() {
        sqlx::query("DELETE FROM records WHERE id = ANY($1)")
            .bind(&replaced)
            .execute(&mut *tx)
            .await
            .map_err(sql("replacing records"))?;
    }
    for r in &records {
        rows.text(r.id).text(r.kind).text(r.origin).int(r.version);
        rows.int(r.seq)
            .int(r.lane)
            .opt(r.round_id)
            .text(r.classification);
        rows.text(r.updated_at)
            .int(r.received_at)
            .opt(r.received_from);
        rows.int(r.bytes).text(r.doc);
        rows.end();
    }
    rows.copy(
        tx,
        "records (id, kind, origin, version, seq, lane, round_id, classification, \
         updated_at, received_at, received_from, bytes, doc)",
        "storing records",
    )
    .await?;

    for (peer, lane, seq, bytes) in plan.outbox() {
        rows.text(peer).int(lane).int(seq).int(bytes).int(now);
        rows.end();
    }
    rows.copy(
        tx,
        "outbox (peer, lane, seq, bytes, queued_at)",
        "queueing records",
    )
    .await?;

    for (seq, links) in plan.parked() {
        rows.int(seq).text(&links);
        rows.end();
    }
    rows.copy(tx, "parked (seq, links)", "parking records")
        .await?;

    for e in plan.quarantine() {
        rows.int(now)
            .opt(e.peer.as_deref())
            .opt(e.record_id.as_deref());
        rows.opt(e.kind.as_deref()).text(&e.reason).text(&e.raw);
        rows.end();
    }
    rows.copy(
        tx,
        "quarantine (at, peer, record_id, kind, reason, raw)",
        "quarantining",
    )
    .await?;

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

/// Rows in `COPY`'s text format, built up field by field.
#[derive(Default)]
struct CopyRows {
    buf: String,
    /// Whether the current row has a field yet.
    started: bool,
    rows: usize,
}

impl CopyRows {
    fn sep(&mut self) {
        if self.started {
            self.buf.push('\t');
        }
        self.started = true;
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    /// A text field, escaped: a backslash, tab, newline or carriage
    /// return would otherwise end the field or the row.
    fn text(&mut self, v: &str) -> &mut Self {
        self.sep();
        let mut rest = v;
        while let Some(i) = rest.find(['\\', '\t', '\n', '\r']) {
            self.buf.push_str(&rest[..i]);
            self.buf.push_str(match rest.as_bytes()[i] {
                b'\\' => "\\\\",
                b'\t' => "\\t",
                b'\n' => "\\n",
                _ => "\\r",
            });
            rest = &rest[i + 1..];
        }
        self.buf.push_str(rest);
        self
    }

    fn opt(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.text(v),
            None => {
                self.sep();
                self.buf.push_str("\\N");
                self
            }
        }
    }

    fn end(&mut self) {
        self.buf.push('\n');
        self.started = false;
        self.rows += 1;
    }

    /// Copies the rows built so far into `target` (a table and its
    /// columns) and starts afresh; nothing is sent when there are none.
    async fn copy(
        &mut self,
        tx: &mut PgConnection,
        target: &str,
        what: &'static str,
    ) -> Result<(), StoreError> {
        if self.rows == 0 {
            return Ok(());
        }
        let statement = format!("COPY {target} FROM STDIN");
        let mut copy = tx.copy_in_raw(&statement).await.map_err(sql(what))?;
        copy.send(self.buf.as_bytes()).await.map_err(sql(what))?;
        copy.finish().await.map_err(sql(what))?;
        self.buf.clear();
        self.rows = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_row() {
        let mut rows = CopyRows::default();
        rows.int(7).text("a\tb\\c\nd\re").opt(None).text("");
        rows.end();
        rows.text("中文").end();
        assert_eq!(rows.buf, "7\ta\\tb\\\\c\\nd\\re\t\\N\t\n中文\n");
        assert_eq!(rows.rows, 2);
    }
}
