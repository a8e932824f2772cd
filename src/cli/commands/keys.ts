/**
 * `crossgate keys generate --alg ed25519|p256|secp256k1 [--out <file>] [--format pem|jwk]`
 * `crossgate keys show <key-file>`
 *
 * Private keys are written only to --out (created 0600, never overwritten) or, without --out, to
 * stdout for piping; the public half and key id go to the other stream so they never mix.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { toBase64Url } from '../../core/encoding.js';
import { encodePrivateKeyJwk, encodePrivateKeyPem, KeyFileError, parseKeyFile } from '../../core/key-files.js';
import { generatePrivateKey, keyIdFor, publicKeyOf } from '../../core/signer.js';
import type { SignatureAlg } from '../../core/types.js';
import { ExitCode, subcommandOf, UsageError, type CliIo, type Command } from '../command.js';

const usage = `usage: crossgate keys generate --alg <ed25519|p256|secp256k1|sm2> [--out <file>] [--format pem|jwk]
       crossgate keys generate --alg <ed25519|p256|secp256k1> --pkcs11-module <library> --token <label>
                               --label <key label> --pin-file <file>
       crossgate keys show <key-file>

generate  creates a gateway signing key. With --out the private key is written to that file (mode 0600,
          never overwriting) and the public key info is printed; without --out the private key goes to
          stdout and the public info to stderr. sm2 selects the SM suite (SM2 signatures, SM3 hashes).
          With --pkcs11-module the key pair is generated on that PKCS#11 token instead (sensitive,
          never extractable: the private key cannot leave it), labelled --label, and the public info
          is printed; the gateway uses it with CROSSGATE_SIGNER=pkcs11.
show      prints the algorithm, key id and public key of a PEM or JWK private key file.
`;

const algNames: Readonly<Record<string, SignatureAlg>> = {
  ed25519: 'Ed25519', p256: 'ES256', 'p-256': 'ES256', es256: 'ES256', secp256k1: 'ES256K', es256k: 'ES256K', sm2: 'SM2',
};

function publicInfo(alg: SignatureAlg, privateKey: Uint8Array): string {
  const publicKey = publicKeyOf(alg, privateKey);
  return JSON.stringify({ alg, keyId: keyIdFor(alg, publicKey), publicKey: toBase64Url(publicKey) }, null, 2) + '\n';
}

interface TokenArgs {
  readonly 'pkcs11-module'?: string;
  readonly token?: string;
  readonly label?: string;
  readonly 'pin-file'?: string;
  readonly out?: string;
}

async function generateOnToken(alg: SignatureAlg, args: TokenArgs, io: CliIo): Promise<ExitCode> {
  const { token, label } = args;
  const pinFile = args['pin-file'];
  if (token === undefined || label === undefined || pinFile === undefined) throw new UsageError('--pkcs11-module needs --token, --label and --pin-file');
  if (args.out !== undefined) throw new UsageError('--out does not apply to a token key: its private half never leaves the token');
  let pin: string;
  try {
    pin = (await readFile(pinFile, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new UsageError(`cannot read ${pinFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const { generateTokenKey, Pkcs11Error, TOKEN_ALGS } = await import('../../../adapters/signers/pkcs11/pkcs11-signer.js');
  if (!TOKEN_ALGS.includes(alg)) throw new UsageError(`--alg must be one of ${TOKEN_ALGS.join(', ')} for a PKCS#11 token`);
  try {
    const key = await generateTokenKey({ module: args['pkcs11-module'] ?? '', tokenLabel: token, pin, keyLabel: label, alg });
    io.stdout(JSON.stringify({ alg: key.alg, keyId: key.keyId, publicKey: toBase64Url(key.publicKey), token, label }, null, 2) + '\n');
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new UsageError(error.message);
    throw error;
  }
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'generate a signing key, or show the public half of a key file',
  usage,
  async run(args, io) {
    const { sub, rest } = subcommandOf(args, ['generate', 'show']);
    if (sub === 'generate') {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: {
          alg: { type: 'string' }, out: { type: 'string' }, format: { type: 'string', default: 'pem' },
          'pkcs11-module': { type: 'string' }, token: { type: 'string' }, label: { type: 'string' }, 'pin-file': { type: 'string' },
        },
      });
      if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
      const alg = algNames[(values.alg ?? '').toLowerCase()];
      if (alg === undefined) throw new UsageError('--alg must be ed25519, p256, secp256k1 or sm2');
      if (values['pkcs11-module'] !== undefined) return generateOnToken(alg, values, io);
      if (values.format !== 'pem' && values.format !== 'jwk') throw new UsageError('--format must be pem or jwk');
      const privateKey = generatePrivateKey(alg);
      const text = values.format === 'pem'
        ? encodePrivateKeyPem(alg, privateKey)
        : JSON.stringify(encodePrivateKeyJwk(alg, privateKey), null, 2) + '\n';
      if (values.out === undefined) {
        io.stdout(text);
        io.stderr(publicInfo(alg, privateKey));
        return ExitCode.Ok;
      }
      try {
        await writeFile(values.out, text, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'EEXIST' ? `${values.out} already exists; not overwriting a key` : `cannot write ${values.out}: ${code ?? String(error)}`);
      }
      io.stdout(publicInfo(alg, privateKey));
      return ExitCode.Ok;
    }
    // show
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('expected exactly one key file');
    const path = positionals[0] as string;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    try {
      const { alg, privateKey } = parseKeyFile(text);
      io.stdout(publicInfo(alg, privateKey));
      return ExitCode.Ok;
    } catch (error) {
      if (error instanceof KeyFileError) throw new UsageError(`${path}: ${error.message}`);
      throw error;
    }
  },
};
