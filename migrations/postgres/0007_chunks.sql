-- xunlian store, schema version 7 (PostgreSQL): a chunk's signature kept once.
--
-- A signed record's doc carries its origin's signature member, ~290 bytes:
-- the chunk's signature value, algorithm, key id and count (the same for
-- up to 64 records) and the record's own index and inclusion proof. The
-- store keeps the chunk's members once, in `chunks`, and in the record's
-- row only its own: `doc` is then the text before the signature member,
-- `doc_tail` the text after it, `chunk` the chunk's row, `sig_index` and
-- `sig_proof` (empty in a chunk of one) the record's. Readers get the doc
-- back byte for byte (store::statements, `record_doc!`). A row with no
-- `chunk` (unsigned, legacy, or a doc in another form) holds its whole
-- doc. Rows stored before this version keep theirs; none is rewritten.
-- `value` is unique: an ECDSA or SM2 signature is one chunk's.
CREATE TABLE chunks (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin TEXT COLLATE "C" NOT NULL,
    format TEXT   NOT NULL,
    alg    TEXT   NOT NULL,
    key_id TEXT   NOT NULL,
    count  BIGINT NOT NULL,
    value  TEXT COLLATE "C" NOT NULL UNIQUE
);
ALTER TABLE records
    ADD COLUMN chunk BIGINT,
    ADD COLUMN sig_index BIGINT,
    ADD COLUMN sig_proof TEXT,
    ADD COLUMN doc_tail TEXT;
