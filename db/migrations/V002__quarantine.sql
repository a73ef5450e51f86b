-- V002: a quarantine state. A recipient whose message cannot be converted
-- for its next hop (a limit or the time budget exceeded, after
-- quarantine_after attempts) is set aside here: kept, counted, logged, and
-- no longer claimed, so it neither crash-loops the daemon nor blocks the
-- queue. Released by an administrator.
ALTER TABLE recipient DROP CONSTRAINT recipient_state_check;
ALTER TABLE recipient ADD CONSTRAINT recipient_state_check
    CHECK (state IN ('queued', 'deferred', 'delivered', 'failed', 'quarantined'));
