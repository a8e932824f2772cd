/**
 * `npm run bench -- fabric`: records/s anchored on the real Fabric network (scripts/fabric/network.sh),
 * batched — records sealed into RFC 6962 batches, one transaction per batch — against the naive
 * way measured in the same run through the same client: one transaction per record (a batch of one).
 * Both keep the same number of anchors in flight, and both count a record only once its transaction
 * is committed (the adapter waits for the commit status), so the ratio is the value of batching.
 *
 * Environment: CROSSGATE_BENCH_FABRIC_PROFILE (default: the profile of the network, started if
 * needed), CROSSGATE_BENCH_FABRIC_RECORDS (batched, default 50000), CROSSGATE_BENCH_FABRIC_BATCH
 * (records per batch, default 1000), CROSSGATE_BENCH_FABRIC_NAIVE (naive records, default 200),
 * CROSSGATE_BENCH_FABRIC_INFLIGHT (anchors in flight, default 4).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openFabricKeyAdmin } from '../adapters/chains/fabric/fabric-admin.js';
import { openFabricChainFromProfile } from '../adapters/chains/fabric/fabric-chain.js';
import { toBase64Url } from '../src/core/encoding.js';
import { generatePrivateKey, newSigner } from '../src/core/signer.js';
import { compareBatching } from './anchoring.js';
import type { BenchResult } from './result.js';

const RECORDS = Number(process.env['CROSSGATE_BENCH_FABRIC_RECORDS'] ?? 50_000);
const BATCH = Number(process.env['CROSSGATE_BENCH_FABRIC_BATCH'] ?? 1000);
const NAIVE = Number(process.env['CROSSGATE_BENCH_FABRIC_NAIVE'] ?? 200);
const INFLIGHT = Number(process.env['CROSSGATE_BENCH_FABRIC_INFLIGHT'] ?? 4);

function profilePath(): string {
  const given = process.env['CROSSGATE_BENCH_FABRIC_PROFILE'] ?? process.env['CROSSGATE_TEST_FABRIC_PROFILE'];
  if (given) return given;
  const script = fileURLToPath(new URL('../../scripts/fabric/network.sh', import.meta.url));
  // Idempotent: reuses a running network, resumes a stopped one, provisions a new one otherwise.
  const out = execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1) as string;
}

export async function runFabricBench(): Promise<BenchResult> {
  const profile = profilePath();
  const signer = newSigner('Ed25519', generatePrivateKey('Ed25519'));
  const admin = await openFabricKeyAdmin(profile);
  try {
    await admin.registerGatewayKey({ keyId: signer.keyId, alg: signer.alg, publicKey: toBase64Url(signer.publicKey) });
  } finally {
    admin.close();
  }
  const chain = await openFabricChainFromProfile(profile);
  try {
    const compared = await compareBatching(chain, signer, { records: RECORDS, perBatch: BATCH, naive: NAIVE, inFlight: INFLIGHT });
    return {
      scenario: 'fabric',
      date: new Date().toISOString(),
      metrics: compared.metrics,
      baseline: compared.baseline,
      ratio: compared.ratio,
      notes: [
        'Real Fabric 2.5 network on 127.0.0.1: one etcdraft orderer (BatchTimeout 250ms), two orgs with one peer each, endorsement by both, TLS on.',
        `Both runs through the same FabricChain client, ${INFLIGHT} anchors in flight, each counted after its commit status.`,
        compared.note,
        `Machine: ${process.platform}/${process.arch}, Node ${process.version}.`,
      ],
    };
  } finally {
    await chain.close();
  }
}
