/**
 * `crossgate cometbft proof <receipt.json> --rpc <url> [--out <file>]`
 *
 * Adds the CometBFT anchor proof to a receipt: the anchor app's app-hash proof, the header of the
 * block after the anchor's, and that block's commit signatures. Any node may be asked: the proof is
 * checked offline (`crossgate verify --validators`), so the node is not trusted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { receiptSchema } from '../../core/receipt.js';
import { NEXT_BLOCK_WAIT_MS, untilDefined } from '../anchor-checkers.js';
import { ExitCode, subcommandOf, UsageError, type Command } from '../command.js';

const usage = `usage: crossgate cometbft proof <receipt.json> --rpc <url> [--out <file>]

Prints the receipt with its anchorProof member (kind "cometbft-light") added or replaced, for
"crossgate verify --validators <file>" to check offline. Waits up to ${NEXT_BLOCK_WAIT_MS / 1000} s for the block after the
anchor's, which carries its app hash.

options:
  --rpc <url>    a validator's RPC address (http://host:port)
  --out <file>   write the receipt there instead of stdout

exit status: 0 written, 1 the batch is not on this chain or its next block is not there yet,
             2 usage error, unreadable receipt or unreachable node
`;

export const cometbftCommand: Command = {
  name: 'cometbft',
  summary: 'add a CometBFT anchor proof to a receipt',
  usage,
  async run(args, io) {
    const { rest } = subcommandOf(args, ['proof']);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { rpc: { type: 'string' }, out: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one receipt file');
    if (values.rpc === undefined) throw new UsageError('--rpc is required');
    const receiptPath = positionals[0] as string;
    let receipt;
    try {
      receipt = receiptSchema.parse(JSON.parse(await readFile(receiptPath, 'utf8')));
    } catch (error) {
      throw new UsageError(`cannot read receipt ${receiptPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (receipt.chain.kind !== 'cometbft') throw new UsageError(`receipt is anchored on a "${receipt.chain.kind}" chain, not CometBFT`);

    const { CometbftChain } = await import('../../../adapters/chains/cometbft/cometbft-chain.js');
    const { lightProofForEntry } = await import('../../../adapters/chains/cometbft/light-proof.js');
    const chain = new CometbftChain({ chainId: receipt.chain.network, rpc: [values.rpc] });
    let proof;
    try {
      const entry = await chain.entry(receipt.batch.id);
      if (entry === undefined) {
        io.stderr(`batch ${receipt.batch.id} is not anchored on the chain at ${values.rpc}\n`);
        return ExitCode.Failed;
      }
      proof = await untilDefined(() => lightProofForEntry(chain, entry), NEXT_BLOCK_WAIT_MS);
    } catch (error) {
      throw new UsageError(`CometBFT read failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (proof === undefined) {
      io.stderr(`block ${receipt.chain.blockNumber + 1}, which carries the anchor's app hash, does not exist yet\n`);
      return ExitCode.Failed;
    }
    const text = JSON.stringify({ ...receipt, anchorProof: proof }, null, 2) + '\n';
    if (values.out === undefined) io.stdout(text);
    else await writeFile(values.out, text);
    return ExitCode.Ok;
  },
};
