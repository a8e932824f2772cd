/**
 * Batch signatures per second on a PKCS#11 token (SoftHSM2) beside the in-process key-file signer,
 * same algorithm, same messages, same run: `npm run bench -- hsm`.
 *
 * A message is a batch header's signed bytes (~420 bytes of RFC 8785 JSON). Three figures per
 * algorithm, in alternating rounds (median of CROSSGATE_BENCH_HSM_ROUNDS, default 5):
 *   - file: newSigner over the same algorithm with a key in memory (the baseline);
 *   - token: the gateway's PKCS#11 signer (async binding call, queue, low-S), one signature at a time,
 *     as the pipeline seals;
 *   - bare binding: C_SignInit + synchronous C_Sign in a loop, no adapter: the token's own floor, so
 *     the adapter's overhead is the gap between the last two;
 *   - graphene-pk11 (ES256 only), the other maintained Node PKCS#11 library, when it is installed
 *     (`npm install --no-save graphene-pk11@2.3.6`; not a dependency: it would make pkcs11js, an
 *     optional dependency, required for `npm ci`): the same synchronous signature through its API.
 * Ratio: token ÷ file signatures/s for Ed25519. What it means for records/s: one signature per
 * sealed batch, so at 1,000 records per batch the token's figure × 1,000 is the signing ceiling.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Types from 'pkcs11js';
import { generateTokenKey, openPkcs11Signer } from '../adapters/signers/pkcs11/pkcs11-signer.js';
import { generatePrivateKey, newSigner } from '../src/core/signer.js';
import type { Signer } from '../src/core/ports.js';
import type { SignatureAlg } from '../src/core/types.js';
import { newSoftHsmToken, type SoftHsmToken } from '../test/support/softhsm.js';
import type { BenchResult, Figure } from './result.js';

const ROUNDS = Number(process.env['CROSSGATE_BENCH_HSM_ROUNDS'] ?? 5);
const SECONDS = Number(process.env['CROSSGATE_BENCH_HSM_SECONDS'] ?? 1);
const ALGS: readonly SignatureAlg[] = ['Ed25519', 'ES256'];

const message = (): Uint8Array => new Uint8Array(randomBytes(420));

async function rate(sign: (m: Uint8Array) => Promise<unknown> | unknown): Promise<number> {
  const messages = Array.from({ length: 64 }, message);
  for (let i = 0; i < 20; i++) await sign(messages[i % 64] as Uint8Array);
  let count = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 16; i++) await sign(messages[count++ % 64] as Uint8Array);
  }
  return count / ((performance.now() - started) / 1000);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** The token's floor: the same key, signing through the binding directly, synchronously. */
function bareBinding(token: SoftHsmToken, alg: SignatureAlg, label: string): { sign: (m: Uint8Array) => void; close: () => void } {
  const pkcs11 = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Types;
  const lib = new pkcs11.PKCS11();
  lib.load(token.module);
  try { lib.C_Initialize(); } catch { /* already initialized by the signer in this process */ }
  const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === token.tokenLabel);
  if (slot === undefined) throw new Error('token not found');
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION);
  try { lib.C_Login(session, pkcs11.CKU_USER, token.pin); } catch { /* the signer's login covers this session */ }
  lib.C_FindObjectsInit(session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }, { type: pkcs11.CKA_LABEL, value: label }]);
  const [key] = lib.C_FindObjects(session, 1);
  lib.C_FindObjectsFinal(session);
  if (key === undefined) throw new Error('key not found');
  const mechanism = alg === 'Ed25519' ? 0x1057 : pkcs11.CKM_ECDSA;
  const out = Buffer.alloc(64);
  // ECDSA's token input is a 32-byte digest; the same bytes serve (the cost does not depend on them).
  const digestSized = Buffer.from(randomBytes(32));
  return {
    sign: (m) => {
      lib.C_SignInit(session, { mechanism }, key);
      lib.C_Sign(session, alg === 'Ed25519' ? Buffer.from(m) : digestSized, out);
    },
    close: () => lib.C_CloseSession(session),
  };
}

interface Graphene {
  Module: { load(path: string, name: string): GrapheneModule };
  SessionFlag: { SERIAL_SESSION: number };
  ObjectClass: { PRIVATE_KEY: number };
}
interface GrapheneModule {
  initialize(): void;
  finalize(): void;
  getSlots(present: boolean): { length: number; items(i: number): { getToken(): { label: string }; open(flags: number): GrapheneSession } };
}
interface GrapheneSession {
  login(pin: string): void;
  find(template: object): { items(i: number): { toType(): unknown } };
  createSign(mechanism: string, key: unknown): { once(data: Buffer): Buffer };
  close(): void;
}

