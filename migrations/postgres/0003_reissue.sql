-- xunlian store, schema version 3: parked records re-issued in order.
--
-- A parked record whose destination becomes known is re-issued at the end
-- of the change log (a second entry of the same version, naming the entry
-- it re-issues), so every link still sends its outbox in seq order: a link
-- whose peer had long passed the record's first seq would never send it.
-- `parked.links` lists the links the record was already queued on, so a
-- record is re-issued only when it has somewhere new to go.
ALTER TABLE changes ADD COLUMN reissue_of BIGINT;
ALTER TABLE parked ADD COLUMN links TEXT NOT NULL DEFAULT '';
