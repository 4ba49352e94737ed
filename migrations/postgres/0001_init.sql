-- xunlian store, schema version 1 (PostgreSQL; same tables as migrations/sqlite).
-- Times are Unix milliseconds (INTEGER) unless the column holds an RFC 3339 copy.

-- Facts about this store: its generation id (renewed when the store is
-- found to have gone back in time) and the node it belongs to.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The append-only change log. Every stored version of every record gets
-- the next seq; peers' cursors point into it. `chain` is a hash over the
-- whole log up to this entry, so a peer's cursor (seq, chain) proves that
-- this store still has exactly the history the peer received. Never pruned.
CREATE TABLE changes (
    seq       BIGSERIAL PRIMARY KEY,
    record_id TEXT    NOT NULL,
    version   BIGINT NOT NULL,
    chain     TEXT    NOT NULL
);

-- The latest version of every record this node holds.
CREATE TABLE records (
    id             TEXT PRIMARY KEY,
    kind           TEXT    NOT NULL,
    origin         TEXT    NOT NULL,
    version        BIGINT NOT NULL,
    seq            BIGINT NOT NULL UNIQUE,
    lane           BIGINT NOT NULL,
    round_id       TEXT,
    classification TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    received_at    BIGINT NOT NULL,
    received_from  TEXT,
    bytes          BIGINT NOT NULL,
    doc            TEXT    NOT NULL
);
CREATE INDEX records_kind_seq ON records (kind, seq);
CREATE INDEX records_origin_seq ON records (origin, seq);
CREATE INDEX records_round ON records (round_id);

-- What each link still has to carry: one row per (peer, lane, seq),
-- deleted once the receiver's cursor has passed it.
CREATE TABLE outbox (
    peer      TEXT    NOT NULL,
    lane      BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    bytes     BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (peer, lane, seq)
);

-- Sender side: the highest seq each peer has confirmed per lane. If a
-- peer later reports less (its store was restored), the gap is re-queued.
CREATE TABLE acked (
    peer     TEXT    NOT NULL,
    lane     BIGINT NOT NULL,
    seq      BIGINT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (peer, lane)
);

-- Receiver side: how far this node has received each peer's log per lane,
-- saved in the same transaction as the records it covers. The sender's
-- chain hash at that seq lets it prove it still has that history.
CREATE TABLE cursors (
    peer       TEXT    NOT NULL,
    lane       BIGINT NOT NULL,
    generation TEXT    NOT NULL,
    seq        BIGINT NOT NULL,
    chain      TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (peer, lane)
);

-- The subtree below this node as announced by its children: which child
-- link leads to each descendant.
CREATE TABLE topology (
    node   TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    level  TEXT NOT NULL,
    name   TEXT NOT NULL,
    via    TEXT NOT NULL
);

-- Records whose named destinations were not yet known here; routed again
-- when the topology grows.
CREATE TABLE parked (
    seq BIGINT PRIMARY KEY
);

-- Records refused for their content, with the reason, for operators.
CREATE TABLE quarantine (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    peer      TEXT,
    record_id TEXT,
    kind      TEXT,
    reason    TEXT NOT NULL,
    raw       TEXT NOT NULL
);
