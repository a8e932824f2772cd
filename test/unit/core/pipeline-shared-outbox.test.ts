/**
 * Two gateways sharing one store share its outbox: either submitter may anchor a batch the other
 * sealed (ARCHITECTURE.md §3, scale-out). The outbox bound must follow the store, not each instance's
 * own tally of what it sealed and anchored, or an instance whose batches the other one anchored would
 * believe its outbox full forever and stop taking records (and its Kafka consumer would stay paused).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbeddedLedger } from '../../../adapters/chains/embedded/embedded-ledger.js';
import { MemoryStore } from '../../../adapters/store/memory-store.js';
import { ChainError, ErrorCodes } from '../../../src/core/errors.js';
import { newPipeline, type PipelineDeps } from '../../../src/core/pipeline.js';
import type { ChainClient } from '../../../src/core/ports.js';
import { generatePrivateKey, newSigner } from '../../../src/core/signer.js';
import type { Tenant } from '../../../src/core/tenant.js';
import { schemaRegistry } from '../../../schemas/registry.js';
import { waitFor } from '../../support/gateway.js';
import { makeValidRecord } from '../../support/record-factory.js';

const clock = { now: () => Date.now() };
const tenant: Tenant = { id: 'all', role: 'producer', sourcePrefixes: ['/'], allowedTypes: '*', requireProducerSignature: false, producerKeys: [] };

function deps(store: MemoryStore, chain: ChainClient): PipelineDeps {
  return {
    registry: schemaRegistry, signer: newSigner('Ed25519', generatePrivateKey('Ed25519')), store, chain, clock,
    limits: { maxBatchRecords: 1, maxBatchBytes: 1 << 20, lingerMs: 1, maxQueuedRecords: 100, maxOutboxBatches: 2 },
    retry: { initialBackoffMs: 5, maxBackoffMs: 20 },
    submitterPollMs: 5,
  };
}

describe('pipeline with a shared outbox', () => {
  it('opens admission again once another instance has anchored the batches it sealed', async () => {
    const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
    const healthy = await openEmbeddedLedger({ dir: mkdtempSync(join(tmpdir(), 'cg-shared-outbox-')), signer, clock });
    // Instance A cannot reach the chain (its link is down); instance B can.
    const unreachable: ChainClient = {
      kind: 'embedded', network: healthy.network,
      anchor: () => Promise.reject(new ChainError(ErrorCodes.ChainUnavailable, 'link down')),
      lookup: () => Promise.resolve(undefined),
      health: () => Promise.resolve({ ok: false, detail: 'link down' }),
      close: () => Promise.resolve(),
    };
    const store = new MemoryStore();
    const a = await newPipeline(deps(store, unreachable));
    try {
      for (const i of [1, 2]) assert.equal((await a.submit(makeValidRecord('cn.gov.transport.trip', i), tenant)).status, 'accepted');
      assert.equal(a.admission(), 'full', 'two sealed batches reach the bound');

      const b = await newPipeline(deps(store, healthy));
      try {
        // Deadlines, not speed checks: this took 0.25-1 s on an idle machine (8 runs) and over 5 s once
        // in a full CI run, with the services and another test file busy alongside.
        await waitFor('B to anchor the shared outbox', async () => ((await store.outboxDepth()) === 0 ? true : undefined), 60_000, 5);
        await waitFor("A's admission to follow the store's outbox", async () => (a.admission() === 'open' ? true : undefined), 60_000, 5);
        assert.equal((await a.submit(makeValidRecord('cn.gov.transport.trip', 3), tenant)).status, 'accepted');
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
      await healthy.close();
    }
  });
});
