/**
 * The gateway's signer on a PKCS#11 token (docs/operating.md "Signing key in an HSM"): the private
 * key is a token object found by label, and every batch signature is made by the token.
 *
 * Signatures are the same bytes-on-the-wire as a key file's: Ed25519 (CKM_EDDSA) is deterministic,
 * and ECDSA (CKM_ECDSA over SHA-256) comes back as raw r‖s, which is put in low-S form here because
 * tokens do not normalize and a receipt must have one valid signature. ECDSA tokens draw their own
 * nonces, so an ES256 signature differs from the file signer's for the same key; both verify.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HealthStatus, Signer } from '../../../src/core/ports.js';
import { keyIdFor, verifySignature } from '../../../src/core/signer.js';
import { suiteOf } from '../../../src/core/signature-algs.js';
import type { SignatureAlg } from '../../../src/core/types.js';
import { checkTokenAlg, Pkcs11Error, SESSION_LOST_CODES, TokenSession, type PrivateKeyFacts, type TokenKeyPair, type TokenOptions } from './pkcs11-token.js';

export { Pkcs11Error, TOKEN_ALGS } from './pkcs11-token.js';

export interface Pkcs11SignerOptions extends TokenOptions {
  /** CKA_LABEL of the key pair (both halves carry it). */
  readonly keyLabel: string;
  readonly alg: SignatureAlg;
}

/** A Signer whose private key stays on the token. Close it to log out and release the library. */
export interface Pkcs11Signer extends Signer {
  /** CKA_LOCAL of the private key: it was generated on the token. */
  readonly generatedOnToken: boolean;
  health(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/** The raw public key in a CKA_EC_POINT value: DER OCTET STRING per PKCS#11, or a bare point (older tokens). */
export function publicKeyOfEcPoint(alg: SignatureAlg, value: Uint8Array): Uint8Array {
  const fromPoint = suiteOf(alg).fromPoint;
  if (fromPoint === undefined) throw new Pkcs11Error(`${alg} keys cannot come from a PKCS#11 token`, undefined);
  const candidates: Uint8Array[] = [];
  if (value[0] === 0x04 && value.length >= 2) {
    const length = value[1] ?? 0;
    if (length < 0x80 && length === value.length - 2) candidates.push(value.subarray(2));
    if (length === 0x81 && value[2] === value.length - 3) candidates.push(value.subarray(3));
  }
  candidates.push(value);
  for (const candidate of candidates) {
    try {
      return fromPoint(candidate);
    } catch {
      // try the next reading
    }
  }
  throw new Pkcs11Error(`the token's CKA_EC_POINT is not a ${alg} public key`, undefined);
}

class TokenSigner implements Pkcs11Signer {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  readonly publicKey: Uint8Array;
  readonly generatedOnToken: boolean;
  readonly #token: TokenSession;
  readonly #options: Pkcs11SignerOptions;
  #keys: TokenKeyPair;
  /** One token operation at a time per session: each sign waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(token: TokenSession, options: Pkcs11SignerOptions, keys: TokenKeyPair, publicKey: Uint8Array, generatedOnToken: boolean) {
    this.#token = token;
    this.#options = options;
    this.#keys = keys;
    this.alg = options.alg;
    this.publicKey = publicKey;
    this.keyId = keyIdFor(options.alg, publicKey);
    this.generatedOnToken = generatedOnToken;
  }

  sign(message: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#signWithRecovery(message));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #signWithRecovery(message: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#signOnce(message);
    } catch (error) {
      if (!(error instanceof Pkcs11Error) || error.code === undefined || !SESSION_LOST_CODES.has(error.code)) throw error;
      // The token dropped the session (restart, failover, idle timeout): log in again, once.
      this.#token.reopen();
      this.#refindKeys();
      return await this.#signOnce(message);
    }
  }

  /**
   * Finds the key pair again (handles are per session) and insists it is the same key: a pair put
   * under the label meanwhile would sign headers that name the old public key.
   */
  #refindKeys(): void {
    const keys = findUsableKeyPair(this.#token, this.#options);
    const publicKey = publicKeyOfEcPoint(this.alg, this.#token.ecPoint(keys.publicKey));
    if (!Buffer.from(publicKey).equals(Buffer.from(this.publicKey))) {
      throw new Pkcs11Error(`key ${JSON.stringify(this.#options.keyLabel)} on token ${JSON.stringify(this.#options.tokenLabel)} is no longer ${this.keyId}; restart the gateway to sign with the new key`, undefined);
    }
    this.#keys = keys;
  }

  async #signOnce(message: Uint8Array): Promise<Uint8Array> {
    const input = this.alg === 'Ed25519' ? Buffer.from(message) : createHash('sha256').update(message).digest();
    const raw = await this.#token.sign(this.alg, this.#keys.privateKey, input);
    const signature = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    return suiteOf(this.alg).lowS?.(signature) ?? signature;
  }

  /** The token answers for this key: a session (reopened once if the token dropped it) that still finds the pair. */
  health(): Promise<HealthStatus> {
    const run = this.#queue.then((): HealthStatus => {
      const what = `token ${JSON.stringify(this.#options.tokenLabel)}, key ${JSON.stringify(this.#options.keyLabel)} (${this.keyId})`;
      try {
        try {
          this.#refindKeys();
        } catch (error) {
          if (!(error instanceof Pkcs11Error) || error.code === undefined || !SESSION_LOST_CODES.has(error.code)) throw error;
          this.#token.reopen();
          this.#refindKeys();
        }
        return { ok: true, detail: what };
      } catch (error) {
        return { ok: false, detail: `${what}: ${error instanceof Error ? error.message : String(error)}` };
      }
    });
    this.#queue = run;
    return run;
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#token.close();
  }

