/**
 * One logged-in session on a PKCS#11 token, and the key-pair objects the gateway signs with.
 *
 * The binding is pkcs11js (PeculiarVentures): an N-API addon, maintained, and the layer under
 * graphene-pk11 and @peculiar/webcrypto-p11, so calling it directly costs one native call per
 * PKCS#11 function and nothing else (docs/operating.md "Signing key in an HSM" has the figures).
 * It is an optional dependency: a machine without a C++ toolchain still installs the gateway, and
 * only CROSSGATE_SIGNER=pkcs11 then fails, saying why.
 */
import { createRequire } from 'node:module';
import type * as Pkcs11Types from 'pkcs11js';
import type { SignatureAlg } from '../../../src/core/types.js';

type Pkcs11Binding = typeof Pkcs11Types;
type Handle = Buffer;

/** Where the token is and how to log in. The PIN is a secret: never logged, never in an error. */
export interface TokenOptions {
  /** Path of the vendor's PKCS#11 library (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so). */
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
}

/** A PKCS#11 failure, with the Cryptoki return value's name (CKR_PIN_INCORRECT, ...) when there is one. */
export class Pkcs11Error extends Error {
  override readonly name = 'Pkcs11Error';
  constructor(message: string, readonly code: string | undefined, options?: ErrorOptions) {
    super(message, options);
  }
}

// Mechanisms and key types of PKCS#11 3.0 that pkcs11js 2.1 has no constants for.
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKK_EC_EDWARDS = 0x40;

/** DER of each curve's CKA_EC_PARAMS: the named-curve OID (RFC 5480, RFC 8410). */
const CURVE_PARAMS: Readonly<Partial<Record<SignatureAlg, readonly Buffer[]>>> = {
  // Ed25519: the OID 1.3.101.112, or PKCS#11 3.0's PrintableString "edwards25519".
  Ed25519: [Buffer.from('06032b6570', 'hex'), Buffer.from('130c656477617264733235353139', 'hex')],
  ES256: [Buffer.from('06082a8648ce3d030107', 'hex')],
  ES256K: [Buffer.from('06052b8104000a', 'hex')],
};

/** The algorithms a token key can serve (SM2 has no PKCS#11 standard mechanism). */
export const TOKEN_ALGS: readonly SignatureAlg[] = ['Ed25519', 'ES256', 'ES256K'];

/** @throws Pkcs11Error for an algorithm no token key can serve. */
export function checkTokenAlg(alg: SignatureAlg): void {
  if (!TOKEN_ALGS.includes(alg)) throw new Pkcs11Error(`${alg} keys cannot live on a PKCS#11 token here; use ${TOKEN_ALGS.join(', ')}`, undefined);
}

let binding: Pkcs11Binding | undefined;

function loadBinding(): Pkcs11Binding {
  if (binding !== undefined) return binding;
  try {
    binding = createRequire(import.meta.url)('pkcs11js') as Pkcs11Binding;
    return binding;
  } catch (cause) {
    throw new Pkcs11Error('the PKCS#11 binding (optional dependency pkcs11js) is not installed or did not build; run npm ci on a machine with make and a C++ compiler', undefined, { cause });
  }
}

function codeOf(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /\bCKR_[A-Z_]+/.exec(message)?.[0];
}

function wrap(what: string, error: unknown): Pkcs11Error {
  if (error instanceof Pkcs11Error) return error;
  const code = codeOf(error);
  return new Pkcs11Error(`${what}: ${code ?? (error instanceof Error ? error.message : String(error))}`, code, { cause: error });
}

/**
 * Loaded libraries, shared by every session of the process: C_Initialize and C_Finalize are
 * per-process calls, so the second signer on one library must not initialize it again, and the
 * first to close must not finalize it under the others.
 */
const libraries = new Map<string, { lib: Pkcs11Types.PKCS11; users: number }>();

