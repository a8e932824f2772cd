/**
 * The CometBFT chain adapter, the anchor app and `crossgate verify --cometbft` against the real
 * 4-validator network from scripts/cometbft.sh. One file on purpose: the fault tests stop validators,
 * and tests in one file run one after another.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes } from '../../src/core/errors.js';
import { signedBytesOfHeader } from '../../src/core/batch-header.js';
import { buildReceipt, verifyReceipt } from '../../src/core/receipt.js';
import { MerkleTree } from '../../src/core/merkle-tree.js';
import type { Receipt } from '../../src/core/types.js';
import { cometbftChecker } from '../../src/cli/anchor-checkers.js';
import {
  AnchorAppCodes, type CometbftAdminKey, CometbftChain, type CometbftNetworkFile, loadCometbftAdminKey, loadCometbftNetwork,
} from '../../adapters/chains/cometbft/cometbft-chain.js';
import { appHashOfEntry } from '../../adapters/chains/cometbft/anchor-entry.js';
import { verifyLightProof } from '../../adapters/chains/cometbft/light-proof.js';
import { openCometbftChain } from '../../adapters/chains/cometbft/open-cometbft-chain.js';
import { cometbftNetworkPath, cometbftValidator, lastHandshake } from '../support/cometbft.js';
import { rejectsWith } from '../support/chain-errors.js';
import { newTestSigner, randomBatch, signerInfoOf } from '../support/fabric.js';
import { type GatewayProcess, http, startGatewayProcess, waitFor } from '../support/gateway.js';
import { makeValidRecord, RECORD_TYPES, type GeneratedRecord } from '../support/record-factory.js';
import { runCli } from '../support/run-cli.js';
import { KafkaTestContext, kafkaConsumerEnv, uniqueGroupId } from '../support/kafka.js';
import { sectorMessage } from '../support/kafka-wire.js';
import { toBase64Url } from '../../src/core/encoding.js';
import * as grpc from '@grpc/grpc-js';
import { receiptOfGrpc, type GrpcReceipt } from '../../src/ingest/grpc/grpc-records.js';
import { freePort, gatewayClient } from '../support/grpc.js';

const run = randomBytes(4).toString('hex');
const apiKey = `cg_test_cometbft_gw_${run}_${randomBytes(12).toString('base64url')}`;
let counter = 0;

function record(): GeneratedRecord {
  counter += 1;
  const type = RECORD_TYPES[counter % RECORD_TYPES.length] as (typeof RECORD_TYPES)[number];
  return makeValidRecord(type, counter, { idPrefix: `cmt-${run}-`, source: `/cometbft-gateway/${run}` });
}

const recordUrl = (r: { source: string; id: string }) => `/v1/records/${encodeURIComponent(r.source)}/${encodeURIComponent(r.id)}`;

async function receiptOf(gw: GatewayProcess, r: { source: string; id: string }, timeoutMs: number): Promise<Receipt> {
  return waitFor(`receipt of ${r.id}`, async () => {
    const res = await http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey });
    if (res.status === 200) return res.body as Receipt;
    assert.equal(res.status, 404, res.text);
    return undefined;
  }, timeoutMs, 200);
}

/** The sum of a counter's samples whose labels match `labels` in a Prometheus text page. */
function counterValue(text: string, name: string, labels: RegExp): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && labels.test(l)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** broadcast_tx_sync straight at a validator, past the adapter: the app's own CheckTx answer. */
async function broadcastRaw(rpc: string, tx: string): Promise<{ code: number; log: string }> {
  const response = await fetch(rpc, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(tx).toString('base64') } }),
  });
  const body = (await response.json()) as { result?: { code: number; log: string }; error?: { data: string } };
  if (body.result) return body.result;
  // CometBFT v1 reports a CheckTx refusal as an RPC error quoting the app's code and log.
  const refusal = /code=(\d+), data=.*?, log='(.*?)'/s.exec(body.error?.data ?? '');
  assert.ok(refusal, `unexpected answer ${JSON.stringify(body)}`);
  return { code: Number(refusal[1]), log: refusal[2] ?? '' };
}

type GrpcGatewayClient = grpc.Client & {
  GetReceipt(request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: GrpcReceipt) => void): void;
};

