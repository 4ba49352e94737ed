-- xunlian store, schema version 6 (PostgreSQL): the workbench's accounts and audit.
--
-- `workbench_users`: one row per person (录入 clerk, 审核 reviewer, 运维
-- operator) with an argon2 hash (PHC string); `disabled` is 0 or 1.
-- `workbench_audit`: every write made through the workbench: who, when
-- (milliseconds since the epoch), what record, from which address.
CREATE TABLE workbench_users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    disabled   BIGINT NOT NULL DEFAULT 0,
    changed_at BIGINT NOT NULL
);
CREATE TABLE workbench_audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    kind      TEXT,
    record_id TEXT,
    address   TEXT NOT NULL
);
CREATE INDEX workbench_audit_user ON workbench_audit (user_name, id);
