-- Audit paths on read: a batch keeps its Merkle leaves once, its records no longer keep a proof.
-- * Sealing used to compute every record's RFC 6962 audit path (about a dozen 32-byte nodes for a
--   4,096-record batch) and saveBatch stored it with the record: ~400 bytes per row and per WAL entry,
--   and CPU and garbage per record at ingest, for proofs that are mostly never read. Now the batch row
--   carries its leaves (the records' 32-byte digests back to back, in leaf order: 32 bytes per record
--   in one value), and getReceipt rebuilds the tree from them, keeping the last few trees in memory.
-- * `records.proof` stays for rows written before this migration: they keep their proofs (their
--   batches have no leaves) and still produce receipts. New rows leave it NULL.
ALTER TABLE batches ADD COLUMN leaves bytea;
ALTER TABLE records ALTER COLUMN proof DROP NOT NULL;
