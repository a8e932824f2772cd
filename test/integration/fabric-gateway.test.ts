/**
 * The real gateway process (`node dist/src/main.js`, CROSSGATE_CHAIN=fabric, embedded store) against
 * the real Fabric network from scripts/fabric/network.sh: records in over REST, receipts out that
 * name the Fabric transaction and block (checked on the ledger itself through qscc), `crossgate
 * verify --fabric` on them, back-pressure while the gateway's peer is down and exactly-once
 * anchoring after it is back, how the gateway's key gets registered on the anchor chaincode, and an
 * SM2 gateway key (REST and Kafka records) anchored through the chaincode's SM2 check.
 *
 * The file holds the network lock (test/support/fabric-lock.ts) from start to end: it stops the
 * gateway peer, which would break another Fabric test file running at the same time, and vice versa.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FabricChain, openFabricChainFromProfile } from '../../adapters/chains/fabric/fabric-chain.js';
import { connectionOptionsFromProfile, type FabricConnection, openFabricConnection } from '../../adapters/chains/fabric/fabric-connection.js';
import { loadFabricProfile } from '../../adapters/chains/fabric/fabric-profile.js';
import { batchIdOf } from '../../src/core/batch-header.js';
import type { Receipt } from '../../src/core/types.js';
import { verifyReceipt } from '../../src/core/receipt.js';
import { decodeBlock } from '../support/fabric-block.js';
import { lockFabricNetwork } from '../support/fabric-lock.js';
import { fabricNode, fabricProfilePath } from '../support/fabric.js';
import { type GatewayProcess, http, type HttpResult, startGatewayProcess, waitFor } from '../support/gateway.js';
import { makeValidRecord, RECORD_TYPES, type GeneratedRecord } from '../support/record-factory.js';
import { runCli } from '../support/run-cli.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';

const run = randomBytes(4).toString('hex');
const apiKey = `cg_test_fabric_gw_${run}_${randomBytes(12).toString('base64url')}`;
const decoder = new TextDecoder();
let counter = 0;

function record(source: string): GeneratedRecord {
  counter += 1;
  const type = RECORD_TYPES[counter % RECORD_TYPES.length] as (typeof RECORD_TYPES)[number];
  return makeValidRecord(type, counter, { idPrefix: `fgw-${run}-`, source: `/fabric-gateway/${run}/${source}` });
}

const recordUrl = (r: { source: string; id: string }) => `/v1/records/${encodeURIComponent(r.source)}/${encodeURIComponent(r.id)}`;

function assertProblem(res: HttpResult, status: number, code: string): Record<string, unknown> {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text.slice(0, 500)}`);
  const body = res.body as Record<string, unknown>;
  assert.equal(body['code'], code);
  return body;
}

async function receiptOf(gw: GatewayProcess, r: { source: string; id: string }, timeoutMs: number): Promise<Receipt> {
  return waitFor(`receipt of ${r.id}`, async () => {
    const res = await http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey });
    if (res.status === 200) return res.body as Receipt;
    assertProblem(res, 404, 'CG_RECEIPT_PENDING');
    return undefined;
  }, timeoutMs, 200);
}

async function statusOf(gw: GatewayProcess, r: { source: string; id: string }): Promise<{ status: string; batchId: string }> {
  const res = await http(gw.url, 'GET', recordUrl(r), { apiKey });
  assert.equal(res.status, 200, res.text);
  return res.body as { status: string; batchId: string };
}

/** POST /v1/records, again after each 503 once its Retry-After has passed (a well-behaved client), up to a deadline. */
async function postUntilAdmitted(gw: GatewayProcess, r: GeneratedRecord, timeoutMs = 60_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await http(gw.url, 'POST', '/v1/records', { apiKey, body: r });
    if (res.status !== 503) return res;
    assertProblem(res, 503, 'CG_OVERLOADED');
    const retryAfter = res.headers.get('retry-after') ?? '';
    assert.match(retryAfter, /^[1-9][0-9]*$/);
    if (Date.now() > deadline) assert.fail(`${r.id} still refused after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000));
  }
}

/** Env for a gateway on Fabric with small bounds: 4 records a batch, 3 batches in the outbox. */
function fabricGatewayEnv(profile: string, keyFile: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CROSSGATE_CHAIN: 'fabric',
    CROSSGATE_FABRIC_PROFILE: profile,
    CROSSGATE_SIGNING_KEY_FILE: keyFile,
    CROSSGATE_DEV_API_KEY: apiKey,
    CROSSGATE_BATCH_MAX_RECORDS: '4',
    CROSSGATE_BATCH_LINGER_MS: '50',
    CROSSGATE_QUEUE_MAX_RECORDS: '16',
    CROSSGATE_OUTBOX_MAX_BATCHES: '3',
    CROSSGATE_RETRY_INITIAL_MS: '100',
    CROSSGATE_RETRY_MAX_MS: '1000',
    ...extra,
  };
}

/** A new gateway signing key file (PEM, via the CLI) and its public key info file. */
function newKeyFiles(dir: string, name: string, alg = 'ed25519'): { keyFile: string; publicFile: string; keyId: string } {
  const keyFile = join(dir, `${name}.pem`);
  const generated = runCli(['keys', 'generate', '--alg', alg, '--out', keyFile]);
  assert.equal(generated.status, 0, generated.stderr);
  const publicFile = join(dir, `${name}.pub.json`);
  writeFileSync(publicFile, generated.stdout);
  return { keyFile, publicFile, keyId: (JSON.parse(generated.stdout) as { keyId: string }).keyId };
}

let profile: string;
let releaseLock: (() => Promise<void>) | undefined;
let chain: FabricChain;
let conn: FabricConnection;
let workDir: string;

before(async () => {
  profile = fabricProfilePath();
  releaseLock = await lockFabricNetwork(profile, 'test/integration/fabric-gateway.test');
  chain = await openFabricChainFromProfile(profile);
  conn = await openFabricConnection(connectionOptionsFromProfile(await loadFabricProfile(profile)));
  workDir = mkdtempSync(join(tmpdir(), 'crossgate-fabric-gw-'));
});
after(async () => {
  await chain?.close();
  conn?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  await releaseLock?.();
});

/**
 * Checks a receipt's anchor on the ledger three ways: the adapter's lookup, the raw chaincode entry
 * (GetBatch), and the block itself from qscc (the transaction is in it, committed VALID).
 */
async function assertOnLedger(receipt: Receipt): Promise<void> {
  assert.equal(receipt.chain.kind, 'fabric');
  assert.equal(receipt.chain.network, conn.options.channel);
  assert.match(receipt.chain.txId, /^[0-9a-f]{64}$/);

  const looked = await chain.lookup(receipt.batch.id);
  assert.ok(looked, `batch ${receipt.batch.id} is on chain`);
  assert.deepEqual(looked.anchor, receipt.chain);
  assert.deepEqual(looked.header, receipt.batch);
  assert.equal(looked.signature, receipt.signature);

  const entry = JSON.parse(decoder.decode(await conn.contract.evaluate('GetBatch', { arguments: [receipt.batch.id] }))) as { header: { root: string }; txId: string };
  assert.equal(entry.header.root, receipt.batch.root, 'GetBatch returns the receipt root');
  assert.equal(entry.txId, receipt.chain.txId);

  const block = decodeBlock(await conn.qscc.evaluate('GetBlockByNumber', { arguments: [conn.options.channel, String(receipt.chain.blockNumber)] }));
  assert.equal(block.number, BigInt(receipt.chain.blockNumber));
  const tx = block.transactions.find((t) => t.txId === receipt.chain.txId);
  assert.ok(tx, `transaction ${receipt.chain.txId} is in block ${receipt.chain.blockNumber} (has ${block.transactions.map((t) => t.txId).join(', ')})`);
  assert.equal(tx.validationCode, 0, 'committed as VALID');
}

/** Entries stored under exactly this batch id on the chaincode. */
async function entriesOnChain(batchId: string): Promise<number> {
  return (await chain.batchesByRange(batchId, `${batchId}0`, 10)).batches.length;
}

describe('gateway on Fabric: REST records to receipts anchored on the ledger', () => {
  let gw: GatewayProcess;
  let keyId: string;

  before(async () => {
    const key = newKeyFiles(workDir, 'main', 'p256');
    keyId = key.keyId;
    const registered = runCli(['fabric', 'register-key', '--profile', profile, '--key', key.publicFile]);
    assert.equal(registered.status, 0, registered.stderr);
    gw = await startGatewayProcess({ env: fabricGatewayEnv(profile, key.keyFile), readyTimeoutMs: 120_000 });
  });
  after(async () => {
    await gw?.cleanup();
  });

  it('anchors records from REST on Fabric: receipts carry the Fabric transaction and its block, and crossgate verify --fabric accepts them', async () => {
    const batch = Array.from({ length: 9 }, () => record('batch'));
    const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: batch });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body as { counts: { accepted: number } }).counts.accepted, batch.length);
    // The outbox holds 3 batches and the 9 records filled it: a client retries after Retry-After.
    const singles = [record('single'), record('single')];
    for (const r of singles) assert.equal((await postUntilAdmitted(gw, r)).status, 202);

    const all = [...batch, ...singles];
    const receipts = new Map<GeneratedRecord, Receipt>();
    for (const r of all) receipts.set(r, await receiptOf(gw, r, 90_000));

    const byBatch = new Map<string, { receipt: Receipt; record: GeneratedRecord }>();
    for (const [r, receipt] of receipts) {
      assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
      assert.equal(receipt.batch.signer.keyId, keyId, 'signed with the configured key');
      const seen = byBatch.get(receipt.batch.id);
      if (seen) assert.deepEqual(receipt.chain, seen.receipt.chain, 'one transaction per batch');
      else byBatch.set(receipt.batch.id, { receipt, record: r });
    }
    assert.ok(byBatch.size >= 5, `9 records in batches of at most 4, then 2 single requests: ${byBatch.size} batches`);
    assert.equal(new Set([...byBatch.values()].map((b) => b.receipt.chain.txId)).size, byBatch.size, 'distinct transactions per batch');

    for (const { receipt, record: r } of byBatch.values()) {
      await assertOnLedger(receipt);
      const receiptFile = join(workDir, `receipt-${receipt.batch.id}.json`);
      const recordFile = join(workDir, `record-${receipt.batch.id}.json`);
      writeFileSync(receiptFile, JSON.stringify(receipt));
      writeFileSync(recordFile, JSON.stringify(r));
      const verified = runCli(['verify', receiptFile, '--record', recordFile, '--fabric', profile]);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /ok {2}ledger/);
    }

    // The ledger check is live: a receipt that misstates its block is refused.
    const some = [...byBatch.values()][0]?.receipt as Receipt;
    const wrongFile = join(workDir, 'receipt-wrong-block.json');
    writeFileSync(wrongFile, JSON.stringify({ ...some, chain: { ...some.chain, blockNumber: some.chain.blockNumber + 1 } }));
    const refused = runCli(['verify', wrongFile, '--fabric', profile]);
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /ledger/);
  });

  it('with its peer stopped, the gateway accepts records up to the outbox bound, then answers 503 with Retry-After; after the restart every batch is anchored exactly once', async () => {
    // The node to stop is the one the gateway identity of the profile talks to.
    const raw = JSON.parse(readFileSync(profile, 'utf8')) as { peers: { endpoint: string; org: string }[] };
    const endpoint = connectionOptionsFromProfile(await loadFabricProfile(profile), 'gateway').peerEndpoint;
    const org = raw.peers.find((p) => p.endpoint === endpoint)?.org;
    assert.equal(org, 'org1', `the gateway identity connects to ${endpoint}`);
    const node = `peer-${org}`;

    const accepted: GeneratedRecord[] = [];
    let refused: GeneratedRecord | undefined;
    await fabricNode('stop-node', node);
    try {
      const ready = await http(gw.url, 'GET', '/health/ready');
      assert.equal(ready.status, 503, 'not ready while the chain is down');
      assert.equal((ready.body as { checks: { chain: { ok: boolean } } }).checks.chain.ok, false);

      // One full batch through the batch endpoint, then single records until the outbox is full.
      const first = Array.from({ length: 4 }, () => record('outage-batch'));
      const res = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: first });
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body as { counts: { accepted: number } }).counts.accepted, 4);
      accepted.push(...first);
      for (let i = 0; i < 10 && refused === undefined; i++) {
        const r = record('outage-single');
        const single = await http(gw.url, 'POST', '/v1/records', { apiKey, body: r });
        if (single.status === 202) {
          accepted.push(r);
          continue;
        }
        refused = r;
        const problem = assertProblem(single, 503, 'CG_OVERLOADED');
        assert.match(single.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
        assert.equal(problem['retryAfterSeconds'], Number(single.headers.get('retry-after')));
        const asBatch = await http(gw.url, 'POST', '/v1/records/batch', { apiKey, body: [r] });
        assertProblem(asBatch, 503, 'CG_OVERLOADED');
        assert.match(asBatch.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
        assertProblem(await http(gw.url, 'GET', recordUrl(r), { apiKey }), 404, 'CG_NOT_FOUND');
      }
      assert.ok(refused !== undefined, 'the gateway refused records once its outbox was full');

      const waiting = new Set<string>();
      for (const r of accepted) {
        const s = await statusOf(gw, r);
        assert.equal(s.status, 'sealed', 'waits in the outbox');
        waiting.add(s.batchId);
      }
      assert.equal(waiting.size, 3, 'exactly CROSSGATE_OUTBOX_MAX_BATCHES batches wait');
      assertProblem(await http(gw.url, 'GET', `${recordUrl(accepted[0] as GeneratedRecord)}/receipt`, { apiKey }), 404, 'CG_RECEIPT_PENDING');
    } finally {
      await fabricNode('start-node', node);
    }

    const receipts: Receipt[] = [];
    for (const r of accepted) {
      const receipt = await receiptOf(gw, r, 120_000);
      assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
      receipts.push(receipt);
    }
    const txOfBatch = new Map<string, string>();
    for (const receipt of receipts) {
      const tx = txOfBatch.get(receipt.batch.id);
      if (tx !== undefined) assert.equal(receipt.chain.txId, tx, 'every record of a batch names the same transaction');
      txOfBatch.set(receipt.batch.id, receipt.chain.txId);
    }
    assert.equal(txOfBatch.size, 3);
    assert.equal(new Set(txOfBatch.values()).size, 3, 'one distinct transaction per batch');
    for (const receipt of receipts.filter((r, i) => receipts.findIndex((o) => o.batch.id === r.batch.id) === i)) {
      assert.equal(await entriesOnChain(receipt.batch.id), 1, `batch ${receipt.batch.id} anchored exactly once`);
      await assertOnLedger(receipt);
    }

    // Stable: the same receipts after a clean restart of the gateway (the key check passes again).
    assert.equal(await gw.stop(), 0, 'clean shutdown on SIGTERM');
    await gw.restart();
    for (const [i, r] of accepted.entries()) {
      const again = await http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body, receipts[i]);
    }

    // Admission reopened: the record refused during the outage is accepted and anchored now.
    assert.ok(refused !== undefined);
    const retried = refused;
    const later = await postUntilAdmitted(gw, retried);
    assert.equal(later.status, 202, later.text);
    await assertOnLedger(await receiptOf(gw, retried, 60_000));
  });
});

describe('gateway on Fabric: registering the gateway key', () => {
  it('a gateway whose key is not registered keeps its batches in the outbox until an admin runs crossgate fabric register-key, then anchors them', async () => {
    const key = newKeyFiles(workDir, 'late');
    const shown = runCli(['fabric', 'show-key', '--profile', profile, '--key', key.publicFile]);
    assert.equal(shown.status, 1, 'not registered yet');
    const gw = await startGatewayProcess({ env: fabricGatewayEnv(profile, key.keyFile), readyTimeoutMs: 120_000 });
    try {
      const r = record('unregistered');
      assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
      await waitFor('the gateway reports its unregistered key', async () =>
        gw.output.some((line) => line.includes(`gateway key ${key.keyId} is not registered`) && line.includes('crossgate fabric register-key')) ? true : undefined, 30_000);
      const ready = await http(gw.url, 'GET', '/health/ready');
      assert.equal(ready.status, 503, 'not ready while the key is unknown to the chaincode');
      assert.match(JSON.stringify(ready.body), /not registered/);
      const { batchId } = await statusOf(gw, r);
      assert.equal((await statusOf(gw, r)).status, 'sealed');
      assert.equal(await chain.lookup(batchId), undefined, 'nothing was sent to the chaincode');

      // The admin registers the key with the gateway's private key file (only its public half is sent).
      const registered = runCli(['fabric', 'register-key', '--profile', profile, '--key', key.keyFile]);
      assert.equal(registered.status, 0, registered.stderr);
      const recordOnChain = JSON.parse(registered.stdout) as { keyId: string; status: string; registeredBy: string };
      assert.equal(recordOnChain.keyId, key.keyId);
      assert.equal(recordOnChain.status, 'active');
      assert.match(recordOnChain.registeredBy, /Admin@org1/);

      const receipt = await receiptOf(gw, r, 60_000);
      assert.equal(receipt.batch.id, batchId);
      await assertOnLedger(receipt);
      assert.equal(await entriesOnChain(batchId), 1);
    } finally {
      await gw.cleanup();
    }
  });

  it('with CROSSGATE_FABRIC_REGISTER_KEY=true the gateway registers its own key as the profile admin; a revoked key stops it anchoring', async () => {
    const key = newKeyFiles(workDir, 'self', 'secp256k1');
    const gw = await startGatewayProcess({ env: fabricGatewayEnv(profile, key.keyFile, { CROSSGATE_FABRIC_REGISTER_KEY: 'true' }), readyTimeoutMs: 120_000 });
    try {
      await waitFor('key registered at start', async () => gw.output.some((line) => line.includes('fabric gateway key active')) ? true : undefined, 30_000);
      const shown = runCli(['fabric', 'show-key', '--profile', profile, '--key-id', key.keyId]);
      assert.equal(shown.status, 0, shown.stderr);
      const onChain = JSON.parse(shown.stdout) as { status: string; registeredBy: string; publicKey: string };
      assert.equal(onChain.status, 'active');
      assert.match(onChain.registeredBy, /Admin@org1/, 'registered by the admin identity of the profile');
      assert.equal(onChain.publicKey, (JSON.parse(readFileSync(key.publicFile, 'utf8')) as { publicKey: string }).publicKey);

      const r = record('self-registered');
      assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
      await assertOnLedger(await receiptOf(gw, r, 60_000));

      // Revoked by the admin: a restarted gateway cannot register it again and anchors nothing more.
      assert.equal(await gw.stop(), 0);
      const revoked = runCli(['fabric', 'revoke-key', '--profile', profile, '--key-id', key.keyId]);
      assert.equal(revoked.status, 0, revoked.stderr);
      assert.equal((JSON.parse(revoked.stdout) as { status: string }).status, 'revoked');
      await gw.restart();
      await waitFor('the gateway reports its revoked key', async () =>
        gw.output.some((line) => line.includes(`registering gateway key ${key.keyId}`) && /revoked/.test(line)) ? true : undefined, 30_000);
      const after = record('after-revocation');
      assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: after })).status, 202);
      await waitFor('the batch is parked, not anchored', async () =>
        gw.output.some((line) => line.includes('chain submission failed; batch parked') && line.includes('CG_CHAIN_REJECTED')) ? true : undefined, 30_000);
      assert.equal(await chain.lookup((await statusOf(gw, after)).batchId), undefined);
      const again = runCli(['fabric', 'register-key', '--profile', profile, '--key', key.publicFile]);
      assert.equal(again.status, 1, 'a revoked key id cannot be registered again');
      assert.match(again.stderr, /revoked/);
    } finally {
      await gw.cleanup();
    }
  });

  it('rotating the signing key (issue 16, item 5): the next key is registered at start, before it signs; batches on either side of the moment are anchored and chained', async () => {
    const current = newKeyFiles(workDir, 'rotate-2026');
    const next = newKeyFiles(workDir, 'rotate-2027');
    // Far enough ahead that a loaded machine has started the gateway before the moment.
    const rotateAt = new Date(Date.now() + 40_000).toISOString();
    const gw = await startGatewayProcess({
      env: fabricGatewayEnv(profile, current.keyFile, { CROSSGATE_FABRIC_REGISTER_KEY: 'true', CROSSGATE_SIGNING_NEXT_KEY_FILE: next.keyFile, CROSSGATE_SIGNING_ROTATE_AT: rotateAt }),
      readyTimeoutMs: 120_000,
    });
    try {
      await waitFor('both keys registered at start', async () =>
        gw.output.filter((line) => line.includes('fabric gateway key active')).length >= 2 ? true : undefined, 30_000);
      assert.ok(Date.now() < Date.parse(rotateAt), 'registered before the moment');
      const shown = runCli(['fabric', 'show-key', '--profile', profile, '--key-id', next.keyId]);
      assert.equal(shown.status, 0, shown.stderr);
      assert.equal((JSON.parse(shown.stdout) as { status: string }).status, 'active');

      const receipts: Receipt[] = [];
      const deadline = Date.parse(rotateAt) + 60_000;
      while (Date.now() < deadline) {
        const r = record('rotation');
        assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
        const receipt = await receiptOf(gw, r, 60_000);
        receipts.push(receipt);
        if (receipt.batch.signer.keyId === next.keyId) break;
      }
      const firstNew = receipts.findIndex((r) => r.batch.signer.keyId === next.keyId);
      assert.ok(firstNew > 0, `a batch under each key (seen: ${receipts.map((r) => r.batch.signer.keyId).join(', ')})`);
      const lastOld = receipts[firstNew - 1] as Receipt;
      const firstOfNew = receipts[firstNew] as Receipt;
      assert.equal(lastOld.batch.signer.keyId, current.keyId);
      assert.equal(firstOfNew.batch.prev, lastOld.batch.id, 'the prev chain runs across the rotation');
      await assertOnLedger(lastOld);
      await assertOnLedger(firstOfNew);
    } finally {
      await gw.cleanup();
    }
  });
});

describe('gateway on Fabric: the SM suite (issue 18)', () => {
  it('a gateway with an SM2 key anchors REST and Kafka records on Fabric; the chaincode verified the SM2 headers, crossgate verify --fabric accepts the receipts and refuses a forged signature', async () => {
    const kafka = await KafkaTestContext.open('fabric-sm2');
    const key = newKeyFiles(workDir, 'sm2', 'sm2');
    const registered = runCli(['fabric', 'register-key', '--profile', profile, '--key', key.publicFile]);
    assert.equal(registered.status, 0, registered.stderr);
    let gw: GatewayProcess | undefined;
    try {
      const { topics, prefix } = await kafka.createSectorTopics();
      const fromKafka = Array.from({ length: 6 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-` }));
      await kafka.produce(topics.transport, fromKafka.map((r) => sectorMessage('transport', r)));
      gw = await startGatewayProcess({
        env: { ...fabricGatewayEnv(profile, key.keyFile), ...kafkaConsumerEnv(topics, uniqueGroupId('fabric-sm2')) },
        readyTimeoutMs: 120_000,
      });
      const fromRest = [record('sm2'), record('sm2'), record('sm2')];
      for (const r of fromRest) assert.equal((await postUntilAdmitted(gw, r)).status, 202);

      const byBatch = new Map<string, { receipt: Receipt; record: GeneratedRecord }>();
      for (const r of [...fromRest, ...fromKafka]) {
        const receipt = await receiptOf(gw, r, 90_000);
        assert.equal(receipt.batch.signer.alg, 'SM2');
        assert.equal(receipt.batch.signer.keyId, key.keyId);
        assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
        byBatch.set(receipt.batch.id, { receipt, record: r });
      }
      for (const { receipt, record: r } of byBatch.values()) {
        await assertOnLedger(receipt);
        const receiptFile = join(workDir, `sm2-receipt-${receipt.batch.id}.json`);
        const recordFile = join(workDir, `sm2-record-${receipt.batch.id}.json`);
        writeFileSync(receiptFile, JSON.stringify(receipt));
        writeFileSync(recordFile, JSON.stringify(r));
        const verified = runCli(['verify', receiptFile, '--record', recordFile, '--fabric', profile]);
        assert.equal(verified.status, 0, verified.stdout + verified.stderr);
        assert.match(verified.stdout, /ok {2}ledger/);
      }

      // The chaincode itself refuses an SM2 header whose signature does not verify.
      const { receipt } = [...byBatch.values()][0] as { receipt: Receipt };
      const forged = Buffer.from(receipt.signature, 'base64url');
      forged[3] = (forged[3] as number) ^ 1;
      const header = { ...receipt.batch, sealedAt: '2020-01-01T00:00:00.000Z' };
      const rejected = await conn.contract.submit('AnchorBatch', {
        arguments: [JSON.stringify({ ...header, id: batchIdOf(header) }), forged.toString('base64url')],
      }).then(() => 'accepted', (error: unknown) => String((error as { details?: { message: string }[] }).details?.map((d) => d.message).join('; ') ?? error));
      assert.match(rejected, /does not verify/);
    } finally {
      await gw?.cleanup();
      await kafka.close();
    }
  });
});
