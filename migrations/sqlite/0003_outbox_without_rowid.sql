-- xunlian store, schema version 3: the outbox as a WITHOUT ROWID table.
-- Every record a node stores is queued on its links and dropped once the
-- peer confirms it; keyed by its primary key alone, each row is one
-- B-tree insert and one delete instead of two of each.
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
