-- V003: the commit ledger. Each group commit inserts one row, keyed by the
-- batch's first message key, in the same transaction as its messages. When
-- the connection breaks after the statements were sent and before the
-- server's ReadyForQuery, the outcome is unknown to the gateway; this row
-- answers the question ("did it commit?") on a new connection, so no 250
-- is ever sent for a batch that did not commit, and no batch that did is
-- committed twice. Rows older than a day are pruned.
CREATE TABLE commit_ledger (
    first_key    bigint PRIMARY KEY,
    committed_at timestamptz NOT NULL DEFAULT now()
);
