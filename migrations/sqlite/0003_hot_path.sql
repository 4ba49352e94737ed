-- xunlian store, schema version 3: tables shaped for the write path.
-- Every record a node stores appends to the change log, upserts `records`
-- and queues outbox rows, often tens of thousands a second; each B-tree a
-- row touches is work on every hop.

-- The outbox keyed by its primary key alone (WITHOUT ROWID): one B-tree
-- insert and one delete per queued record instead of two of each.
CREATE TABLE outbox_v3 (
    peer      TEXT    NOT NULL,
    lane      INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (peer, lane, seq)
) WITHOUT ROWID;
INSERT INTO outbox_v3 (peer, lane, seq, bytes, queued_at)
    SELECT peer, lane, seq, bytes, queued_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;

-- The change log without AUTOINCREMENT: seqs are always given, and the log
-- is never pruned, so the sqlite_sequence bookkeeping bought nothing.
CREATE TABLE changes_v3 (
    seq       INTEGER PRIMARY KEY,
    record_id TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    chain     TEXT    NOT NULL
);
INSERT INTO changes_v3 (seq, record_id, version, chain)
    SELECT seq, record_id, version, chain FROM changes;
DROP TABLE changes;
ALTER TABLE changes_v3 RENAME TO changes;

-- Records keyed by their change-log position (the rowid): new records
-- append to the table, reading a record by seq (the outbox, re-queueing)
-- is a rowid lookup, and the separate UNIQUE index on seq is gone. An
-- index on a column carries the rowid, so (kind) serves "kind = ? ORDER
-- BY seq" as (kind, seq) did.
CREATE TABLE records_v3 (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL,
    origin         TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    lane           INTEGER NOT NULL,
    round_id       TEXT,
    classification TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    received_at    INTEGER NOT NULL,
    received_from  TEXT,
    bytes          INTEGER NOT NULL,
    doc            TEXT    NOT NULL
);
INSERT INTO records_v3 (seq, id, kind, origin, version, lane, round_id, classification,
        updated_at, received_at, received_from, bytes, doc)
    SELECT seq, id, kind, origin, version, lane, round_id, classification,
        updated_at, received_at, received_from, bytes, doc FROM records;
DROP TABLE records;
ALTER TABLE records_v3 RENAME TO records;
CREATE INDEX records_kind ON records (kind);
CREATE INDEX records_origin ON records (origin);
CREATE INDEX records_round ON records (round_id);
CREATE INDEX records_updated_at ON records (updated_at);
