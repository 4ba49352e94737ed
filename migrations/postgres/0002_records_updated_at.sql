-- xunlian store, schema version 2: `GET /api/v1/records?since=<time>`
-- filters on updated_at; index it so the filter does not scan.
CREATE INDEX records_updated_at ON records (updated_at);
