import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FabricKeyAdmin } from '../../../../../adapters/chains/fabric/fabric-admin.js';
import type { GatewayKeyRecord } from '../../../../../adapters/chains/fabric/chaincode/anchor-records.js';
import { ChainError, ErrorCodes } from '../../../../../src/core/errors.js';
import type { AnchorRequest, ChainClient } from '../../../../../src/core/ports.js';
import type { ChainAnchor, SignerInfo } from '../../../../../src/core/types.js';
import { FabricKeyGate } from '../../../../../adapters/chains/fabric/fabric-key-gate.js';
import type { GateLogger } from '../../../../../adapters/chains/fabric/fabric-key-gate.js';

const key: SignerInfo = { keyId: 'kid-1', alg: 'Ed25519', publicKey: 'AAAA' };
const anchor: ChainAnchor = { kind: 'fabric', network: 'crossgate', txId: 'a'.repeat(64), blockNumber: 7 };
const request = { header: { id: 'b'.repeat(64), signer: key }, signature: 'sig' } as unknown as AnchorRequest;

function keyRecord(status: 'active' | 'revoked', publicKey = key.publicKey): GatewayKeyRecord {
  return { keyId: key.keyId, alg: key.alg, publicKey, status, registeredBy: 'admin', registeredTxId: 't1', revokedBy: null, revokedTxId: status === 'revoked' ? 't2' : null };
}

/** A chain that counts anchors, a key registry the test controls, and a log that keeps lines. */
function setup(registerAs?: string) {
  const calls = { anchors: 0, opened: [] as string[], registered: [] as SignerInfo[], reads: 0 };
  let onChain: GatewayKeyRecord | null = null;
  let failure: Error | undefined;
  let chainOk = true;
  const chain: ChainClient = {
    kind: 'fabric',
    network: 'crossgate',
    anchor: async () => {
      calls.anchors += 1;
      return anchor;
    },
    lookup: async () => undefined,
    health: async () => (chainOk ? { ok: true, detail: 'up' } : { ok: false, detail: 'peer down' }),
    close: async () => undefined,
  };
  const admin = {
    getGatewayKey: async () => {
      calls.reads += 1;
      if (failure) throw failure;
      return onChain;
    },
    registerGatewayKey: async (info: SignerInfo) => {
      calls.registered.push(info);
      if (failure) throw failure;
      onChain ??= keyRecord('active');
      return onChain;
    },
    close: () => undefined,
  } as unknown as FabricKeyAdmin;
  const lines: { level: string; message: string }[] = [];
  const logger = {
    info: (_: unknown, message: string) => lines.push({ level: 'info', message }),
    warn: (_: unknown, message: string) => lines.push({ level: 'warn', message }),
    error: (_: unknown, message: string) => lines.push({ level: 'error', message }),
  } as unknown as GateLogger;
  const gate = new FabricKeyGate(chain, {
    keys: [key], registerAs, readAs: 'gateway', logger,
    openAdmin: async (identity) => {
      calls.opened.push(identity);
      return admin;
    },
  });
  return {
    gate, calls, lines,
    setOnChain: (r: GatewayKeyRecord | null) => { onChain = r; },
    fail: (err: Error | undefined) => { failure = err; },
    setChainOk: (ok: boolean) => { chainOk = ok; },
  };
}

async function chainError(promise: Promise<unknown>): Promise<ChainError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ChainError, String(err));
    return err;
  }
  assert.fail('expected a ChainError');
}

