-- V012: RFC 6531 SMTPUTF8: the message was given with SMTPUTF8 (its
-- envelope or header may hold UTF-8), so it goes with SMTPUTF8 to a next
-- hop that offers it, and to one that does not only when all of it is
-- ASCII. NULL (not given) on nearly all mail: no table rewrite.
ALTER TABLE message ADD COLUMN smtputf8 boolean;
