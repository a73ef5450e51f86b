-- bench/toast/toast.sql: the cost of a body's TOAST storage in PostgreSQL,
-- pglz (the default) against lz4 and uncompressed (STORAGE EXTERNAL):
-- insert time, WAL and stored size per message, and the time to read it
-- back whole. As a superuser, in a scratch database, after
-- `bench/toast/gen.py DIR` (DIR readable by the server):
--
--     psql -v dir=DIR -f bench/toast/toast.sql
--
-- docs/performance.md ("The body in PostgreSQL") has the figures.
\set ON_ERROR_STOP 1
\pset tuples_only on
DROP TABLE IF EXISTS t_pglz, t_lz4, t_ext;
CREATE TABLE t_pglz (id serial, body bytea);
CREATE TABLE t_lz4 (id serial, body bytea COMPRESSION lz4);
CREATE TABLE t_ext (id serial, body bytea);
ALTER TABLE t_ext ALTER COLUMN body SET STORAGE EXTERNAL;

CREATE OR REPLACE FUNCTION pg_temp.ins(tbl text, f text, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE b bytea := pg_read_binary_file(f); t0 timestamptz; l0 pg_lsn; sz bigint;
BEGIN
  EXECUTE format('TRUNCATE %I', tbl);
  t0 := clock_timestamp(); l0 := pg_current_wal_insert_lsn();
  FOR i IN 1..n LOOP EXECUTE format('INSERT INTO %I (body) VALUES ($1)', tbl) USING b; END LOOP;
  EXECUTE format('SELECT sum(pg_column_size(body)) FROM %I', tbl) INTO sz;
  RETURN format('%s %s: insert %s ms, WAL %s KB, stored %s KB per message', tbl, f,
     round(extract(epoch FROM clock_timestamp() - t0) * 1000 / n, 2),
     round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), l0) / 1024 / n, 1), round(sz / 1024.0 / n, 1));
END $$;

-- Reading back detoasts (decompresses) and concatenates each value once.
CREATE OR REPLACE FUNCTION pg_temp.rd(tbl text, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; x bigint; c bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM %I', tbl) INTO c;
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP EXECUTE format('SELECT sum(length(body || ''\x00''::bytea)) FROM %I', tbl) INTO x; END LOOP;
  RETURN format('%s read back: %s ms per message', tbl, round(extract(epoch FROM clock_timestamp() - t0) * 1000 / n / c, 3));
END $$;

SELECT pg_temp.ins(t, :'dir' || '/' || f, n) || E'\n' || pg_temp.rd(t, 2)
  FROM (VALUES ('text50m', 3), ('b64_50m', 3), ('x50k', 2000), ('b64_50k', 2000)) AS files(f, n),
       unnest(ARRAY['t_pglz', 't_lz4', 't_ext']) AS t;
DROP TABLE t_pglz, t_lz4, t_ext;