function grpcGetReceipt(client: GrpcGatewayClient, request: unknown): Promise<GrpcReceipt> {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${apiKey}`);
  return new Promise((resolve, reject) => client.GetReceipt(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

describe('CometBFT chain adapter and anchor app (4 validators)', () => {
  let network: CometbftNetworkFile;
  let admin: CometbftAdminKey;
  let chain: CometbftChain;
  const signer = newTestSigner('Ed25519');
  const rpcs = (): string[] => network.validators.map((v) => v.rpc);
  const trustedSet = () => ({ chainId: network.chainId, validators: network.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })) });

  before(async () => {
    network = await loadCometbftNetwork(cometbftNetworkPath());
    admin = await loadCometbftAdminKey(network.adminKeyFile);
    chain = new CometbftChain({ chainId: network.chainId, rpc: rpcs() });
    await chain.register(signerInfoOf(signer), admin);
  });
  after(async () => {
    for (let i = 0; i < network.validators.length; i++) await cometbftValidator('start-node', i);
  });

  it('anchors a signed batch; lookup returns it with its tx hash and height; its proof leads to the next block\'s app hash', async () => {
    const batch = await randomBatch(signer, 8);
    const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
    assert.equal(anchor.kind, 'cometbft');
    assert.equal(anchor.network, network.chainId);
    assert.match(anchor.txId, /^[0-9a-f]{64}$/);
    assert.ok(Number.isInteger(anchor.blockNumber) && anchor.blockNumber > 0);
    assert.deepEqual(await chain.lookup(batch.header.id), { header: batch.header, signature: batch.signature, anchor });
    assert.equal(await chain.lookup('0'.repeat(64)), undefined);
    assert.equal((await chain.health()).ok, true);

    const entry = await chain.entry(batch.header.id);
    assert.ok(entry);
    assert.equal(entry.header, Buffer.from(signedBytesOfHeader(batch.header)).toString('utf8'), 'the app holds the bytes the gateway signed');
    let next: string | undefined;
    for (let waited = 0; next === undefined && waited < 100; waited++) {
      next = await chain.appHashAt(entry.height + 1);
      if (next === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(next, `block ${entry.height + 1} appeared`);
    assert.equal(Buffer.from(appHashOfEntry(entry) ?? []).toString('hex'), next);
    // The proof binds the header: another header, or another previous app hash, leads elsewhere.
    const tampered = { ...entry, header: entry.header.replace(batch.header.root, 'f'.repeat(64)) };
    assert.notEqual(Buffer.from(appHashOfEntry(tampered) ?? []).toString('hex'), next);
    const otherPrev = { ...entry, proof: { ...entry.proof, prevAppHash: '0'.repeat(64) } };
    assert.notEqual(Buffer.from(appHashOfEntry(otherPrev) ?? []).toString('hex'), next);
  });

  it('anchors batches signed with ES256, ES256K and SM2 keys (SM2 verified by gmsm in the app); refuses a forged SM2 signature', async () => {
    for (const alg of ['ES256', 'ES256K', 'SM2'] as const) {
      const other = newTestSigner(alg);
      await chain.register(signerInfoOf(other), admin);
      const batch = await randomBatch(other, 3);
      const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
      assert.equal((await chain.lookup(batch.header.id))?.anchor.txId, anchor.txId, alg);
      if (alg !== 'SM2') continue;
      const tree = MerkleTree.fromLeaves(batch.leaves, 'sm3');
      const first = batch.records[0] as (typeof batch.records)[number];
      const receipt = buildReceipt({ ...first, proof: tree.auditPathHex(first.leafIndex) }, batch.header, batch.signature, anchor);
      assert.equal(verifyReceipt(receipt).ok, true);
      const proof = await waitFor('the SM2 batch\'s anchor proof', () => chain.anchorProof(batch.header.id), 30_000, 250);
      assert.deepEqual(verifyLightProof(receipt, proof, trustedSet()), { ok: true });

      const forged = Buffer.from(batch.signature, 'base64url');
      forged[40] = (forged[40] as number) ^ 1;
      const again = await randomBatch(other, 2);
      await rejectsWith(chain.anchor({ header: again.header, signature: forged.toString('base64url') }), ErrorCodes.ChainRejected, /code 2: .*does not verify/);
    }
  });

  it('anchoring the same batch twice returns the first anchor; the app itself refuses a second copy', async () => {
    const batch = await randomBatch(signer, 3);
    const first = await chain.anchor({ header: batch.header, signature: batch.signature });
    assert.deepEqual(await chain.anchor({ header: batch.header, signature: batch.signature }), first);
    // Other bytes (a space), same header: past the mempool cache, the app's CheckTx answers duplicate.
    const header = Buffer.from(signedBytesOfHeader(batch.header)).toString('utf8');
    const copy = await broadcastRaw(rpcs()[0] ?? '', ` ${JSON.stringify({ op: 'anchor', header, signature: batch.signature })}`);
    assert.equal(copy.code, AnchorAppCodes.duplicate, copy.log);
    assert.deepEqual((await chain.lookup(batch.header.id))?.anchor, first);
  });

  it('refuses an unregistered key, a wrong signature, a tampered header and a registration not signed by an admin', async () => {
    const stranger = newTestSigner('Ed25519');
    const batch = await randomBatch(stranger, 2);
    const err = await rejectsWith(chain.anchor({ header: batch.header, signature: batch.signature }), ErrorCodes.ChainRejected, /not registered/);
    assert.equal(err.retryable, false);
    // Through the gateway's opener without an admin key: retryable, so the batch waits for an operator.
    const gated = await openCometbftChain({ network: cometbftNetworkPath(), adminKeyFile: undefined, logger: { info() {} } });
    const waiting = await rejectsWith(gated.anchor({ header: batch.header, signature: batch.signature }), ErrorCodes.ChainUnavailable, /not registered/);
    assert.equal(waiting.retryable, true);

    const mine = await randomBatch(signer, 2);
    await rejectsWith(chain.anchor({ header: mine.header, signature: batch.signature }), ErrorCodes.ChainRejected, /does not verify/);
    await rejectsWith(chain.anchor({ header: { ...mine.header, size: 3 }, signature: mine.signature }), ErrorCodes.ChainRejected, /does not verify/);
    assert.equal(await chain.lookup(mine.header.id), undefined);

    const fakeAdmin = { publicKey: signerInfoOf(stranger).publicKey, privateKey: admin.privateKey };
    await rejectsWith(chain.register(signerInfoOf(stranger), fakeAdmin), ErrorCodes.ChainRejected, /not an admin/);
    assert.equal(await chain.isRegistered(signerInfoOf(stranger)), false);
  });

  describe('crossgate verify --cometbft', () => {
    let receipts: Receipt[];
    before(async () => {
      const batch = await randomBatch(signer, 5);
      const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
      const tree = MerkleTree.fromLeaves(batch.leaves);
      receipts = batch.records.map((r) => buildReceipt({ ...r, proof: tree.auditPathHex(r.leafIndex) }, batch.header, batch.signature, anchor));
      // The proof check needs the block after the anchor's.
      for (let i = 0; i < 100 && (await chain.appHashAt(anchor.blockNumber + 1)) === undefined; i++) await new Promise((r) => setTimeout(r, 200));
    });

    it('accepts receipts whose batch the app holds at the stated transaction and height, with a proof to the app hash', async () => {
      for (const receipt of receipts) {
        assert.equal(verifyReceipt(receipt).ok, true);
        const result = await cometbftChecker(rpcs()[1] ?? '')(receipt);
        assert.equal(result.ok, true, JSON.stringify(result));
      }
    });

    it('refuses a receipt that misstates the height or the chain id, or names a batch the app does not hold', async () => {
      const receipt = receipts[0] as Receipt;
      const wrongHeight = { ...receipt, chain: { ...receipt.chain, blockNumber: receipt.chain.blockNumber + 1 } };
      assert.equal((await cometbftChecker(rpcs()[2] ?? '')(wrongHeight)).ok, false);
      const otherChain = { ...receipt, chain: { ...receipt.chain, network: 'another-chain' } };
      const claimed = await cometbftChecker(rpcs()[2] ?? '')(otherChain);
      assert.equal(claimed.ok, false);
      assert.match(claimed.ok ? '' : claimed.message, /runs chain crossgate-local/);
      const unknown = { ...receipt, batch: { ...receipt.batch, id: 'f'.repeat(64) } };
      assert.equal((await cometbftChecker(rpcs()[2] ?? '')(unknown)).ok, false);
    });

    it('crossgate cometbft proof: exit 1 for a batch the chain does not hold, 2 for a receipt of another chain or no --rpc', () => {
      const dir = mkdtempSync(join(tmpdir(), 'crossgate-cometbft-cli-'));
      try {
        const receipt = receipts[0] as Receipt;
        const write = (name: string, value: unknown) => (writeFileSync(join(dir, name), JSON.stringify(value)), join(dir, name));
        const unknown = runCli(['cometbft', 'proof', write('unknown.json', { ...receipt, batch: { ...receipt.batch, id: 'f'.repeat(64) } }), '--rpc', rpcs()[0] ?? '']);
        assert.equal(unknown.status, 1, unknown.stderr);
        assert.match(unknown.stderr, /is not anchored on the chain at/);
        const fabric = runCli(['cometbft', 'proof', write('fabric.json', { ...receipt, chain: { ...receipt.chain, kind: 'fabric' } }), '--rpc', rpcs()[0] ?? '']);
        assert.equal(fabric.status, 2);
        assert.match(fabric.stderr, /anchored on a "fabric" chain, not CometBFT/);
        assert.equal(runCli(['cometbft', 'proof', write('ok.json', receipt)]).status, 2, '--rpc is required');
        const added = runCli(['cometbft', 'proof', join(dir, 'ok.json'), '--rpc', rpcs()[3] ?? '']);
        assert.equal(added.status, 0, added.stderr);
        assert.equal((JSON.parse(added.stdout) as Receipt).anchorProof?.kind, 'cometbft-light', 'printed on stdout without --out');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('a gateway on CometBFT anchors REST and Kafka records; each receipt gets an anchor proof that crossgate verify --validators accepts offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossgate-cometbft-proof-'));
    const kafka = await KafkaTestContext.open('cometbft-gateway');
    let gw: GatewayProcess | undefined;
    let client: GrpcGatewayClient | undefined;
    const grpcPort = await freePort();
    try {
      const { topics, prefix } = await kafka.createSectorTopics();
      const fromKafka = [
        ...Array.from({ length: 3 }, (_, i) => makeValidRecord('cn.gov.transport.trip', i, { idPrefix: `${prefix}-t-` })),
        ...Array.from({ length: 3 }, (_, i) => makeValidRecord('cn.gov.finance.payment', i, { idPrefix: `${prefix}-f-` })),
      ];
      await kafka.produce(topics.transport, fromKafka.slice(0, 3).map((r) => sectorMessage('transport', r)));
      await kafka.produce(topics.finance, fromKafka.slice(3).map((r) => sectorMessage('finance', r)));
      gw = await startGatewayProcess({
        env: {
          CROSSGATE_CHAIN: 'cometbft',
          CROSSGATE_COMETBFT_NETWORK: cometbftNetworkPath(),
          CROSSGATE_COMETBFT_ADMIN_KEY: network.adminKeyFile,
          CROSSGATE_DEV_API_KEY: apiKey,
          CROSSGATE_BATCH_MAX_RECORDS: '4',
          CROSSGATE_BATCH_LINGER_MS: '50',
          ...kafkaConsumerEnv(topics, uniqueGroupId('cometbft')),
          CROSSGATE_GRPC_PORT: String(grpcPort),
        },
        readyTimeoutMs: 120_000,
      });
      const fromRest = Array.from({ length: 3 }, () => record());
      for (const r of fromRest) assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);

      const batches = new Set<string>();
      for (const [i, r] of [...fromRest, ...fromKafka].entries()) {
        const receipt = await receiptOf(gw, r, 90_000);
        assert.equal(receipt.chain.kind, 'cometbft');
        assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
        batches.add(receipt.batch.id);
        const receiptFile = join(dir, `receipt-${i}.json`);
        const proven = join(dir, `proven-${i}.json`);
        if (i % 2 === 0) {
          // The proof from the CLI, asking any validator...
          writeFileSync(receiptFile, JSON.stringify(receipt));
          const added = runCli(['cometbft', 'proof', receiptFile, '--rpc', rpcs()[i % rpcs().length] ?? '', '--out', proven]);
          assert.equal(added.status, 0, added.stderr);
        } else {
          // ...or served with the receipt by the gateway (pending until block h+1 exists).
          const served = await waitFor('a receipt with its anchor proof', async () => {
            const res = await http(gw!.url, 'GET', `${recordUrl(r)}/receipt?anchorProof=true`, { apiKey });
            if (res.status === 200) return res.body as Receipt;
            assert.equal((res.body as { code: string }).code, 'CG_RECEIPT_PENDING', res.text);
            return undefined;
          }, 30_000, 250);
          assert.deepEqual({ ...served, anchorProof: undefined }, { ...receipt, anchorProof: undefined }, 'the same receipt, with the proof added');
          writeFileSync(proven, JSON.stringify(served));
        }
        const offline = runCli(['verify', proven, '--validators', cometbftNetworkPath()]);
        assert.equal(offline.status, 0, offline.stdout + offline.stderr);
        assert.match(offline.stdout, /ok {2}anchor-proof: /);
      }
      assert.ok(batches.size >= 2, 'records of both doors were anchored');
      const badFlag = await http(gw.url, 'GET', `${recordUrl(fromRest[0] as GeneratedRecord)}/receipt?anchorProof=1`, { apiKey });
      assert.equal(badFlag.status, 400, badFlag.text);

      // The gRPC door serves the same proof (Receipt.anchor_proof_json), and it verifies offline.
      client = gatewayClient<GrpcGatewayClient>(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
      const viaGrpc = receiptOfGrpc(await grpcGetReceipt(client, { recordId: { source: fromKafka[0]?.source, id: fromKafka[0]?.id }, anchorProof: true }));
      assert.equal(viaGrpc.anchorProof?.kind, 'cometbft-light');
      writeFileSync(join(dir, 'grpc.json'), JSON.stringify(viaGrpc));
      const grpcChecked = runCli(['verify', join(dir, 'grpc.json'), '--validators', cometbftNetworkPath()]);
      assert.equal(grpcChecked.status, 0, grpcChecked.stdout + grpcChecked.stderr);
      const plain = receiptOfGrpc(await grpcGetReceipt(client, { recordId: { source: fromKafka[0]?.source, id: fromKafka[0]?.id } }));
      assert.equal(plain.anchorProof, undefined, 'no proof unless asked for');
      // A proof checked against a validator set that is not the chain's is refused.
      const proven = JSON.parse(readFileSync(join(dir, 'proven-0.json'), 'utf8')) as Receipt;
      const stranger = { chainId: network.chainId, validators: [{ publicKey: toBase64Url(newTestSigner('Ed25519').publicKey), power: 10 }] };
      writeFileSync(join(dir, 'stranger.json'), JSON.stringify(stranger));
      const strangerCheck = runCli(['verify', join(dir, 'proven-0.json'), '--validators', join(dir, 'stranger.json')]);
      assert.equal(strangerCheck.status, 1);
      assert.match(strangerCheck.stderr, /anchor-proof: .*not the trusted one/);
      // The chain's own genesis.json serves as the trusted set.
      const genesis = join(dirname(cometbftNetworkPath()), 'validator1', 'config', 'genesis.json');
      const fromGenesis = runCli(['verify', join(dir, 'proven-0.json'), '--validators', genesis]);
      assert.equal(fromGenesis.status, 0, fromGenesis.stdout + fromGenesis.stderr);
      assert.equal(proven.anchorProof?.kind, 'cometbft-light');
    } finally {
      client?.close();
      await gw?.stop();
      await kafka.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a gateway on CometBFT: REST records get receipts that verify; one validator killed under load, anchoring goes on; with two down they wait in the outbox, then anchor once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossgate-cometbft-gw-'));
    const gw = await startGatewayProcess({
      env: {
        CROSSGATE_CHAIN: 'cometbft',
        CROSSGATE_COMETBFT_NETWORK: cometbftNetworkPath(),
        CROSSGATE_COMETBFT_ADMIN_KEY: network.adminKeyFile,
        CROSSGATE_COMETBFT_COMMIT_TIMEOUT_MS: '3000',
        CROSSGATE_DEV_API_KEY: apiKey,
        CROSSGATE_BATCH_MAX_RECORDS: '4',
        CROSSGATE_BATCH_LINGER_MS: '50',
        CROSSGATE_RETRY_INITIAL_MS: '200',
        CROSSGATE_RETRY_MAX_MS: '1000',
      },
      readyTimeoutMs: 120_000,
    });
    try {
      const first = Array.from({ length: 6 }, () => record());
      for (const r of first) assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
      for (const r of first) {
        const receipt = await receiptOf(gw, r, 60_000);
        assert.equal(receipt.chain.kind, 'cometbft');
        assert.equal(receipt.chain.network, network.chainId);
        assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
        const checked = await cometbftChecker(rpcs()[3] ?? '')(receipt);
        assert.equal(checked.ok, true, JSON.stringify(checked));
      }
      const file = join(dir, 'receipt.json');
      writeFileSync(file, JSON.stringify(await receiptOf(gw, first[0] as GeneratedRecord, 1_000)));
      const cli = runCli(['verify', file, '--cometbft', rpcs()[2] ?? '']);
      assert.equal(cli.status, 0, cli.stdout + cli.stderr);

      // Under load, one validator crashes (SIGKILL) after the 8th of 24 records: anchoring goes on.
      const underLoad = Array.from({ length: 24 }, () => record());
      for (const [i, r] of underLoad.entries()) {
        assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
        if (i === 7) {
          await cometbftValidator('kill-node', 1);
          await assert.rejects(fetch(`${rpcs()[1] ?? ''}/status`), 'validator1 is down for the 16 records still to come');
        }
      }
      const anchoredBatches = new Map<string, Receipt['chain']>();
      for (const r of underLoad) {
        const receipt = await receiptOf(gw, r, 60_000);
        assert.equal(verifyReceipt(receipt, { record: r }).ok, true);
        anchoredBatches.set(receipt.batch.id, receipt.chain);
      }
      for (const [batchId, anchor] of anchoredBatches) assert.deepEqual((await chain.lookup(batchId))?.anchor, anchor, 'on chain once, where the receipt says');
      await cometbftValidator('start-node', 1);

      await cometbftValidator('stop-node', 2);
      await cometbftValidator('stop-node', 3);
      const waiting = Array.from({ length: 4 }, () => record());
      for (const r of waiting) assert.equal((await http(gw.url, 'POST', '/v1/records', { apiKey, body: r })).status, 202);
      // The gateway tries, times out on the stalled chain, and keeps the batch to try again.
      await waitFor('a timed-out anchoring', async () => {
        const metrics = (await http(gw.url, 'GET', '/metrics')).text;
        return counterValue(metrics, 'crossgate_chain_submit_errors_total', /code="CG_CHAIN_TIMEOUT",retryable="true"/) > 0 ? true : undefined;
      }, 60_000, 250);
      for (const r of waiting) {
        const res = await http(gw.url, 'GET', `${recordUrl(r)}/receipt`, { apiKey });
        assert.equal(res.status, 404, 'no receipt while the chain cannot commit');
      }

      await cometbftValidator('start-node', 2);
      // The restarted validator's app resumed from its own state on disk: no block replayed into it.
      const handshake = lastHandshake(2);
      assert.ok(handshake.appHeight > 0, JSON.stringify(handshake));
      assert.equal(handshake.appHeight, handshake.storeHeight);
      const before = await receiptOf(gw, first[0] as GeneratedRecord, 1_000);
      const fromRestarted = await new CometbftChain({ chainId: network.chainId, rpc: [rpcs()[2] ?? ''] }).lookup(before.batch.id);
      assert.deepEqual(fromRestarted?.anchor, before.chain, 'the restarted validator still holds what was anchored before');
      const receipts = [];
      for (const r of waiting) receipts.push(await receiptOf(gw, r, 120_000));
      for (const receipt of receipts) {
        assert.deepEqual((await chain.lookup(receipt.batch.id))?.anchor, receipt.chain, 'on chain once, where the receipt says');
      }
      for (const [i, receipt] of receipts.entries()) assert.equal(verifyReceipt(receipt, { record: waiting[i] }).ok, true);
    } finally {
      await gw.stop();
      await cometbftValidator('start-node', 1);
      await cometbftValidator('start-node', 3);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one validator down: anchoring goes on (through the others); two down: it stalls, then resumes when one returns', async () => {
    // validator0 is the adapter's first RPC address: with it down, the adapter must move on.
    await cometbftValidator('stop-node', 0);
    const during = await randomBatch(signer, 4);
    const anchored = await chain.anchor({ header: during.header, signature: during.signature });
    assert.ok(anchored.blockNumber > 0);

    await cometbftValidator('stop-node', 1);
    const stalled = await randomBatch(signer, 4);
    const slow = new CometbftChain({ chainId: network.chainId, rpc: rpcs(), commitTimeoutMs: 5_000 });
    // Two of four is not more than two thirds of the voting power: nothing commits.
    await rejectsWith(slow.anchor({ header: stalled.header, signature: stalled.signature }), ErrorCodes.ChainTimeout);
    assert.equal(await slow.lookup(stalled.header.id), undefined);

    await cometbftValidator('start-node', 1);
    // The retry (as the submitter's would) anchors the batch exactly once.
    const resumed = await chain.anchor({ header: stalled.header, signature: stalled.signature });
    assert.deepEqual(await chain.anchor({ header: stalled.header, signature: stalled.signature }), resumed);
    await cometbftValidator('start-node', 0);
    assert.deepEqual((await chain.lookup(during.header.id))?.anchor, anchored);
  });
});
