-- V011: RFC 8689 REQUIRETLS: the message is relayed only over TLS with a
-- verified certificate to a next hop that offers REQUIRETLS. NULL (not
-- asked) on nearly all mail: added without rewriting the table.
ALTER TABLE message ADD COLUMN require_tls boolean;
