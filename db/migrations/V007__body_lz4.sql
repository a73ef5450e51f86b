-- V007: bodies compressed with LZ4 instead of pglz when TOASTed.
--
-- Measured on the bench machine (docs/performance.md, "The body in
-- PostgreSQL"): pglz cost 0.25 ms of backend CPU per compressible 50 KB
-- body, lz4 0.03 ms, at a similar ratio; on incompressible bodies (base64
-- attachments) both give up and store the octets as they are, at the
-- cost of storing them uncompressed (STORAGE EXTERNAL), which would
-- instead write a compressible 50 MB body's 50 MB to the WAL where lz4
-- writes 0.2 MB. Reading back (delivery) is cheaper with lz4 too. Only
-- new rows are affected. A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE message ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available in this PostgreSQL build; message bodies stay with pglz';
END $$;
