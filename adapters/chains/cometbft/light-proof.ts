/**
 * The CometBFT anchor proof a receipt may carry, and its offline check against a validator set
 * (docs/cometbft.md §Offline proof). Nothing here trusts a node:
 *
 *   receipt header ──app proof──▶ app hash = header(h+1).app_hash
 *   header(h+1) ──CometBFT header hash──▶ commit.blockId.hash
 *   commit ──Ed25519 precommits of more than 2/3 of the trusted voting power──▶ final
 *
 * The header hash and the vote sign-bytes are CometBFT v1's protobuf encodings, written out here
 * (./protobuf.ts) and tested against blocks of the real network.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';
import { signedBytesOfHeader } from '../../../src/core/batch-header.js';
import { sha256 } from '../../../src/core/digest.js';
import { bytesEqual, fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../../src/core/encoding.js';
import { merkleTreeHead } from '../../../src/core/merkle-tree.js';
import type { Receipt } from '../../../src/core/types.js';
import { appHashOfEntry, type AnchoredEntry } from './anchor-entry.js';
import type { CometbftChain } from './cometbft-chain.js';
import { Proto } from './protobuf.js';

export const LIGHT_PROOF_KIND = 'cometbft-light';

const hash32 = z.string().regex(/^([0-9a-f]{64})?$/, 'expected 64 lowercase hex digits (or empty)');
const address = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 20-byte address in lowercase hex');
const height = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
// RFC 3339 in UTC with up to nanoseconds, as CometBFT writes block and vote times.
const rfc3339Nano = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/, 'expected an RFC 3339 UTC time');
const blockId = z.strictObject({ hash: hash32, parts: z.strictObject({ total: z.int().min(0).max(0xffff_ffff), hash: hash32 }) });

/** Block id flags of a commit signature (CometBFT's BlockIDFlag). */
const BlockIdFlag = { absent: 1, commit: 2, nil: 3 } as const;
/** SignedMsgType of a precommit. */
const PRECOMMIT = 2;

