//! The connection SQLite's group commits run on, and the connections
//! that read a lagging link's outbox back, through SQLite's own binding
//! (rusqlite) rather than sqlx.
//!
//! Why: a group commit is the hot path of every hop, and through sqlx's
//! `Any` driver each text value was copied twice into fresh allocations
//! before SQLite copied it again, about a third of a commit's instructions.
//! Here values are bound by reference into the same multi-row statements
//! (prepared once), and the whole transaction runs on one blocking thread
//! with no hop to a worker per statement. The outbox read-back (every
//! record a link that fell behind sends) runs on SQLite's binding too, on
//! read connections of its own ([`LiteReaders`]): through sqlx each row
//! crossed to sqlx's worker thread and back. Everything else (other reads,
//! the rarer writes, migrations) stays on sqlx; all writers hold the
//! store's write lock, so the two write connections never contend.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};

use super::backend::Backend;
use super::bulk::MultiRow;
use super::checkpoint::{Checkpointer, ROW_BYTES};
use super::counts::Counts;
use super::error::StoreError;
use super::plan::{ChunkIds, Plan, item_ids};
use super::sqlite;
use super::statements::{
    CHUNK_BY_VALUE, INSERT_CHUNK, INSERT_QUARANTINE, LOG_END, QUEUE_OUTBOX, QUEUED_ROWS,
    SAVE_CURSOR,
};
use super::tail::Tails;
use super::types::{Applied, Change, Commit, QueuedRow, now_ms};
use crate::records::Lane;

/// Current versions of records, by id. This and the statements below are
/// SQLite's group commit (multi-row: see `bulk`).
static HELD_VERSIONS: MultiRow =
    MultiRow::list("SELECT id, version FROM records WHERE id IN (", ")");
static APPEND_CHANGES: MultiRow = MultiRow::values(
    "INSERT INTO changes (seq, record_id, version, chain) VALUES ",
    4,
    "",
);
static UPSERT_RECORDS: MultiRow = MultiRow::values(
    "INSERT INTO records (id, kind, origin, version, seq, lane, round_id, classification,
         updated_at, received_at, received_from, bytes, doc, doc_tail, chunk, sig_index,
         sig_proof) VALUES ",
    17,
    " ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq,
         round_id = excluded.round_id, classification = excluded.classification,
         updated_at = excluded.updated_at, received_at = excluded.received_at,
         received_from = excluded.received_from, bytes = excluded.bytes, doc = excluded.doc,
         doc_tail = excluded.doc_tail, chunk = excluded.chunk, sig_index = excluded.sig_index,
         sig_proof = excluded.sig_proof",
);
static PARK: MultiRow = MultiRow::values(
    "INSERT INTO parked (seq, links) VALUES ",
    2,
    " ON CONFLICT DO NOTHING",
);

/// SQLite's write connection; None once the store is closed.
pub(super) struct LiteWriter {
    conn: Mutex<Option<Connection>>,
    checkpoints: Checkpointer,
}

/// Tags a rusqlite error with the operation; a full disk or store becomes
/// [`StoreError::Full`].
fn lite(what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| {
        if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StoreError::Full { what }
        } else {
            StoreError::Sqlite { what, source }
        }
    }
}

impl LiteWriter {
    /// Opens the store file at `path` (already created and migrated) with
    /// the settings of every store connection (see `sqlite::pragmas`).
    pub fn open(
        path: &Path,
        max_bytes: Option<u64>,
        checkpoints: Checkpointer,
    ) -> Result<LiteWriter, StoreError> {
        let conn = Connection::open(path).map_err(lite("opening the write connection"))?;
        conn.execute_batch(&sqlite::pragmas(max_bytes).join("; "))
            .map_err(lite("setting up the write connection"))?;
        Ok(LiteWriter {
            conn: Mutex::new(Some(conn)),
            checkpoints,
        })
    }

    /// Counts `bytes` written to the log by another connection (see
    /// `checkpoint`).
    pub fn wrote(&self, bytes: u64) {
        self.checkpoints.wrote(bytes);
    }

