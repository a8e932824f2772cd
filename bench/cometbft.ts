/**
 * `npm run bench -- cometbft`: records/s anchored on the real 4-validator CometBFT network
 * (scripts/cometbft.sh), batched — records sealed into RFC 6962 batches, one transaction per batch —
 * against one transaction per record, measured in the same run through the same CometbftChain client
 * with the same anchors in flight. A record counts once the anchor app holds its batch (committed).
 * It also times the offline anchor-proof check (`crossgate verify --validators`) per receipt.
 *
 * Environment: CROSSGATE_BENCH_COMETBFT_NETWORK (default: the test network's file, the network
 * started if needed), CROSSGATE_BENCH_COMETBFT_RECORDS (batched, default 50000),
 * CROSSGATE_BENCH_COMETBFT_BATCH (records per batch, default 1000), CROSSGATE_BENCH_COMETBFT_NAIVE
 * (naive records, default 100), CROSSGATE_BENCH_COMETBFT_INFLIGHT (anchors in flight, default 4).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CometbftChain, loadCometbftAdminKey, loadCometbftNetwork } from '../adapters/chains/cometbft/cometbft-chain.js';
import { verifyLightProof } from '../adapters/chains/cometbft/light-proof.js';
import { toBase64Url } from '../src/core/encoding.js';
import { MerkleTree } from '../src/core/merkle-tree.js';
import { buildReceipt } from '../src/core/receipt.js';
import { type LeafRecord, sealBatch } from '../src/core/seal-batch.js';
import { generatePrivateKey, newSigner } from '../src/core/signer.js';
import { compareBatching } from './anchoring.js';
import type { BenchResult } from './result.js';

const RECORDS = Number(process.env['CROSSGATE_BENCH_COMETBFT_RECORDS'] ?? 50_000);
const BATCH = Number(process.env['CROSSGATE_BENCH_COMETBFT_BATCH'] ?? 1000);
const NAIVE = Number(process.env['CROSSGATE_BENCH_COMETBFT_NAIVE'] ?? 100);
const INFLIGHT = Number(process.env['CROSSGATE_BENCH_COMETBFT_INFLIGHT'] ?? 4);
const PROOF_CHECKS = 1000;

function networkPath(): string {
  const given = process.env['CROSSGATE_BENCH_COMETBFT_NETWORK'] ?? process.env['CROSSGATE_TEST_COMETBFT_NETWORK'];
  if (given) return given;
  const script = fileURLToPath(new URL('../../scripts/cometbft.sh', import.meta.url));
  // Idempotent: reuses a running network, provisions one otherwise.
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return execFileSync('bash', [script, 'network'], { encoding: 'utf8' }).trim();
}

/** Median µs of `verifyLightProof` for a receipt of a freshly anchored batch. */
async function proofCheckMicros(chain: CometbftChain, signer: ReturnType<typeof newSigner>, trusted: Parameters<typeof verifyLightProof>[2]): Promise<number> {
  const leaves: LeafRecord[] = [{ recordId: { source: '/bench/cometbft/proof', id: '0' }, digestHex: 'ab'.repeat(32), type: 'bench.record', tenant: 'bench' }];
  const batch = await sealBatch(leaves, { signer, prev: null, sealedAtMillis: Date.now() });
  const anchor = await chain.anchor({ header: batch.header, signature: batch.signature });
  const tree = MerkleTree.fromLeaves(batch.leaves);
  const first = batch.records[0];
  if (first === undefined) throw new Error('empty batch');
  const receipt = buildReceipt({ ...first, proof: tree.auditPathHex(0) }, batch.header, batch.signature, anchor);
  let proof;
  for (let i = 0; i < 100 && (proof = await chain.anchorProof(batch.header.id)) === undefined; i++) await new Promise((r) => setTimeout(r, 250));
  if (proof === undefined) throw new Error('no anchor proof within 25 s');
  const times: number[] = [];
  for (let i = 0; i < PROOF_CHECKS; i++) {
    const started = performance.now();
    const checked = verifyLightProof(receipt, proof, trusted);
    times.push((performance.now() - started) * 1000);
    if (!checked.ok) throw new Error(`the anchor proof did not verify: ${checked.message}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

export async function runCometbftBench(): Promise<BenchResult> {
  const network = await loadCometbftNetwork(networkPath());
  const admin = await loadCometbftAdminKey(network.adminKeyFile);
  const chain = new CometbftChain({ chainId: network.chainId, rpc: network.validators.map((v) => v.rpc), commitTimeoutMs: 120_000 });
  const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
  await chain.register({ keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) }, admin);
  const trusted = { chainId: network.chainId, validators: network.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })) };

  const compared = await compareBatching(chain, signer, { records: RECORDS, perBatch: BATCH, naive: NAIVE, inFlight: INFLIGHT });
  const proofMicros = await proofCheckMicros(chain, signer, trusted);
  return {
    scenario: 'cometbft',
    date: new Date().toISOString(),
    metrics: { ...compared.metrics, 'offline anchor-proof check (median)': { value: proofMicros, unit: 'µs' } },
    baseline: compared.baseline,
    ratio: compared.ratio,
    notes: [
      `Real CometBFT v1.0.1 network on 127.0.0.1: ${network.validators.length} validators with the anchor app in process; timeouts propose 1 s, prevote/precommit 0.5 s, commit 0.3 s.`,
      `Both runs through the same CometbftChain client (broadcast_tx_sync, then the app's /batch query until committed), ${INFLIGHT} anchors in flight.`,
      compared.note,
      `Offline check: verifyLightProof (app-hash proof, header hash, validator-set hash, ${network.validators.length} Ed25519 precommits), median of ${PROOF_CHECKS}.`,
      `Machine: ${process.platform}/${process.arch}, Node ${process.version}.`,
    ],
  };
}