  /** Public half only: safe for logs and JSON. */
  toJSON(): { keyId: string; alg: SignatureAlg; keyLabel: string } {
    return { keyId: this.keyId, alg: this.alg, keyLabel: this.#options.keyLabel };
  }
}

/** The pair labelled `keyLabel`, checked (curve, may sign, cannot leave the token), with what the token says of its private half. */
function findUsableKeyPair(token: TokenSession, options: Pkcs11SignerOptions): TokenKeyPair & { readonly facts: PrivateKeyFacts } {
  const { keyLabel, alg, tokenLabel } = options;
  const keys = token.findKeyPair(keyLabel);
  if (keys === undefined) {
    throw new Pkcs11Error(`token ${JSON.stringify(tokenLabel)} has no key pair labelled ${JSON.stringify(keyLabel)}; create one with: crossgate keys generate --alg <alg> --pkcs11-module <library> --token ${tokenLabel} --label ${keyLabel} --pin-file <file>`, undefined);
  }
  if (!token.isKeyOf(alg, keys.publicKey)) throw new Pkcs11Error(`key ${JSON.stringify(keyLabel)} on token ${JSON.stringify(tokenLabel)} is not a ${alg} key (CROSSGATE_SIGNING_ALG)`, undefined);
  const facts = token.describePrivateKey(keys.privateKey);
  if (!facts.canSign) throw new Pkcs11Error(`key ${JSON.stringify(keyLabel)} on token ${JSON.stringify(tokenLabel)} may not sign (CKA_SIGN is false)`, undefined);
  // A gateway key that can be exported is a key file with extra steps; refuse it.
  if (!facts.sensitive || facts.extractable) {
    throw new Pkcs11Error(`key ${JSON.stringify(keyLabel)} on token ${JSON.stringify(tokenLabel)} can leave the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true); generate a non-extractable one`, undefined);
  }
  return { ...keys, facts };
}

/**
 * Logs in to the token, finds the key pair by label, checks it (curve, non-extractable, signs) and
 * makes one probe signature that must verify under the public half, so a mislabelled pair fails at
 * start, not on the first batch.
 * @throws Pkcs11Error naming the token and key, never the PIN.
 */
export async function openPkcs11Signer(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
  checkTokenAlg(options.alg);
  const token = TokenSession.open(options);
  try {
    const keys = findUsableKeyPair(token, options);
    const publicKey = publicKeyOfEcPoint(options.alg, token.ecPoint(keys.publicKey));
    const signer = new TokenSigner(token, options, keys, publicKey, keys.facts.local);
    const probe = randomBytes(32);
    if (!verifySignature(options.alg, publicKey, probe, await signer.sign(probe))) {
      throw new Pkcs11Error(`the private and public keys labelled ${JSON.stringify(options.keyLabel)} on token ${JSON.stringify(options.tokenLabel)} are not one pair`, undefined);
    }
    return signer;
  } catch (error) {
    token.close();
    throw error;
  }
}

/**
 * Generates a key pair labelled `keyLabel` on the token (refusing when one exists) and returns the
 * public key. The private key is created sensitive and non-extractable.
 */
export async function generateTokenKey(options: Pkcs11SignerOptions): Promise<{ alg: SignatureAlg; keyId: string; publicKey: Uint8Array }> {
  const token = TokenSession.open(options);
  try {
    if (token.findKeyPair(options.keyLabel) !== undefined) {
      throw new Pkcs11Error(`token ${JSON.stringify(options.tokenLabel)} already has a key labelled ${JSON.stringify(options.keyLabel)}; keys are never replaced in place (pick a new label)`, undefined);
    }
    const keys = token.generateKeyPair(options.alg, options.keyLabel, randomBytes(16));
    const publicKey = publicKeyOfEcPoint(options.alg, token.ecPoint(keys.publicKey));
    return { alg: options.alg, keyId: keyIdFor(options.alg, publicKey), publicKey };
  } finally {
    token.close();
  }
}
