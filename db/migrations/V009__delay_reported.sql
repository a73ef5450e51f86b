-- V009: a deferred recipient is reported as delayed once (RFC 3464
-- Action: delayed, at [retry] delay_warning); this remembers that it was,
-- whichever process sent the report. NULL (not yet) on every row there is:
-- a nullable column without a default is added without rewriting the table.
ALTER TABLE recipient ADD COLUMN delay_reported boolean;
