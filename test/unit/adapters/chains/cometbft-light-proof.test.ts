/**
 * The offline CometBFT anchor proof against a receipt anchored on the real 4-validator network
 * (test/fixtures/vectors/cometbft-light-proof.json): CometBFT computed the block id, the validator-set
 * hash and the precommit signatures; our TypeScript encodings must reproduce them, and every kind of
 * tampering must be refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  headerHash, type LightProof, precommitSignBytes, type TrustedValidatorSet, validatorAddress, validatorSetHash, verifyLightProof,
} from '../../../../adapters/chains/cometbft/light-proof.js';
import { Proto } from '../../../../adapters/chains/cometbft/protobuf.js';
import { fromBase64Url, toBase64Url, toHex } from '../../../../src/core/encoding.js';
import { receiptSchema, verifyReceipt } from '../../../../src/core/receipt.js';
import type { Receipt } from '../../../../src/core/types.js';
import { runCli } from '../../../support/run-cli.js';

const fixture = JSON.parse(readFileSync(new URL('../../../../../test/fixtures/vectors/cometbft-light-proof.json', import.meta.url), 'utf8')) as {
  validatorSet: TrustedValidatorSet;
  receipt: Receipt & { anchorProof: LightProof };
};
const { validatorSet } = fixture;
const receipt = receiptSchema.parse(fixture.receipt);
const proof = fixture.receipt.anchorProof;
/** This commit is the one block h+2 carried: three of the four precommits made it in, one is absent. */
const committed = proof.commit.signatures.filter((s) => s.flag === 2);

function failure(result: ReturnType<typeof verifyLightProof>): string {
  assert.equal(result.ok, false, 'expected the proof to be refused');
  return result.ok ? '' : result.message;
}

const flipHex = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('CometBFT encodings (known answers from the real network)', () => {
  it('the protobuf writer: varints, zero scalars left out, messages always written, sfixed64 little-endian', () => {
    assert.equal(toHex(new Proto().varint(1, 300).bytes()), '08ac02');
    assert.equal(toHex(new Proto().varint(1, 0).field(2, new Uint8Array()).sfixed64(3, 0).bytes()), '');
    assert.equal(toHex(new Proto().message(2, new Uint8Array()).bytes()), '1200');
    assert.equal(toHex(new Proto().sfixed64(2, 5).bytes()), '110500000000000000');
    assert.equal(toHex(new Proto().delimited(Uint8Array.of(1, 2)).bytes()), '020102');
    assert.throws(() => new Proto().varint(1, -1), RangeError);
  });

  it('reproduces the block id CometBFT computed for the header', () => {
    assert.equal(toHex(headerHash(proof.header)), proof.commit.blockId.hash);
  });

  it('reproduces the validator-set hash the header names, whatever the order of the set', () => {
    assert.equal(toHex(validatorSetHash(validatorSet)), proof.header.validatorsHash);
    const reversed = { ...validatorSet, validators: [...validatorSet.validators].reverse() };
    assert.equal(toHex(validatorSetHash(reversed)), proof.header.validatorsHash);
  });

  it('every precommit verifies over the sign-bytes we compute, and over no other', () => {
    const keys = new Map(validatorSet.validators.map((v) => [validatorAddress(fromBase64Url(v.publicKey)), fromBase64Url(v.publicKey)]));
    assert.equal(committed.length, 3);
    for (const sig of committed) {
      const key = keys.get(sig.validatorAddress);
      assert.ok(key, `signer ${sig.validatorAddress} is a validator`);
      const bytes = precommitSignBytes(validatorSet.chainId, proof.commit, sig.timestamp);
      assert.equal(ed25519.verify(fromBase64Url(sig.signature), bytes, key), true);
      assert.equal(ed25519.verify(fromBase64Url(sig.signature), precommitSignBytes('another-chain', proof.commit, sig.timestamp), key), false);
    }
  });
});

