-- V005: administration through the REST API.
--
-- A recipient may be held by an administrator ('held': kept, never
-- claimed, until released). An action on a recipient whose lease is held
-- by a delivery in flight cannot take effect at once without racing it;
-- it is written to pending_action instead, and applied when that delivery
-- records its outcome: a delivery that succeeds (or fails for good) wins
-- and the pending action is dropped; a deferral gives way to it. A pending
-- 'bounce' is carried out by the scheduler, which fails the recipient with
-- a DSN at its next claim, through the same path as any other failure.
ALTER TABLE recipient DROP CONSTRAINT recipient_state_check;
ALTER TABLE recipient ADD CONSTRAINT recipient_state_check
    CHECK (state IN ('queued', 'deferred', 'delivered', 'failed', 'quarantined', 'held'));
ALTER TABLE recipient ADD COLUMN pending_action text
    CHECK (pending_action IN ('hold', 'retry', 'delete', 'bounce'));

-- Every delivery attempt of a recipient while its message is queued: the
-- history the API shows. It goes with the message.
CREATE TABLE attempt (
    id         bigserial PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    recipient  text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    node       text NOT NULL,             -- the gateway process that made it
    next_hop   text NOT NULL,
    remote     text NOT NULL DEFAULT '',  -- "mx.example[192.0.2.1]:25", '' when never connected
    outcome    text NOT NULL,             -- sent, deferred, bounced, quarantined
    reply      text NOT NULL,
    tls        text NOT NULL DEFAULT ''   -- "TLSv1.3:TLS_AES_256_GCM_SHA384:verified", '' for none
);
CREATE INDEX attempt_message ON attempt (message_id, id);

-- Bearer tokens of the REST API, kept only as SHA-256 digests (the tokens
-- are 256 random bits, so a slow hash would add nothing). Revoking deletes
-- the row.
CREATE TABLE api_token (
    name       text PRIMARY KEY,
    role       text NOT NULL CHECK (role IN ('read', 'admin')),
    digest     text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every change made through the API: who, when, what, before and after.
CREATE TABLE audit (
    id     bigserial PRIMARY KEY,
    at     timestamptz NOT NULL DEFAULT now(),
    actor  text NOT NULL,
    action text NOT NULL,
    target jsonb NOT NULL,
    before jsonb,
    after  jsonb
);
