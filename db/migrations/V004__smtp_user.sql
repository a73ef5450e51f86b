-- V004: SMTP AUTH users (RFC 4954). The password is kept only as an
-- Argon2id hash in libsodium's encoded form ($argon2id$v=19$m=...$salt$hash),
-- which carries its own parameters, so they can be raised later without a
-- migration. Managed with `x400gwctl user add|passwd|delete`.
CREATE TABLE smtp_user (
    name       text PRIMARY KEY,
    hash       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