describe('verifyLightProof', () => {
  it('accepts the receipt of the real network against its validator set', () => {
    assert.equal(verifyReceipt(fixture.receipt).ok, true, 'a receipt with an anchorProof is still a valid receipt');
    assert.deepEqual(verifyLightProof(receipt, proof, validatorSet), { ok: true });
  });

  it('more than two thirds suffice: three of four precommits, the absent one left out of the list', () => {
    const three = { ...proof, commit: { ...proof.commit, signatures: committed } };
    assert.deepEqual(verifyLightProof(receipt, three, validatorSet), { ok: true });
  });

  it('refuses a commit signed by two thirds or less of the voting power, a precommit counted twice included', () => {
    const two = committed.slice(0, 2);
    const fewer = { ...proof, commit: { ...proof.commit, signatures: two } };
    assert.match(failure(verifyLightProof(receipt, fewer, validatorSet)), /precommits of 2 of 4 voting power; more than two thirds/);
    const repeated = { ...proof, commit: { ...proof.commit, signatures: [...two, ...two] } };
    assert.match(failure(verifyLightProof(receipt, repeated, validatorSet)), /2 of 4 voting power/);
    const first = committed[0];
    const absent = { ...proof, commit: { ...proof.commit, signatures: proof.commit.signatures.map((s) => (s === first ? { ...s, flag: 1 as const } : s)) } };
    assert.match(failure(verifyLightProof(receipt, absent, validatorSet)), /2 of 4 voting power/);
  });

  it('refuses a forged precommit', () => {
    const signatures = proof.commit.signatures.map((s) => {
      if (s !== committed[0]) return s;
      const bytes = fromBase64Url(s.signature);
      bytes[10] = (bytes[10] as number) ^ 1;
      return { ...s, signature: toBase64Url(bytes) };
    });
    assert.match(failure(verifyLightProof(receipt, { ...proof, commit: { ...proof.commit, signatures } }, validatorSet)), /precommit of validator [0-9a-f]{40} does not verify/);
  });

  it('refuses a header that is not the committed one, and an app hash that is not the header\'s', () => {
    const laterTime = { ...proof, header: { ...proof.header, time: proof.header.time.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)) } };
    assert.match(failure(verifyLightProof(receipt, laterTime, validatorSet)), /the commit is not for block \d+'s header/);
    const otherAppHash = { ...proof, header: { ...proof.header, appHash: flipHex(proof.header.appHash) } };
    assert.match(failure(verifyLightProof(receipt, otherAppHash, validatorSet)), /app-hash proof does not lead/);
  });

  it('refuses a tampered app-hash proof and a receipt whose header is not the anchored one', () => {
    const prev = { ...proof, appHashProof: { ...proof.appHashProof, prevAppHash: flipHex(proof.appHashProof.prevAppHash) } };
    assert.match(failure(verifyLightProof(receipt, prev, validatorSet)), /app-hash proof does not lead/);
    const index = { ...proof, appHashProof: { ...proof.appHashProof, index: proof.appHashProof.index + 1, total: proof.appHashProof.total + 1 } };
    assert.match(failure(verifyLightProof(receipt, index, validatorSet)), /app-hash proof does not lead/);
    const otherBatch = { ...receipt, batch: { ...receipt.batch, sealedAt: '2020-01-01T00:00:00.000Z' } };
    assert.match(failure(verifyLightProof(otherBatch, proof, validatorSet)), /app-hash proof does not lead/);
  });

  it('refuses another validator set, another chain, and another height', () => {
    const replaced = { ...validatorSet, validators: [{ publicKey: toBase64Url(ed25519.getPublicKey(ed25519.utils.randomSecretKey())), power: 1 }, ...validatorSet.validators.slice(1)] };
    assert.match(failure(verifyLightProof(receipt, proof, replaced)), /names validator set [0-9a-f]{64}, not the trusted one/);
    assert.match(failure(verifyLightProof(receipt, proof, { ...validatorSet, chainId: 'other-chain' })), /anchorProof is for chain crossgate-local, the validator set is chain other-chain/);
    const claimed = { ...receipt, chain: { ...receipt.chain, network: 'other-chain' } };
    assert.match(failure(verifyLightProof(claimed, proof, validatorSet)), /receipt says chain.network other-chain/);
    const height = { ...receipt, chain: { ...receipt.chain, blockNumber: receipt.chain.blockNumber + 1 } };
    assert.match(failure(verifyLightProof(height, proof, validatorSet)), /the anchor's app hash is in block/);
  });

  it('refuses a malformed proof: unknown members, upper-case hex, a missing commit, another kind', () => {
    for (const bad of [
      { ...proof, extra: 1 },
      { ...proof, header: { ...proof.header, appHash: proof.header.appHash.toUpperCase() } },
      { ...proof, commit: undefined },
      { ...proof, kind: 'fabric' },
      'proof',
    ]) {
      assert.match(failure(verifyLightProof(receipt, bad, validatorSet)), /^anchorProof is malformed: /);
    }
  });
});

describe('crossgate verify --validators', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-cli-validators-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const validators = write('validators.json', validatorSet);

  it('exits 0 and names the anchor-proof check for the real network\'s receipt', () => {
    const r = runCli(['verify', write('receipt.json', fixture.receipt), '--validators', validators]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok {2}anchor-proof: /);
  });

  it('exits 1 for a commit with too few signatures, and for a receipt without a proof', () => {
    const weak = { ...fixture.receipt, anchorProof: { ...proof, commit: { ...proof.commit, signatures: committed.slice(0, 2) } } };
    const r = runCli(['verify', write('weak.json', weak), '--validators', validators]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^verification failed: anchor-proof: .*2 of 4 voting power/);
    const { anchorProof: _, ...bare } = fixture.receipt;
    const none = runCli(['verify', write('bare.json', bare), '--validators', validators]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /receipt carries no anchorProof \(crossgate cometbft proof adds it\)/);
  });

  it('takes the chain\'s genesis.json as the validator set too; refuses a genesis with a key type it cannot check', () => {
    const genesis = {
      genesis_time: '2026-12-08T02:30:00Z', chain_id: validatorSet.chainId, initial_height: '1', app_hash: '',
      validators: validatorSet.validators.map((v, i) => ({
        address: validatorAddress(fromBase64Url(v.publicKey)).toUpperCase(),
        pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(fromBase64Url(v.publicKey)).toString('base64') },
        power: String(v.power), name: `validator${i}`,
      })),
    };
    const r = runCli(['verify', write('receipt3.json', fixture.receipt), '--validators', write('genesis.json', genesis)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok {2}anchor-proof: /);
    const secp = { ...genesis, validators: genesis.validators.map((v) => ({ ...v, pub_key: { ...v.pub_key, type: 'tendermint/PubKeySecp256k1' } })) };
    const refused = runCli(['verify', join(dir, 'receipt3.json'), '--validators', write('genesis-secp.json', secp)]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /only Ed25519 validator keys are supported/);
  });

  it('exits 2 for an unreadable validator set and for two chain options at once', () => {
    const receiptPath = write('receipt2.json', fixture.receipt);
    assert.equal(runCli(['verify', receiptPath, '--validators', join(dir, 'missing.json')]).status, 2);
    assert.equal(runCli(['verify', receiptPath, '--validators', write('bad-set.json', { chainId: 'x', validators: [] })]).status, 2);
    assert.equal(runCli(['verify', receiptPath, '--validators', validators, '--cometbft', 'http://127.0.0.1:1']).status, 2);
  });
});
