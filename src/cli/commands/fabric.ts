/**
 * `crossgate fabric register-key --profile <p> --key <file> [--identity admin]`
 * `crossgate fabric revoke-key --profile <p> --key-id <id> [--identity admin]`
 * `crossgate fabric show-key --profile <p> (--key <file> | --key-id <id>) [--identity gateway]`
 *
 * Gateway-key administration on the anchor chaincode, for the chaincode admin. `--key` takes the
 * public key info that `crossgate keys show` prints (so the admin never needs the gateway's private
 * key), or the gateway's private key file itself (PEM or JWK; only its public half is sent).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ChainError } from '../../core/errors.js';
import { fromBase64Url, toBase64Url } from '../../core/encoding.js';
import { KeyFileError, parseKeyFile } from '../../core/key-files.js';
import { isSignatureAlg, keyIdFor, publicKeyOf } from '../../core/signer.js';
import type { SignerInfo } from '../../core/types.js';
import { ExitCode, subcommandOf, UsageError, withDashValues, type CliIo, type Command } from '../command.js';

const usage = `usage: crossgate fabric register-key --profile <profile.json> --key <key file> [--identity <name>]
       crossgate fabric revoke-key --profile <profile.json> --key-id <id> [--identity <name>]
       crossgate fabric show-key --profile <profile.json> (--key <key file> | --key-id <id>) [--identity <name>]

Manages the gateway keys the anchor chaincode accepts batch signatures from.

register-key  registers the gateway's public key (idempotent; a revoked key id cannot come back).
revoke-key    revokes a key id: batches signed with it are refused from then on.
show-key      prints the key record on chain; exit 1 when the key is not registered.

options:
  --profile <file>   Fabric connection profile (JSON; scripts/fabric/network.sh profile)
  --key <file>       the public key info printed by "crossgate keys show" (JSON), or the gateway's
                     private key file (PEM or JWK; only the public key is sent)
  --key-id <id>      a key id (RFC 7638 thumbprint)
  --identity <name>  profile identity to act as (default: admin; show-key: gateway)

exit status: 0 done, 1 refused by the chaincode (not an admin, revoked) or key not registered,
             2 usage error, unreadable file or unreachable network
`;

/** The public key info in `text`: `keys show` JSON, or a private key file reduced to its public half. */
export function publicKeyInfoOf(text: string, file: string): SignerInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json === 'object' && json !== null && 'publicKey' in json && !('d' in json)) {
    const { alg, publicKey, keyId } = json as Record<string, unknown>;
    if (typeof alg !== 'string' || !isSignatureAlg(alg) || typeof publicKey !== 'string') {
      throw new UsageError(`${file}: expected { alg, keyId, publicKey } as printed by "crossgate keys show"`);
    }
    let expected: string;
    try {
      expected = keyIdFor(alg, fromBase64Url(publicKey));
    } catch (error) {
      throw new UsageError(`${file}: publicKey is not a valid ${alg} public key: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (keyId !== undefined && keyId !== expected) throw new UsageError(`${file}: keyId ${String(keyId)} does not match the public key (its key id is ${expected})`);
    return { keyId: expected, alg, publicKey };
  }
  try {
    const { alg, privateKey } = parseKeyFile(text);
    const publicKey = publicKeyOf(alg, privateKey);
    return { keyId: keyIdFor(alg, publicKey), alg, publicKey: toBase64Url(publicKey) };
  } catch (error) {
    if (error instanceof KeyFileError) throw new UsageError(`${file}: neither public key info nor a private key file: ${error.message}`);
    throw error;
  }
}

async function keyFromFile(path: string): Promise<SignerInfo> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return publicKeyInfoOf(text, path);
}

/** Runs one chaincode call; a refusal is exit 1 with its reason, anything else unreachable is exit 2. */
async function onChain<T>(io: CliIo, what: string, call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; exit: ExitCode }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof ChainError && !error.retryable) {
      io.stderr(`${what} refused: ${error.message}${error.details.length > 0 ? `\n  ${error.details.join('\n  ')}` : ''}\n`);
      return { ok: false, exit: ExitCode.Failed };
    }
    io.stderr(`${what} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return { ok: false, exit: ExitCode.Usage };
  }
}

export const fabricCommand: Command = {
  name: 'fabric',
  summary: 'register, revoke or show gateway keys on the Fabric anchor chaincode',
  usage,
  async run(args, io) {
    const { sub, rest } = subcommandOf(args, ['register-key', 'revoke-key', 'show-key']);
    const { values, positionals } = parseArgs({
      args: withDashValues(rest, ['key-id']),
      allowPositionals: true,
      strict: true,
      options: { profile: { type: 'string' }, key: { type: 'string' }, 'key-id': { type: 'string' }, identity: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values.profile === undefined) throw new UsageError('--profile is required');
    const profile = values.profile;
    const identity = values.identity ?? (sub === 'show-key' ? 'gateway' : 'admin');

    let key: SignerInfo | undefined;
    let keyId: string;
    if (sub === 'register-key') {
      if (values.key === undefined || values['key-id'] !== undefined) throw new UsageError('register-key takes --key <file> (not --key-id)');
      key = await keyFromFile(values.key);
      keyId = key.keyId;
    } else if (sub === 'revoke-key') {
      if (values['key-id'] === undefined || values.key !== undefined) throw new UsageError('revoke-key takes --key-id <id> (not --key)');
      keyId = values['key-id'];
    } else {
      if ((values.key === undefined) === (values['key-id'] === undefined)) throw new UsageError('show-key takes one of --key <file> or --key-id <id>');
      keyId = values.key === undefined ? (values['key-id'] as string) : (await keyFromFile(values.key)).keyId;
    }

    // Loaded only here: the Fabric client pulls in gRPC, which other commands do not need.
    const { openFabricKeyAdmin } = await import('../../../adapters/chains/fabric/fabric-admin.js');
    let admin: Awaited<ReturnType<typeof openFabricKeyAdmin>>;
    try {
      admin = await openFabricKeyAdmin(profile, identity);
    } catch (error) {
      throw new UsageError(`cannot open Fabric profile ${profile} as "${identity}": ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      if (sub === 'register-key') {
        const result = await onChain(io, `registering gateway key ${keyId}`, () => admin.registerGatewayKey(key as SignerInfo));
        if (!result.ok) return result.exit;
        io.stdout(JSON.stringify(result.value, null, 2) + '\n');
        return ExitCode.Ok;
      }
      if (sub === 'revoke-key') {
        const result = await onChain(io, `revoking gateway key ${keyId}`, () => admin.revokeGatewayKey(keyId));
        if (!result.ok) return result.exit;
        io.stdout(JSON.stringify(result.value, null, 2) + '\n');
        return ExitCode.Ok;
      }
      const result = await onChain(io, `reading gateway key ${keyId}`, () => admin.getGatewayKey(keyId));
      if (!result.ok) return result.exit;
      if (result.value === null) {
        io.stderr(`gateway key ${keyId} is not registered\n`);
        return ExitCode.Failed;
      }
      io.stdout(JSON.stringify(result.value, null, 2) + '\n');
      return ExitCode.Ok;
    } finally {
      admin.close();
    }
  },
};
