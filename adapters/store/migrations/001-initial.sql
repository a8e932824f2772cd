-- Crossgate store, first schema. Shared by PostgreSQL and the embedded PGlite store: keep it portable.
-- Times are epoch milliseconds (bigint) because the Store port speaks numbers, and a bigint compares
-- and indexes the same on both engines without time-zone conversions.

-- The outbox: one row per sealed batch. `seq` orders batches by insertion (due order, "last batch").
CREATE TABLE batches (
  id              text PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  header          jsonb NOT NULL,
  signature       text NOT NULL,
  signer_key_id   text NOT NULL,
  state           text NOT NULL CHECK (state IN ('sealed', 'anchored', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error      text,
  anchor          jsonb,
  sealed_at       bigint NOT NULL,
  anchored_at     bigint
);

-- dueBatches / outboxDepth: the sealed set is small in steady state, a partial index keeps it cheap.
CREATE INDEX batches_due ON batches (seq) WHERE state = 'sealed';
CREATE INDEX batches_signer_seq ON batches (signer_key_id, seq);
-- recentBatches: newest anchored first.
CREATE INDEX batches_anchored ON batches (anchored_at DESC, seq DESC) WHERE state = 'anchored';

-- The idempotency index and the per-record half of every receipt. (source, id) is the record identity.
CREATE TABLE records (
  source      text NOT NULL,
  id          text NOT NULL,
  digest      text NOT NULL,
  type        text NOT NULL,
  tenant      text NOT NULL,
  batch_id    text NOT NULL REFERENCES batches (id),
  leaf_index  integer NOT NULL,
  proof       text[] NOT NULL,
  accepted_at bigint NOT NULL,
  PRIMARY KEY (source, id)
);

CREATE INDEX records_batch ON records (batch_id);

-- Records that were not accepted, with their original bytes so they can be replayed.
-- `seq` gives a total order for keyset paging (created_at alone has ties).
CREATE TABLE dead_letters (
  id          text PRIMARY KEY,
  seq         bigserial NOT NULL UNIQUE,
  origin      text NOT NULL CHECK (origin IN ('rest', 'kafka', 'grpc')),
  tenant      text,
  source      text,
  record_id   text,
  type        text,
  sector      text,
  code        text NOT NULL,
  message     text NOT NULL,
  issues      jsonb NOT NULL,
  payload     bytea NOT NULL,
  headers     jsonb NOT NULL,
  kafka       jsonb,
  created_at  bigint NOT NULL,
  state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'replayed', 'discarded')),
  resolved_at bigint,
  resolution  text
);

-- The list is newest first; each filter gets an index whose tail matches that order.
CREATE INDEX dead_letters_created ON dead_letters (created_at DESC, seq DESC);
CREATE INDEX dead_letters_state ON dead_letters (state, created_at DESC, seq DESC);
CREATE INDEX dead_letters_code ON dead_letters (code, created_at DESC, seq DESC);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant, created_at DESC, seq DESC);
CREATE INDEX dead_letters_sector ON dead_letters (sector, created_at DESC, seq DESC);
CREATE INDEX dead_letters_origin ON dead_letters (origin, created_at DESC, seq DESC);
CREATE INDEX dead_letters_record ON dead_letters (source, record_id);
-- sourcePrefix uses LIKE 'prefix%': text_pattern_ops makes that indexable whatever the collation.
CREATE INDEX dead_letters_source_prefix ON dead_letters (source text_pattern_ops);

-- Who replayed or discarded what, and why. Append-only.
CREATE TABLE dead_letter_audit (
  seq            bigserial PRIMARY KEY,
  dead_letter_id text NOT NULL REFERENCES dead_letters (id),
  action         text NOT NULL CHECK (action IN ('replayed', 'replay-failed', 'discarded', 'reopened')),
  actor          text NOT NULL,
  reason         text NOT NULL,
  at             bigint NOT NULL
);

CREATE INDEX dead_letter_audit_letter ON dead_letter_audit (dead_letter_id, seq);
