-- xunlian store, schema version 5 (PostgreSQL): the quarantine keeps the refusal's code.
--
-- `code` is the refusal reason as on the wire (`not_allowed`, `schema`, …),
-- beside the sentence in `reason`, so operators can list and retry by it.
-- Rows quarantined before this version have none (NULL, shown as "-").
ALTER TABLE quarantine ADD COLUMN code TEXT;
