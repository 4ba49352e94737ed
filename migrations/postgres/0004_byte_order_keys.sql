-- xunlian store, schema version 4 (PostgreSQL): keys compare byte by byte.
--
-- Every key below is ASCII (record ids, node ids, kinds, RFC 3339 times),
-- and its order is its bytes' order. Under the database's default
-- collation (zh_CN.UTF-8 or en_US.UTF-8 on a real server) every key
-- comparison in their indexes went through the locale's strcoll: on a
-- zh_CN.UTF-8 server the fan-in benchmark cost PostgreSQL 8.2-9.2 s of CPU
-- instead of 5.1-5.2. With COLLATE "C" they are memcmp. Changing a column's
-- collation rebuilds its indexes, not the table (once, at the upgrade:
-- minutes for a store of millions of records). SQLite compares bytes
-- already.
ALTER TABLE records
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN origin TYPE TEXT COLLATE "C",
    ALTER COLUMN round_id TYPE TEXT COLLATE "C",
    ALTER COLUMN updated_at TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN peer TYPE TEXT COLLATE "C";
ALTER TABLE acked ALTER COLUMN peer TYPE TEXT COLLATE "C";
ALTER TABLE cursors ALTER COLUMN peer TYPE TEXT COLLATE "C";
ALTER TABLE topology ALTER COLUMN node TYPE TEXT COLLATE "C";
ALTER TABLE meta ALTER COLUMN key TYPE TEXT COLLATE "C";