/** graphene-pk11's synchronous ECDSA signature on the same token key, or undefined when it is not installed. */
function grapheneSigner(token: SoftHsmToken, label: string): { sign: () => void; close: () => void } | undefined {
  let graphene: Graphene;
  try {
    graphene = createRequire(import.meta.url)('graphene-pk11') as Graphene;
  } catch {
    return undefined;
  }
  const module = graphene.Module.load(token.module, 'token');
  try { module.initialize(); } catch { /* already initialized in this process */ }
  const slots = module.getSlots(true);
  let session: GrapheneSession | undefined;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots.items(i);
    if (slot.getToken().label.trimEnd() === token.tokenLabel) session = slot.open(graphene.SessionFlag.SERIAL_SESSION);
  }
  if (session === undefined) throw new Error('token not found through graphene-pk11');
  const opened = session;
  try { opened.login(token.pin); } catch { /* logged in already by the signer's session */ }
  const key = opened.find({ class: graphene.ObjectClass.PRIVATE_KEY, label }).items(0).toType();
  const digest = Buffer.from(randomBytes(32));
  return { sign: () => { opened.createSign('ECDSA', key).once(digest); }, close: () => opened.close() };
}

export async function runHsmBench(): Promise<BenchResult> {
  const metrics: Record<string, Figure> = {};
  const baseline: Record<string, Figure> = {};
  const notes: string[] = [];
  let ratio = NaN;
  const token = newSoftHsmToken('cg-bench');
  for (const alg of ALGS) {
    const label = `bench-${alg}`;
    await generateTokenKey({ module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, keyLabel: label, alg });
    const tokenSigner = await openPkcs11Signer({ module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, keyLabel: label, alg });
    const fileSigner: Signer = newSigner(alg, generatePrivateKey(alg));
    const bare = bareBinding(token, alg, label);
    const graphene = alg === 'ES256' ? grapheneSigner(token, label) : undefined;
    const series = { file: [] as number[], token: [] as number[], bare: [] as number[], graphene: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const kinds = graphene === undefined ? (['file', 'token', 'bare'] as const) : (['file', 'token', 'bare', 'graphene'] as const);
      const order = round % 2 === 0 ? kinds : [...kinds].reverse();
      for (const which of order) {
        const sign = which === 'file' ? (m: Uint8Array) => fileSigner.sign(m)
          : which === 'token' ? (m: Uint8Array) => tokenSigner.sign(m)
            : which === 'bare' ? bare.sign : (graphene as { sign: () => void }).sign;
        series[which].push(await rate(sign));
      }
    }
    bare.close();
    graphene?.close();
    if (graphene !== undefined) {
      baseline[`${alg} graphene-pk11 signatures/s`] = { value: Math.round(median(series.graphene)), unit: 'signatures/s' };
      notes.push(`${alg} graphene-pk11 rounds (signatures/s): ${series.graphene.map(Math.round).join(', ')}`);
    } else if (alg === 'ES256') {
      notes.push('graphene-pk11 not installed: no comparison this run (npm install --no-save graphene-pk11@2.3.6)');
    }
    await tokenSigner.close();
    const file = median(series.file);
    const onToken = median(series.token);
    const floor = median(series.bare);
    metrics[`${alg} token signatures/s`] = { value: Math.round(onToken), unit: 'signatures/s' };
    metrics[`${alg} token µs per signature`] = { value: Math.round(1e7 / onToken) / 10, unit: 'µs' };
    metrics[`${alg} token records/s ceiling at 1,000-record batches`] = { value: Math.round(onToken * 1000), unit: 'records/s' };
    baseline[`${alg} key-file signatures/s`] = { value: Math.round(file), unit: 'signatures/s' };
    baseline[`${alg} bare binding signatures/s`] = { value: Math.round(floor), unit: 'signatures/s' };
    notes.push(`${alg} rounds (signatures/s): file ${series.file.map(Math.round).join(', ')}; token ${series.token.map(Math.round).join(', ')}; bare ${series.bare.map(Math.round).join(', ')}`);
    if (alg === 'Ed25519') ratio = Math.round((onToken / file) * 1000) / 1000;
  }
  notes.push(`SoftHSM2 on this machine, ${ROUNDS} alternating rounds of ${SECONDS} s each, median; one signature in flight at a time (the pipeline seals one batch at a time).`);
  return { scenario: 'hsm', date: new Date().toISOString(), metrics, baseline, ratio, notes };
}
