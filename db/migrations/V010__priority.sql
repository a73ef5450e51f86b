-- V010: a message's transfer priority (RFC 6710 MT-PRIORITY, -9 to 9),
-- which orders a next hop's queue and is passed on to a next hop that
-- offers the extension. NULL (0, "normal") on nearly all mail: a nullable
-- column without a default is added without rewriting the table.
ALTER TABLE message ADD COLUMN priority smallint;
