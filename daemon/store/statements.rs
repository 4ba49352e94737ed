//! SQL more than one writer runs, in one place: what the group commits
//! (`lite`, `pg`) and the rarer sqlx writes (`outbox`, `topology`) share,
//! and the `parked.links` column both write.

use sqlx::{Any, Transaction};

use super::backend::Backend;
use super::bulk::MultiRow;
use super::error::{StoreError, col, sql};
use super::types::OutboxRow;

/// Queues outbox rows (peer, lane, seq, bytes, queued_at).
pub(super) static QUEUE_OUTBOX: MultiRow = MultiRow::values(
    "INSERT INTO outbox (peer, lane, seq, bytes, queued_at) VALUES ",
    5,
    " ON CONFLICT DO NOTHING",
);

/// The last entry of the change log.
pub(super) const LOG_END: &str = "SELECT seq, chain FROM changes ORDER BY seq DESC LIMIT 1";

/// The doc of the `records` row `r` as it was received, byte for byte,
/// with its chunk joined as `k` ([`chunk_join!`]): a row kept in pieces
/// (migration 0007) has its signature member written again between them,
/// the members in the order of `records::Signature`'s packed form. Both
/// backends' SQL (`||` writes an integer in decimal on both).
macro_rules! record_doc {
    () => {
        "CASE WHEN r.chunk IS NULL THEN r.doc ELSE r.doc || (',\"signature\":\"' \
         || k.format || ' ' || k.alg || ' ' || k.key_id || ' ' || r.sig_index || '/' \
         || k.count || ' ' || k.value \
         || CASE WHEN r.sig_proof = '' THEN '' ELSE ' ' || r.sig_proof END || '\"') \
         || r.doc_tail END"
    };
}

/// Joins the chunk of the `records` row `r` as `k`, for [`record_doc!`].
macro_rules! chunk_join {
    () => {
        " LEFT JOIN chunks k ON k.id = r.chunk "
    };
}

pub(super) use {chunk_join, record_doc};

/// A link's outbox rows after a seq, with each record's document (NULL
/// when the record has since been superseded: the row is passed, not
/// sent) and the change-log entry at the row's seq.
pub(super) const QUEUED_ROWS: &str = concat!(
    "SELECT o.seq, ",
    record_doc!(),
    " AS doc, c.record_id, c.version, c.chain
     FROM outbox o JOIN changes c ON c.seq = o.seq LEFT JOIN records r ON r.seq = o.seq",
    chunk_join!(),
    "WHERE o.peer = $1 AND o.lane = $2 AND o.seq > $3 ORDER BY o.seq LIMIT $4"
);

/// Stores a chunk's row (origin, format, alg, key_id, count, value) unless
/// one with its value is stored already (SQLite's group commit; PostgreSQL
/// stores a group's chunks in one statement, `pg`).
pub(super) const INSERT_CHUNK: &str =
    "INSERT INTO chunks (origin, format, alg, key_id, count, value)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (value) DO NOTHING";

/// The chunk row with a signature value.
pub(super) const CHUNK_BY_VALUE: &str =
    "SELECT id, origin, format, alg, key_id, count FROM chunks WHERE value = $1";

/// Saves a receiver cursor (peer, lane, generation, seq, chain, at). A
/// replayed (older) batch of the same generation never moves the cursor
/// back; a new generation always replaces it.
pub(super) const SAVE_CURSOR: &str = "INSERT INTO cursors (peer, lane, generation, seq, chain, at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (peer, lane) DO UPDATE SET generation = excluded.generation,
         seq = excluded.seq, chain = excluded.chain, at = excluded.at
     WHERE cursors.generation <> excluded.generation OR cursors.seq < excluded.seq";

/// Quarantines a refused record (at, peer, record_id, kind, code, reason, raw).
pub(super) const INSERT_QUARANTINE: &str = "INSERT INTO quarantine (at, peer, record_id, kind, code, reason, raw) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The last seq of the change log and its chain hash ((0, "") when empty).
pub(super) async fn log_end(
    tx: &mut Transaction<'static, Any>,
) -> Result<(i64, String), StoreError> {
    let last = sqlx::query(LOG_END)
        .fetch_optional(&mut **tx)
        .await
        .map_err(sql("reading the log's end"))?;
    Ok(match last {
        Some(row) => (col(&row, "seq")?, col(&row, "chain")?),
        None => (0, String::new()),
    })
}

/// Queues `rows` on their links' outboxes, as of `now`.
pub(super) async fn queue(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
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

/// The links a parked row was queued on, as stored in `parked.links`.
pub(super) fn join_links<'a>(links: impl IntoIterator<Item = &'a str>) -> String {
    links.into_iter().collect::<Vec<_>>().join(",")
}

/// The links of a `parked.links` value.
pub(super) fn split_links(links: &str) -> impl Iterator<Item = &str> {
    links.split(',').filter(|l| !l.is_empty())
}