function acquire(module: string): Pkcs11Types.PKCS11 {
  const held = libraries.get(module);
  if (held !== undefined) {
    held.users++;
    return held.lib;
  }
  const pkcs11 = loadBinding();
  const lib = new pkcs11.PKCS11();
  try {
    lib.load(module);
  } catch (error) {
    throw wrap(`cannot load the PKCS#11 library ${module}`, error);
  }
  try {
    lib.C_Initialize();
  } catch (error) {
    if (codeOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw wrap(`C_Initialize of ${module} failed`, error);
  }
  libraries.set(module, { lib, users: 1 });
  return lib;
}

function release(module: string): void {
  const held = libraries.get(module);
  if (held === undefined || --held.users > 0) return;
  libraries.delete(module);
  try {
    held.lib.C_Finalize();
  } catch {
    // finalizing is best effort: the process may be on its way out
  }
}

export interface TokenKeyPair {
  readonly privateKey: Handle;
  readonly publicKey: Handle;
}

/** What the token says about a private key (see {@link TokenSession.describePrivateKey}). */
export interface PrivateKeyFacts {
  readonly sensitive: boolean;
  readonly extractable: boolean;
  /** CKA_LOCAL: generated on the token (not imported). */
  readonly local: boolean;
  readonly canSign: boolean;
}

/** A logged-in session on the token labelled `tokenLabel`. */
export class TokenSession {
  readonly #options: TokenOptions;
  readonly #lib: Pkcs11Types.PKCS11;
  readonly #pkcs11: Pkcs11Binding;
  #session: Handle | undefined;
  #closed = false;

  private constructor(options: TokenOptions, lib: Pkcs11Types.PKCS11) {
    this.#options = options;
    this.#lib = lib;
    this.#pkcs11 = loadBinding();
  }

  static open(options: TokenOptions): TokenSession {
    const token = new TokenSession(options, acquire(options.module));
    try {
      token.reopen();
      return token;
    } catch (error) {
      token.close();
      throw error;
    }
  }

  /** Drops the current session (if any) and logs in on a new one: after the token lost the old one. */
  reopen(): void {
    const lib = this.#lib;
    const { tokenLabel, pin } = this.#options;
    if (this.#session !== undefined) {
      try {
        lib.C_CloseSession(this.#session);
      } catch {
        // it is already gone: that is why we reopen
      }
      this.#session = undefined;
    }
    let slot: Handle | undefined;
    const labels: string[] = [];
    try {
      for (const candidate of lib.C_GetSlotList(true)) {
        const label = lib.C_GetTokenInfo(candidate).label.trimEnd();
        labels.push(label);
        if (label === tokenLabel) slot = candidate;
      }
    } catch (error) {
      throw wrap('cannot list the PKCS#11 tokens', error);
    }
    if (slot === undefined) {
      throw new Pkcs11Error(`no PKCS#11 token labelled ${JSON.stringify(tokenLabel)} (tokens present: ${labels.map((l) => JSON.stringify(l)).join(', ') || 'none'})`, 'CKR_TOKEN_NOT_PRESENT');
    }
    const p = this.#pkcs11;
    let session: Handle;
    try {
      session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    } catch (error) {
      throw wrap(`cannot open a session on token ${JSON.stringify(tokenLabel)}`, error);
    }
    try {
      lib.C_Login(session, p.CKU_USER, pin);
    } catch (error) {
      // Login state is per application and token: another session of ours may already hold it.
      if (codeOf(error) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        try { lib.C_CloseSession(session); } catch { /* nothing more to do */ }
        throw wrap(`login to token ${JSON.stringify(tokenLabel)} failed`, error);
      }
    }
    this.#session = session;
  }

  #current(): Handle {
    if (this.#session === undefined || this.#closed) throw new Pkcs11Error('the PKCS#11 session is closed', 'CKR_SESSION_CLOSED');
    return this.#session;
  }

  /** The key pair labelled `label`, or undefined when the token has none. Two of either kind is an error. */
  findKeyPair(label: string): TokenKeyPair | undefined {
    const privateKey = this.#findOne(this.#pkcs11.CKO_PRIVATE_KEY, label);
    const publicKey = this.#findOne(this.#pkcs11.CKO_PUBLIC_KEY, label);
    if (privateKey === undefined && publicKey === undefined) return undefined;
    if (privateKey === undefined || publicKey === undefined) {
      throw new Pkcs11Error(`token ${JSON.stringify(this.#options.tokenLabel)} has a ${privateKey === undefined ? 'public' : 'private'} key labelled ${JSON.stringify(label)} but not its other half`, undefined);
    }
    return { privateKey, publicKey };
  }

  #findOne(objectClass: number, label: string): Handle | undefined {
    const lib = this.#lib;
    const session = this.#current();
    const p = this.#pkcs11;
    let found: Handle[];
    try {
      lib.C_FindObjectsInit(session, [{ type: p.CKA_CLASS, value: objectClass }, { type: p.CKA_LABEL, value: label }]);
      try {
        found = lib.C_FindObjects(session, 2);
      } finally {
        lib.C_FindObjectsFinal(session);
      }
    } catch (error) {
      throw wrap(`cannot search token ${JSON.stringify(this.#options.tokenLabel)}`, error);
    }
    if (found.length > 1) throw new Pkcs11Error(`token ${JSON.stringify(this.#options.tokenLabel)} has more than one key labelled ${JSON.stringify(label)}`, undefined);
    return found[0];
  }

  /**
   * Generates a key pair for `alg` on the token. The private half is a token object that is
   * sensitive and never extractable: it is created there and cannot leave.
   */
  generateKeyPair(alg: SignatureAlg, label: string, id: Buffer): TokenKeyPair {
    checkTokenAlg(alg);
    const p = this.#pkcs11;
    const params = CURVE_PARAMS[alg]?.[0];
    if (params === undefined) throw new Pkcs11Error(`no curve parameters for ${alg}`, undefined);
    const mechanism = alg === 'Ed25519' ? CKM_EC_EDWARDS_KEY_PAIR_GEN : p.CKM_EC_KEY_PAIR_GEN;
    try {
      return this.#lib.C_GenerateKeyPair(this.#current(), { mechanism }, [
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_VERIFY, value: true },
        { type: p.CKA_EC_PARAMS, value: params },
        { type: p.CKA_LABEL, value: label },
        { type: p.CKA_ID, value: id },
      ], [
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_PRIVATE, value: true },
        { type: p.CKA_SENSITIVE, value: true },
        { type: p.CKA_EXTRACTABLE, value: false },
        { type: p.CKA_SIGN, value: true },
        { type: p.CKA_LABEL, value: label },
        { type: p.CKA_ID, value: id },
      ]);
    } catch (error) {
      throw wrap(`cannot generate a ${alg} key pair on token ${JSON.stringify(this.#options.tokenLabel)}`, error);
    }
  }

  /** Whether the public key object is a key of `alg`'s curve. */
  isKeyOf(alg: SignatureAlg, publicKey: Handle): boolean {
    const p = this.#pkcs11;
    const [keyType, params] = this.#attributes(publicKey, [p.CKA_KEY_TYPE, p.CKA_EC_PARAMS]);
    const expectedType = alg === 'Ed25519' ? CKK_EC_EDWARDS : p.CKK_EC;
    return keyType !== undefined && keyType.readUIntLE(0, Math.min(keyType.length, 6)) === expectedType
      && params !== undefined && (CURVE_PARAMS[alg] ?? []).some((known) => known.equals(params));
  }

  /** CKA_EC_POINT of a public key: a DER OCTET STRING holding the point, as PKCS#11 stores it. */
  ecPoint(publicKey: Handle): Buffer {
    const [point] = this.#attributes(publicKey, [this.#pkcs11.CKA_EC_POINT]);
    if (point === undefined) throw new Pkcs11Error('the public key has no CKA_EC_POINT', undefined);
    return point;
  }

  describePrivateKey(privateKey: Handle): PrivateKeyFacts {
    const p = this.#pkcs11;
    const values = this.#attributes(privateKey, [p.CKA_SENSITIVE, p.CKA_EXTRACTABLE, p.CKA_LOCAL, p.CKA_SIGN]);
    const flag = (i: number) => values[i]?.[0] === 1;
    return { sensitive: flag(0), extractable: flag(1), local: flag(2), canSign: flag(3) };
  }

  #attributes(object: Handle, types: readonly number[]): (Buffer | undefined)[] {
    try {
      const values = this.#lib.C_GetAttributeValue(this.#current(), object, types.map((type) => ({ type })));
      return types.map((_, i) => values[i]?.value as Buffer | undefined);
    } catch (error) {
      throw wrap('cannot read key attributes', error);
    }
  }

  /**
   * Signs `input` with `privateKey`: CKM_EDDSA over the message for Ed25519, CKM_ECDSA over the
   * SHA-256 digest otherwise. Runs off the event loop (the binding's async call); one operation
   * at a time per session, which the caller guarantees.
   */
  async sign(alg: SignatureAlg, privateKey: Handle, input: Buffer): Promise<Buffer> {
    const lib = this.#lib;
    const session = this.#current();
    try {
      lib.C_SignInit(session, { mechanism: alg === 'Ed25519' ? CKM_EDDSA : this.#pkcs11.CKM_ECDSA }, privateKey);
      return await lib.C_SignAsync(session, input, Buffer.alloc(64));
    } catch (error) {
      throw wrap(`signing on token ${JSON.stringify(this.#options.tokenLabel)} failed`, error);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#session !== undefined) {
      try {
        this.#lib.C_CloseSession(this.#session);
      } catch {
        // closing is best effort
      }
      this.#session = undefined;
    }
    release(this.#options.module);
  }
}

/** Return values after which a new session (and login) may succeed where the old one failed. */
export const SESSION_LOST_CODES: ReadonlySet<string> = new Set([
  'CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_USER_NOT_LOGGED_IN', 'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT', 'CKR_DEVICE_ERROR', 'CKR_OBJECT_HANDLE_INVALID', 'CKR_KEY_HANDLE_INVALID',
]);
