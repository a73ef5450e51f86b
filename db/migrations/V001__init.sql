-- V001: the queue. Messages with their bodies (so that any gateway process
-- sharing this database can deliver any message), and one row per
-- recipient carrying its delivery state and its lease.

-- Message keys are handed out in blocks of 1024 to each process; the first
-- key is 32^9 so every queue id (the key in base 32) has ten characters.
CREATE SEQUENCE message_key_block AS bigint
    START WITH 35184372088832 INCREMENT BY 1024
    MINVALUE 35184372088832 MAXVALUE 1125899906841600;

CREATE TABLE message (
    id          bigint PRIMARY KEY,
    qid         text NOT NULL,
    sender      text NOT NULL,            -- envelope reverse path, '' for <>
    received_at timestamptz NOT NULL DEFAULT now(),
    size        integer NOT NULL,
    client      text NOT NULL DEFAULT '', -- for logs and Received:
    body        bytea NOT NULL
);

CREATE TABLE recipient (
    id           bigserial PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    address      text NOT NULL,           -- envelope forward path, without <>
    next_hop     text NOT NULL,           -- host:port from the routing table
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'deferred', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    lease_owner  text,
    lease_until  timestamptz,
    last_reply   text
);

-- The scheduler's claim: due recipients in next_attempt order.
CREATE INDEX recipient_due ON recipient (next_attempt) WHERE state IN ('queued', 'deferred');
CREATE INDEX recipient_message ON recipient (message_id);
