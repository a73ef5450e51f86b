-- V008: the DSN extension's parameters (RFC 3461), kept with the message
-- so that any process delivering it passes them on, or acts on them: RET
-- and ENVID from MAIL, NOTIFY and ORCPT from each RCPT. NULL where the
-- client gave none (nearly all mail): nullable columns without a default
-- are added without rewriting the tables.
ALTER TABLE message ADD COLUMN dsn_ret text, ADD COLUMN dsn_envid text;
ALTER TABLE recipient ADD COLUMN notify text, ADD COLUMN orcpt text;