describe('FabricKeyGate', () => {
  it('holds anchors as retryable while the key is not registered, logs the command once, and opens once an admin registered it', async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) {
      const err = await chainError(t.gate.anchor(request));
      assert.equal(err.code, ErrorCodes.ChainUnavailable);
      assert.equal(err.retryable, true);
      assert.match(err.message, /not registered.*crossgate fabric register-key/);
    }
    assert.equal(t.calls.anchors, 0, 'nothing is sent to the chaincode');
    assert.deepEqual(t.calls.opened, ['gateway', 'gateway', 'gateway'], 'reads as the gateway identity');
    assert.deepEqual(t.calls.registered, [], 'never registers without registerAs');
    assert.equal(t.lines.filter((l) => l.level === 'error').length, 1, 'reported once, not per retry');

    t.setOnChain(keyRecord('active'));
    assert.deepEqual(await t.gate.anchor(request), anchor);
    assert.deepEqual(await t.gate.anchor(request), anchor);
    assert.equal(t.calls.anchors, 2);
    assert.equal(t.calls.reads, 4, 'no key reads once the key was seen active');
    assert.equal(t.gate.keyActive, true);
    assert.ok(t.lines.some((l) => l.level === 'info' && l.message === 'fabric gateway key active'));
  });

  it('registers the key as the admin identity when told to, once for concurrent anchors', async () => {
    const t = setup('admin');
    const results = await Promise.all([t.gate.anchor(request), t.gate.anchor(request), t.gate.ensureKey()]);
    assert.deepEqual(results.slice(0, 2), [anchor, anchor]);
    assert.deepEqual(t.calls.opened, ['admin']);
    assert.deepEqual(t.calls.registered, [key]);
  });

  it('a revoked key is final: anchors are rejected without retry and the registry is not asked again', async () => {
    const t = setup();
    t.setOnChain(keyRecord('revoked'));
    for (let i = 0; i < 2; i++) {
      const err = await chainError(t.gate.anchor(request));
      assert.equal(err.code, ErrorCodes.ChainRejected);
      assert.equal(err.retryable, false);
      assert.match(err.message, /revoked/);
    }
    assert.equal(t.calls.reads, 1);
    assert.equal(t.calls.anchors, 0);
  });

  it('a registration refused because the key was revoked is final; one refused for another reason is retried', async () => {
    const revoked = setup('admin');
    revoked.fail(new ChainError(ErrorCodes.ChainRejected, 'registering gateway key kid-1: chaincode response 500', { details: ['gateway key kid-1 was revoked'] }));
    assert.equal((await chainError(revoked.gate.anchor(request))).code, ErrorCodes.ChainRejected);
    assert.equal((await chainError(revoked.gate.anchor(request))).code, ErrorCodes.ChainRejected);
    assert.equal(revoked.calls.registered.length, 1);

    const denied = setup('admin');
    denied.fail(new ChainError(ErrorCodes.ChainRejected, 'access denied: not a gateway-key admin'));
    const err = await chainError(denied.gate.anchor(request));
    assert.equal(err.code, ErrorCodes.ChainUnavailable);
    assert.match(err.message, /access denied/);
    denied.fail(undefined);
    assert.deepEqual(await denied.gate.anchor(request), anchor);
    assert.equal(denied.calls.registered.length, 2);
  });

  it('refuses a key id registered with another public key', async () => {
    const t = setup();
    t.setOnChain(keyRecord('active', 'BBBB'));
    const err = await chainError(t.gate.anchor(request));
    assert.equal(err.code, ErrorCodes.ChainRejected);
    assert.match(err.message, /different public key/);
  });

  it('passes a transport failure on as retryable and checks again next time', async () => {
    const t = setup();
    t.fail(new ChainError(ErrorCodes.ChainUnavailable, '14 UNAVAILABLE: connection refused'));
    const err = await chainError(t.gate.anchor(request));
    assert.equal(err.code, ErrorCodes.ChainUnavailable);
    assert.ok(t.lines.some((l) => l.level === 'warn' && /connection refused/.test(l.message)));
    t.fail(undefined);
    t.setOnChain(keyRecord('active'));
    assert.deepEqual(await t.gate.anchor(request), anchor);
  });

  it('is not healthy while the key is not active, nor while the chain is down', async () => {
    const t = setup();
    const missing = await t.gate.health();
    assert.equal(missing.ok, false);
    assert.match(missing.detail, /not registered/);
    t.setOnChain(keyRecord('active'));
    assert.deepEqual(await t.gate.health(), { ok: true, detail: 'up' });
    t.setChainOk(false);
    assert.deepEqual(await t.gate.health(), { ok: false, detail: 'peer down' });
  });

  it('with a rotation, registers the current and the next key at start, and only looks up an older key whose batches are still in the outbox', async () => {
    const next: SignerInfo = { keyId: 'kid-2', alg: 'Ed25519', publicKey: 'BBBB' };
    const older: SignerInfo = { keyId: 'kid-0', alg: 'Ed25519', publicKey: 'CCCC' };
    const records = new Map<string, GatewayKeyRecord>();
    const registered: string[] = [];
    const looked: string[] = [];
    const record = (k: SignerInfo): GatewayKeyRecord => ({ keyId: k.keyId, alg: k.alg, publicKey: k.publicKey, status: 'active', registeredBy: 'admin', registeredTxId: 't', revokedBy: null, revokedTxId: null });
    const admin = {
      getGatewayKey: async (keyId: string) => {
        looked.push(keyId);
        return records.get(keyId) ?? null;
      },
      registerGatewayKey: async (info: SignerInfo) => {
        registered.push(info.keyId);
        records.set(info.keyId, record(info));
        return record(info);
      },
      close: () => undefined,
    } as unknown as FabricKeyAdmin;
    let anchors = 0;
    const chain: ChainClient = {
      kind: 'fabric', network: 'crossgate',
      anchor: async () => { anchors += 1; return anchor; },
      lookup: async () => undefined,
      health: async () => ({ ok: true, detail: 'up' }),
      close: async () => undefined,
    };
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const gate = new FabricKeyGate(chain, { keys: [key, next], registerAs: 'admin', readAs: 'gateway', logger: quiet, openAdmin: async () => admin });
    await gate.ensureKey();
    assert.deepEqual(registered.sort(), ['kid-1', 'kid-2']);
    assert.equal(gate.keyActive, true);

    const signedBy = (signer: SignerInfo) => ({ header: { id: 'c'.repeat(64), signer }, signature: 'sig' }) as unknown as AnchorRequest;
    assert.deepEqual(await gate.anchor(signedBy(next)), anchor);
    const held = await chainError(gate.anchor(signedBy(older)));
    assert.equal(held.retryable, true, 'an unregistered older key waits for an admin');
    assert.deepEqual(looked, ['kid-0']);
    assert.deepEqual(registered.sort(), ['kid-1', 'kid-2'], 'a key no setting names is never registered by the gateway');
    records.set(older.keyId, record(older));
    assert.deepEqual(await gate.anchor(signedBy(older)), anchor);
    assert.equal(anchors, 2);
  });
});
