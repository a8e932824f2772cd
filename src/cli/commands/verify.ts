/**
 * `crossgate verify <receipt.json> [--record <record.json>] [--ledger <dir> | --fabric <profile> | --cometbft <rpc> | --validators <file>]`
 *
 * Runs the offline receipt checks (docs/receipt-format.md §8), then the ledger check when a chain is
 * named. Exit 0: every check passed; 1: a check failed (stderr names it); 2: usage or I/O error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { receiptSchema, verifyReceipt, type ReceiptVerification } from '../../core/receipt.js';
import { cometbftChecker, cometbftValidatorsChecker, embeddedLedgerChecker, fabricChecker, type AnchorChecker } from '../anchor-checkers.js';
import { ExitCode, UsageError, withDashValues, type CliIo, type Command } from '../command.js';

const usage = `usage: crossgate verify <receipt.json> [options]

Verifies a Crossgate receipt: format, record digest, batch id, Merkle proof, gateway signature and,
with --ledger, --fabric or --cometbft, that the batch is on chain where the receipt says, or with
--validators, offline, that the receipt's anchor proof is final under a trusted validator set.

options:
  --record <file>     the record (CloudEvents envelope JSON) the receipt is for; adds the digest check
  --key-id <id>       require this signer key id (RFC 7638 thumbprint)
  --ledger <dir>      check the anchor in an embedded ledger directory
  --fabric <profile>  check the anchor on Hyperledger Fabric (connection profile JSON)
  --cometbft <rpc>    check the anchor on CometBFT (a validator's RPC, http://host:port): the anchor
                      app holds the batch, and its proof leads to the next block's app hash
  --validators <file> check the receipt's anchorProof offline against a CometBFT validator set
                      (the chain's genesis.json, or { chainId, validators: [{ publicKey, power }] }
                      such as network.json): more than 2/3 of the power signed the block that
                      commits the anchor
  --json              print the result as JSON on stdout

exit status: 0 verified, 1 a check failed (named on stderr), 2 usage or I/O error
`;

const descriptions: Readonly<Record<string, string>> = {
  format: 'receipt is well-formed',
  digest: 'record hashes to the receipt digest and carries its record id',
  'batch-id': 'batch id matches the batch header',
  proof: 'Merkle audit path leads from the digest to the batch root',
  signature: 'gateway signature over the batch header verifies',
  ledger: 'batch header and signature are on the ledger at the stated transaction',
  'anchor-proof': 'anchor proof leads to a block signed by more than 2/3 of the trusted validators',
};

async function readJson(path: string, what: string): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `${what} ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function report(result: ReceiptVerification, json: boolean, io: CliIo): ExitCode {
  if (json) io.stdout(JSON.stringify(result) + '\n');
  if (result.ok) {
    if (!json) {
      io.stdout('receipt verified\n');
      for (const check of result.checks) io.stdout(`  ok  ${check}: ${descriptions[check] ?? ''}\n`);
    }
    return ExitCode.Ok;
  }
  io.stderr(`verification failed: ${result.check}: ${result.message}\n`);
  return ExitCode.Failed;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify a receipt offline, and optionally its anchor on chain',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: withDashValues(args, ['key-id']),
      allowPositionals: true,
      strict: true,
      options: {
        record: { type: 'string' },
        'key-id': { type: 'string' },
        ledger: { type: 'string' },
        fabric: { type: 'string' },
        cometbft: { type: 'string' },
        validators: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one receipt file');
    if ([values.ledger, values.fabric, values.cometbft, values.validators].filter((v) => v !== undefined).length > 1) {
      throw new UsageError('use one of --ledger, --fabric, --cometbft and --validators');
    }
    const receiptPath = positionals[0] as string;
    const json = values.json;

    const receiptFile = await readJson(receiptPath, 'receipt');
    let record: unknown;
    if (values.record !== undefined) {
      const recordFile = await readJson(values.record, 'record');
      if (!recordFile.ok) throw new UsageError(recordFile.message);
      record = recordFile.value;
    }
    if (!receiptFile.ok) return report({ ok: false, check: 'format', message: receiptFile.message }, json, io);

    const checker: AnchorChecker | undefined = values.ledger !== undefined
      ? embeddedLedgerChecker(values.ledger)
      : values.fabric !== undefined ? fabricChecker(values.fabric)
        : values.cometbft !== undefined ? cometbftChecker(values.cometbft)
          : values.validators !== undefined ? cometbftValidatorsChecker(values.validators) : undefined;

    const offline = verifyReceipt(receiptFile.value, {
      ...(record === undefined ? {} : { record }),
      ...(values['key-id'] === undefined ? {} : { expectedSigner: { keyId: values['key-id'] } }),
    });
    if (!offline.ok || checker === undefined) return report(offline, json, io);

    const receipt = receiptSchema.parse(receiptFile.value);
    const anchored = await checker(receipt);
    return report(anchored.ok ? { ok: true, checks: [...offline.checks, ...anchored.checks] } : anchored, json, io);
  },
};
