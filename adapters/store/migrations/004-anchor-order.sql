-- The order batches were anchored in, for receipt streams (WatchReceipts) that resume from a cursor.
-- * `anchor_seq` is given when a batch becomes anchored, under a transaction-level advisory lock held
--   until commit (sql-store.ts markAnchored): numbers are committed in the order they are handed out,
--   so a reader that has seen N never sees a smaller number appear later. (A bare sequence would not
--   promise that across concurrent transactions, and a stream would skip the late one.)
-- * A batch's records are found through their accepted_at, which is the batch's sealed_at (saveBatch
--   writes both from one value) and grows with insertion order, so a BRIN index serves, at a small
--   cost per insert. Store bench (`npm run bench -- store`), medians of alternating runs against the
--   schema without this migration: a btree on (tenant, batch_id) took saveBatch from 152,659 to
--   125,840 records/s on PostgreSQL and 107,028 to 85,895 on PGlite (3 runs each); this BRIN index
--   from 157,000 to 144,000 and 108,000 to 102,000 (6 runs each, both orders).
-- * Batches anchored before this migration are numbered in the order they were anchored.
ALTER TABLE batches ADD COLUMN anchor_seq bigint;
UPDATE batches b SET anchor_seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY anchored_at, seq) AS n FROM batches WHERE state = 'anchored') o
WHERE b.id = o.id;
CREATE SEQUENCE batches_anchor_seq;
SELECT setval('batches_anchor_seq', coalesce((SELECT max(anchor_seq) FROM batches), 0) + 1, false);
CREATE UNIQUE INDEX batches_anchor_order ON batches (anchor_seq) WHERE anchor_seq IS NOT NULL;
CREATE INDEX records_accepted_at ON records USING brin (accepted_at);