export const lightProofSchema = z.strictObject({
  kind: z.literal(LIGHT_PROOF_KIND),
  /** The anchor app's proof that the receipt's header was accepted at height h (see appHashOfEntry). */
  appHashProof: z.strictObject({ prevAppHash: hash32, index: z.int().min(0), total: z.int().min(1), aunts: z.array(hash32).max(64) }),
  /** The header of block h+1, which carries the app hash after block h. */
  header: z.strictObject({
    version: z.strictObject({ block: z.int().min(0), app: z.int().min(0) }),
    chainId: z.string().min(1).max(50),
    height,
    time: rfc3339Nano,
    lastBlockId: blockId,
    lastCommitHash: hash32,
    dataHash: hash32,
    validatorsHash: hash32,
    nextValidatorsHash: hash32,
    consensusHash: hash32,
    appHash: hash32,
    lastResultsHash: hash32,
    evidenceHash: hash32,
    proposerAddress: address,
  }),
  /** The commit of block h+1. */
  commit: z.strictObject({
    height,
    round: z.int().min(0).max(0x7fff_ffff),
    blockId,
    signatures: z.array(z.strictObject({
      flag: z.union([z.literal(BlockIdFlag.absent), z.literal(BlockIdFlag.commit), z.literal(BlockIdFlag.nil)]),
      validatorAddress: z.union([address, z.literal('')]),
      timestamp: rfc3339Nano,
      signature: z.union([z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected a 64-byte Ed25519 signature in base64url'), z.literal('')]),
    })).max(10_000),
  }),
});
export type LightProof = z.infer<typeof lightProofSchema>;

/** A validator set a verifier trusts (network.json of scripts/cometbft.sh has this shape, plus more). */
export const validatorSetSchema = z.object({
  chainId: z.string().min(1),
  validators: z.array(z.object({
    /** Ed25519 public key, base64url (32 bytes). */
    publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 32-byte Ed25519 key in base64url'),
    power: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  })).min(1),
});
export type TrustedValidatorSet = z.infer<typeof validatorSetSchema>;

/** CometBFT's genesis.json, which every node operator holds: its chain id and initial validators. */
const genesisSchema = z.object({
  chain_id: z.string().min(1),
  validators: z.array(z.object({
    pub_key: z.object({
      type: z.literal('tendermint/PubKeyEd25519', 'only Ed25519 validator keys are supported'),
      value: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected a 32-byte Ed25519 key in base64'),
    }),
    power: z.string().regex(/^[1-9]\d{0,15}$/, 'expected a positive voting power'),
  })).min(1),
});

/** A trusted validator set from its file: `{ chainId, validators: [{ publicKey, power }] }` (network.json) or a CometBFT genesis.json. */
export function parseValidatorSet(json: unknown): TrustedValidatorSet {
  if (typeof json === 'object' && json !== null && 'chain_id' in json) {
    const genesis = genesisSchema.parse(json);
    return validatorSetSchema.parse({
      chainId: genesis.chain_id,
      validators: genesis.validators.map((v) => ({ publicKey: toBase64Url(Buffer.from(v.pub_key.value, 'base64')), power: Number(v.power) })),
    });
  }
  return validatorSetSchema.parse(json);
}

// ---- from the RPC's JSON to the proof -------------------------------------------------------------

const rpcBlockId = z.object({ hash: z.string(), parts: z.object({ total: z.number(), hash: z.string() }) });
/** The `commit` RPC's answer (signed_header), as CometBFT v1 writes it. */
export const rpcSignedHeaderSchema = z.object({
  signed_header: z.object({
    header: z.object({
      version: z.object({ block: z.string(), app: z.string().optional() }),
      chain_id: z.string(), height: z.string(), time: z.string(), last_block_id: rpcBlockId,
      last_commit_hash: z.string(), data_hash: z.string(), validators_hash: z.string(), next_validators_hash: z.string(),
      consensus_hash: z.string(), app_hash: z.string(), last_results_hash: z.string(), evidence_hash: z.string(), proposer_address: z.string(),
    }),
    commit: z.object({
      height: z.string(), round: z.number(), block_id: rpcBlockId,
      signatures: z.array(z.object({ block_id_flag: z.number(), validator_address: z.string(), timestamp: z.string(), signature: z.string().nullable() })),
    }),
  }),
});
type RpcSignedHeader = z.infer<typeof rpcSignedHeaderSchema>['signed_header'];

const lowerHex = (s: string) => s.toLowerCase();
const blockIdOf = (id: z.infer<typeof rpcBlockId>) => ({ hash: lowerHex(id.hash), parts: { total: id.parts.total, hash: lowerHex(id.parts.hash) } });

/** Assembles the proof from the app's entry for the batch and the signed header of block entry.height + 1. */
export function lightProofOf(entry: AnchoredEntry, signed: RpcSignedHeader): LightProof {
  const { header: h, commit: c } = signed;
  return lightProofSchema.parse({
    kind: LIGHT_PROOF_KIND,
    appHashProof: { prevAppHash: entry.proof.prevAppHash, index: entry.proof.index, total: entry.proof.total, aunts: entry.proof.aunts },
    header: {
      version: { block: Number(h.version.block), app: Number(h.version.app ?? 0) },
      chainId: h.chain_id, height: Number(h.height), time: h.time, lastBlockId: blockIdOf(h.last_block_id),
      lastCommitHash: lowerHex(h.last_commit_hash), dataHash: lowerHex(h.data_hash), validatorsHash: lowerHex(h.validators_hash),
      nextValidatorsHash: lowerHex(h.next_validators_hash), consensusHash: lowerHex(h.consensus_hash), appHash: lowerHex(h.app_hash),
      lastResultsHash: lowerHex(h.last_results_hash), evidenceHash: lowerHex(h.evidence_hash), proposerAddress: lowerHex(h.proposer_address),
    },
    commit: {
      height: Number(c.height), round: c.round, blockId: blockIdOf(c.block_id),
      signatures: c.signatures.map((s) => ({
        flag: s.block_id_flag, validatorAddress: lowerHex(s.validator_address), timestamp: s.timestamp,
        signature: s.signature === null || s.signature === '' ? '' : toBase64Url(Buffer.from(s.signature, 'base64')),
      })),
    },
  });
}

/**
 * Reads a batch's proof from any node (the proof is checked, not the node trusted). Undefined when
 * the batch is not anchored or block h+1 does not exist yet.
 */
export async function fetchLightProof(chain: Pick<CometbftChain, 'entry' | 'commitAt'>, batchId: string): Promise<LightProof | undefined> {
  const entry = await chain.entry(batchId);
  return entry === undefined ? undefined : lightProofForEntry(chain, entry);
}

/** The proof for an entry already read: block entry.height + 1's commit, or undefined before that block exists. */
export async function lightProofForEntry(chain: Pick<CometbftChain, 'commitAt'>, entry: AnchoredEntry): Promise<LightProof | undefined> {
  const answer = await chain.commitAt(entry.height + 1);
  return answer === undefined ? undefined : lightProofOf(entry, rpcSignedHeaderSchema.parse(answer).signed_header);
}

// ---- CometBFT's encodings -------------------------------------------------------------------------

/** A Go time.Time as google.protobuf.Timestamp: seconds and nanoseconds since the epoch. */
function timestampOf(time: string): Uint8Array {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  const seconds = Date.parse(`${match?.[1] ?? ''}Z`) / 1000;
  if (!Number.isSafeInteger(seconds)) throw new Error(`not a time: ${time}`);
  const nanos = Number((match?.[2] ?? '').padEnd(9, '0'));
  return new Proto().varint(1, seconds).varint(2, nanos).bytes();
}

function blockIdBytes(id: z.infer<typeof blockId>): Uint8Array {
  const parts = new Proto().varint(1, id.parts.total).field(2, fromHex(id.parts.hash)).bytes();
  return new Proto().field(1, fromHex(id.hash)).message(2, parts).bytes();
}

/** CometBFT's Header.Hash(): the RFC 6962 root over the protobuf encodings of its fields. */
export function headerHash(h: LightProof['header']): Uint8Array {
  const wrappedBytes = (hex: string) => new Proto().field(1, fromHex(hex)).bytes(); // gogotypes.BytesValue
  return merkleTreeHead([
    new Proto().varint(1, h.version.block).varint(2, h.version.app).bytes(),
    new Proto().field(1, utf8(h.chainId)).bytes(), // gogotypes.StringValue
    new Proto().varint(1, h.height).bytes(), // gogotypes.Int64Value
    timestampOf(h.time),
    blockIdBytes(h.lastBlockId),
    wrappedBytes(h.lastCommitHash),
    wrappedBytes(h.dataHash),
    wrappedBytes(h.validatorsHash),
    wrappedBytes(h.nextValidatorsHash),
    wrappedBytes(h.consensusHash),
    wrappedBytes(h.appHash),
    wrappedBytes(h.lastResultsHash),
    wrappedBytes(h.evidenceHash),
    wrappedBytes(h.proposerAddress),
  ]);
}

/** What a validator signs for a precommit: the length-delimited CanonicalVote. */
export function precommitSignBytes(chainId: string, commit: LightProof['commit'], timestamp: string): Uint8Array {
  const parts = new Proto().varint(1, commit.blockId.parts.total).field(2, fromHex(commit.blockId.parts.hash)).bytes();
  const canonicalBlockId = new Proto().field(1, fromHex(commit.blockId.hash)).message(2, parts).bytes();
  const vote = new Proto()
    .varint(1, PRECOMMIT)
    .sfixed64(2, commit.height)
    .sfixed64(3, commit.round)
    .message(4, canonicalBlockId)
    .message(5, timestampOf(timestamp))
    .field(6, utf8(chainId))
    .bytes();
  return new Proto().delimited(vote).bytes();
}

/** The validator address: the first 20 bytes of SHA-256 of the Ed25519 key. */
export function validatorAddress(publicKey: Uint8Array): string {
  return toHex(sha256(publicKey).subarray(0, 20));
}

/** CometBFT's ValidatorSet.Hash(): the RFC 6962 root over SimpleValidator encodings, by power then address. */
export function validatorSetHash(set: TrustedValidatorSet): Uint8Array {
  const validators = set.validators
    .map((v) => ({ key: fromBase64Url(v.publicKey), power: v.power }))
    .map((v) => ({ ...v, address: validatorAddress(v.key) }))
    .sort((a, b) => b.power - a.power || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return merkleTreeHead(validators.map((v) =>
    new Proto().message(1, new Proto().field(1, v.key).bytes()).varint(2, v.power).bytes()));
}

// ---- the check ------------------------------------------------------------------------------------

export type LightProofCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * Checks a receipt's anchor proof against a trusted validator set. `proofInput` is untrusted input;
 * the receipt is one whose offline checks passed. Never throws.
 */
export function verifyLightProof(receipt: Receipt, proofInput: unknown, trusted: TrustedValidatorSet): LightProofCheck {
  const parsed = lightProofSchema.safeParse(proofInput);
  if (!parsed.success) {
    return { ok: false, message: `anchorProof is malformed: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  }
  try {
    return check(receipt, parsed.data, trusted);
  } catch (error) {
    return { ok: false, message: `anchorProof cannot be checked: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function check(receipt: Receipt, proof: LightProof, trusted: TrustedValidatorSet): LightProofCheck {
  const { header, commit } = proof;
  if (header.chainId !== trusted.chainId) return { ok: false, message: `anchorProof is for chain ${header.chainId}, the validator set is chain ${trusted.chainId}` };
  if (receipt.chain.network !== trusted.chainId) return { ok: false, message: `receipt says chain.network ${receipt.chain.network}, the validator set is chain ${trusted.chainId}` };
  if (header.height !== receipt.chain.blockNumber + 1) {
    return { ok: false, message: `anchorProof's header is block ${header.height}, the anchor's app hash is in block ${receipt.chain.blockNumber + 1}` };
  }
  const entry: AnchoredEntry = {
    header: Buffer.from(signedBytesOfHeader(receipt.batch)).toString('utf8'), signature: receipt.signature,
    height: receipt.chain.blockNumber, txHash: receipt.chain.txId, proof: proof.appHashProof,
  };
  const appHash = appHashOfEntry(entry);
  if (appHash === undefined || toHex(appHash) !== header.appHash) {
    return { ok: false, message: `the app-hash proof does not lead from the receipt's batch header to block ${header.height}'s app hash` };
  }
  if (!bytesEqual(validatorSetHash(trusted), fromHex(header.validatorsHash))) {
    return { ok: false, message: `block ${header.height} names validator set ${header.validatorsHash}, not the trusted one` };
  }
  if (commit.height !== header.height || toHex(headerHash(header)) !== commit.blockId.hash) {
    return { ok: false, message: `the commit is not for block ${header.height}'s header` };
  }
  return checkCommitPower(trusted, commit);
}

function checkCommitPower(trusted: TrustedValidatorSet, commit: LightProof['commit']): LightProofCheck {
  const byAddress = new Map(trusted.validators.map((v) => {
    const key = fromBase64Url(v.publicKey);
    return [validatorAddress(key), { key, power: v.power }] as const;
  }));
  const total = trusted.validators.reduce((sum, v) => sum + v.power, 0);
  const counted = new Set<string>();
  let signed = 0;
  for (const sig of commit.signatures) {
    if (sig.flag !== BlockIdFlag.commit) continue;
    const validator = byAddress.get(sig.validatorAddress);
    if (validator === undefined || counted.has(sig.validatorAddress) || sig.signature === '') continue;
    const bytes = precommitSignBytes(trusted.chainId, commit, sig.timestamp);
    if (!ed25519.verify(fromBase64Url(sig.signature), bytes, validator.key)) {
      return { ok: false, message: `the precommit of validator ${sig.validatorAddress} does not verify` };
    }
    counted.add(sig.validatorAddress);
    signed += validator.power;
  }
  if (3 * signed <= 2 * total) {
    return { ok: false, message: `the commit carries precommits of ${signed} of ${total} voting power; more than two thirds are needed` };
  }
  return { ok: true };
}