    /// Closes the connection; commits after this fail as interrupted.
    pub fn close(&self) {
        self.conn.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// One transaction for `group`, told to `tails` once committed; the
    /// caller holds the store's write lock. Blocks: run it off the async
    /// workers.
    pub fn apply(
        &self,
        group: &[Commit],
        tails: &Tails,
        counts: &Counts,
    ) -> Result<Vec<Vec<Applied>>, StoreError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let conn = guard.as_mut().ok_or(StoreError::Interrupted)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(lite("beginning commit"))?;
        let ids = item_ids(group);
        let held = held_versions(&tx, &ids)?;
        let end = tx
            .prepare_cached(LOG_END)
            .and_then(|mut q| q.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(lite("reading the log's end"))?
            .unwrap_or_default();
        let plan = Plan::new(group, ids, &held, end, now_ms());
        let written = write(&tx, &plan)?;
        tx.commit().map_err(lite("committing"))?;
        self.checkpoints.wrote(written);
        plan.tell(tails, counts);
        Ok(plan.applied())
    }
}

/// Read connections for the outbox read-back: at most [`READERS`] reads
/// at once (links that fell behind read together, and WAL lets them while
/// the writer commits), each on a connection opened when first needed and
/// kept for the next read.
pub(super) struct LiteReaders {
    path: PathBuf,
    permits: Arc<tokio::sync::Semaphore>,
    /// None once the store is closed.
    idle: Mutex<Option<Vec<Connection>>>,
}

/// Reads at once, and connections kept open: thousands of children pulling
/// after a parent's restart queue here rather than open a connection (and
/// a blocking thread) each.
const READERS: usize = 4;

impl LiteReaders {
    pub fn new(path: &Path) -> LiteReaders {
        LiteReaders {
            path: path.to_path_buf(),
            permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
            idle: Mutex::new(Some(Vec::new())),
        }
    }

    /// Closes the idle connections; reads after this fail as interrupted,
    /// and a read under way closes its connection when done.
    pub fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Up to `limit` outbox rows of (`peer`, `lane`) after seq `after`, in
    /// seq order (see [`QUEUED_ROWS`]), read off the async workers.
    pub async fn queued(
        self: &Arc<Self>,
        peer: &str,
        lane: Lane,
        after: i64,
        limit: usize,
    ) -> Result<Vec<QueuedRow>, StoreError> {
        // Held by the read itself: a caller that goes away does not free
        // its place while the read runs on.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Interrupted)?;
        let (readers, peer) = (self.clone(), peer.to_string());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            readers.read(&peer, lane, after, limit)
        })
        .await
        .unwrap_or_else(|e| match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(StoreError::Interrupted),
        })
    }

    fn read(
        &self,
        peer: &str,
        lane: Lane,
        after: i64,
        limit: usize,
    ) -> Result<Vec<QueuedRow>, StoreError> {
        let what = "reading outbox";
        let idle = match self.idle.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            Some(idle) => idle.pop(),
            None => return Err(StoreError::Interrupted),
        };
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn =
                    Connection::open(&self.path).map_err(lite("opening a read connection"))?;
                conn.execute_batch(sqlite::READ_BACK_PRAGMAS)
                    .map_err(lite("setting up a read connection"))?;
                conn
            }
        };
        let rows = conn
            .prepare_cached(QUEUED_ROWS)
            .and_then(|mut q| {
                q.query_map(params![peer, lane.as_i64(), after, limit as i64], |r| {
                    Ok(QueuedRow {
                        seq: r.get(0)?,
                        doc: r.get(1)?,
                        change: Change {
                            record_id: r.get(2)?,
                            version: r.get(3)?,
                            chain: r.get(4)?,
                        },
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(lite(what))?;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(idle) = idle.as_mut() {
            idle.push(conn);
        }
        Ok(rows)
    }
}

/// The version held of each of `ids` (None when new here).
fn held_versions(
    tx: &rusqlite::Transaction<'_>,
    ids: &[String],
) -> Result<Vec<Option<i64>>, StoreError> {
    let what = "reading versions";
    let mut held: HashMap<&str, i64> = HashMap::new();
    for (text, chunk) in HELD_VERSIONS.chunks(Backend::Sqlite, ids) {
        let mut q = tx.prepare_cached(text).map_err(lite(what))?;
        let mut rows = q
            .query(rusqlite::params_from_iter(chunk))
            .map_err(lite(what))?;
        while let Some(row) = rows.next().map_err(lite(what))? {
            let id = row
                .get_ref(0)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(lite(what))?;
            let version: i64 = row.get(1).map_err(lite(what))?;
            if let Some(k) = chunk.iter().find(|c| c.as_str() == id) {
                held.insert(k.as_str(), version);
            }
        }
    }
    Ok(ids
        .iter()
        .map(|id| held.get(id.as_str()).copied())
        .collect())
}

/// Finds or stores the row of each chunk `plan` stores records of; a
/// chunk whose value is stored with other members (no honest origin's)
/// is left out, and its records are kept whole.
fn store_chunks<'p>(
    tx: &rusqlite::Transaction<'_>,
    plan: &Plan<'p>,
) -> Result<ChunkIds<'p>, StoreError> {
    const WHAT: &str = "storing chunk signatures";
    let mut ids = ChunkIds::new();
    for c in plan.chunks() {
        tx.prepare_cached(INSERT_CHUNK)
            .and_then(|mut q| {
                q.execute(params![
                    c.origin, c.format, c.alg, c.key_id, c.count, c.value
                ])
            })
            .map_err(lite(WHAT))?;
        let (id, same) = tx
            .prepare_cached(CHUNK_BY_VALUE)
            .and_then(|mut q| {
                q.query_row(params![c.value], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        c.is(
                            &row.get::<_, String>(1)?,
                            &row.get::<_, String>(2)?,
                            &row.get::<_, String>(3)?,
                            &row.get::<_, String>(4)?,
                            row.get(5)?,
                        ),
                    ))
                })
            })
            .map_err(lite(WHAT))?;
        if same {
            ids.insert(c.value, (id, c));
        }
    }
    Ok(ids)
}

