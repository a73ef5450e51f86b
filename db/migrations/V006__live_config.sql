-- V006: routes and mapping tables kept in the database by the
-- administration API, applied by every gateway process on it.
--
-- A route here replaces the configuration file's route for the same domain
-- pattern; a mapping table here replaces the file's table of the same kind
-- (docs/architecture.md says why). config_version holds one counter per
-- object ('routes' and each table kind): every change takes its row's lock
-- (so two processes' changes to one object are serialised), raises it, and
-- every process polls the counters and reloads what moved.
CREATE TABLE route (
    domain       text PRIMARY KEY,                 -- "example.com", "*.example.com", "*"
    host         text NOT NULL,
    port         integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    tls          text NOT NULL DEFAULT 'may' CHECK (tls IN ('none', 'may', 'encrypt', 'verify')),
    tls_name     text NOT NULL DEFAULT '',
    tls_ca_file  text NOT NULL DEFAULT '',
    tls_fallback boolean NOT NULL DEFAULT false
);

-- A table is its text, as the file form would hold it (comments and order
-- kept); entries are edited line by line.
CREATE TABLE mapping_table (
    kind       text PRIMARY KEY
               CHECK (kind IN ('or-to-domain', 'domain-to-or', 'gate-or-to-domain', 'gate-domain-to-or')),
    body       text NOT NULL,
    entries    integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE config_version (
    what    text PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO config_version (what) VALUES
    ('routes'), ('or-to-domain'), ('domain-to-or'), ('gate-or-to-domain'), ('gate-domain-to-or');