/// Every row of `plan`, in multi-row statements as on sqlx (see `bulk`:
/// SQLite opens a statement's cursors on the table and each of its indexes
/// once per statement, not per row). Returns about how many bytes that
/// adds to the log: the documents and a little per row.
fn write(tx: &rusqlite::Transaction<'_>, plan: &Plan<'_>) -> Result<u64, StoreError> {
    let now = plan.now();
    let changes = plan.changes();
    execute(tx, &APPEND_CHANGES, &changes, "appending changes", |c| {
        [&c.seq, &c.record_id, &c.version, &c.chain]
    })?;
    let chunks = store_chunks(tx, plan)?;
    let records = plan.records(&chunks);
    let written = records
        .iter()
        .map(|r| (r.doc.len() + r.doc_tail.map_or(0, str::len)) as u64 + ROW_BYTES)
        .sum();
    execute(tx, &UPSERT_RECORDS, &records, "storing records", |r| {
        [
            &r.id,
            &r.kind,
            &r.origin,
            &r.version,
            &r.seq,
            &r.lane,
            &r.round_id,
            &r.classification,
            &r.updated_at,
            &r.received_at,
            &r.received_from,
            &r.bytes,
            &r.doc,
            &r.doc_tail,
            &r.chunk,
            &r.sig_index,
            &r.sig_proof,
        ]
    })?;
    let outbox = plan.outbox();
    execute(
        tx,
        &QUEUE_OUTBOX,
        &outbox,
        "queueing records",
        |(peer, lane, seq, bytes)| [peer, lane, seq, bytes, &now],
    )?;
    let parked = plan.parked();
    execute(tx, &PARK, &parked, "parking records", |(seq, links)| {
        [seq, links]
    })?;
    for (peer, lane, pos) in plan.cursors() {
        tx.prepare_cached(SAVE_CURSOR)
            .and_then(|mut q| {
                q.execute(params![
                    peer.as_str(),
                    lane.as_i64(),
                    pos.generation,
                    pos.seq,
                    pos.chain,
                    now
                ])
            })
            .map_err(lite("saving cursor"))?;
    }
    for e in plan.quarantine() {
        tx.prepare_cached(INSERT_QUARANTINE)
            .and_then(|mut q| {
                q.execute(params![
                    now,
                    e.peer,
                    e.record_id,
                    e.kind,
                    e.code,
                    e.reason,
                    e.raw
                ])
            })
            .map_err(lite("quarantining"))?;
    }
    Ok(written)
}

/// Runs `statement` over all `rows`; `bind` gives one row's values in
/// column order.
fn execute<T, const N: usize>(
    tx: &rusqlite::Transaction<'_>,
    statement: &'static MultiRow,
    rows: &[T],
    what: &'static str,
    bind: impl for<'r> Fn(&'r T) -> [&'r dyn ToSql; N],
) -> Result<(), StoreError> {
    for (text, chunk) in statement.chunks(Backend::Sqlite, rows) {
        let mut q = tx.prepare_cached(text).map_err(lite(what))?;
        let mut at = 1;
        for row in chunk {
            for value in bind(row) {
                q.raw_bind_parameter(at, value).map_err(lite(what))?;
                at += 1;
            }
        }
        q.raw_execute().map_err(lite(what))?;
    }
    Ok(())
}
