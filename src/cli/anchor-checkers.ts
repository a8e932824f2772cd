/**
 * The online `ledger` check of `crossgate verify`: ask a chain for the receipt's batch and compare
 * (core `verifyAnchor`). Each chain is a pluggable checker; adapters are imported only when their
 * flag is used, so `crossgate verify` alone loads no chain client at all.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ChainClient } from '../core/ports.js';
import { verifyAnchor, type ReceiptVerification } from '../core/receipt.js';
import { generatePrivateKey, newSigner } from '../core/signer.js';
import type { Receipt } from '../core/types.js';
import { UsageError } from './command.js';

/** Checks a (format-valid) receipt against a chain. Throws UsageError when the chain cannot be asked. */
export type AnchorChecker = (receipt: Receipt) => Promise<ReceiptVerification>;

async function lookupAndCompare(chain: ChainClient, receipt: Receipt): Promise<ReceiptVerification> {
  try {
    return verifyAnchor(receipt, await chain.lookup(receipt.batch.id));
  } finally {
    await chain.close();
  }
}

/** `--ledger <dir>`: the embedded ledger's directory, opened read-only. */
export function embeddedLedgerChecker(dir: string): AnchorChecker {
  return async (receipt) => {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`ledger directory ${dir} does not exist`);
    if (receipt.chain.kind !== 'embedded') {
      return { ok: false, check: 'ledger', message: `receipt is anchored on a "${receipt.chain.kind}" chain, not the embedded ledger` };
    }
    const { openEmbeddedLedger } = await import('../../adapters/chains/embedded/embedded-ledger.js');
    let ledger: Awaited<ReturnType<typeof openEmbeddedLedger>>;
    try {
      // Read-only: the ledger never signs, but its options require a signer; give it a throwaway one.
      ledger = await openEmbeddedLedger({
        dir,
        signer: newSigner('Ed25519', generatePrivateKey('Ed25519')),
        clock: { now: () => Date.now() },
        network: receipt.chain.network,
        readOnly: true,
      });
    } catch (error) {
      return { ok: false, check: 'ledger', message: error instanceof Error ? error.message : String(error) };
    }
    const integrity = ledger.verifyChain();
    if (!integrity.ok) {
      await ledger.close();
      return { ok: false, check: 'ledger', message: `ledger is broken at height ${integrity.height}: ${integrity.message}` };
    }
    return lookupAndCompare(ledger, receipt);
  };
}

/** `--fabric <profile>`: a Fabric connection profile (scripts/fabric/network.sh profile). */
export function fabricChecker(profile: string): AnchorChecker {
  return async (receipt) => {
    if (!existsSync(profile)) throw new UsageError(`Fabric connection profile ${profile} does not exist`);
    if (receipt.chain.kind !== 'fabric') {
      return { ok: false, check: 'ledger', message: `receipt is anchored on a "${receipt.chain.kind}" chain, not Fabric` };
    }
    const { openFabricChainFromProfile } = await import('../../adapters/chains/fabric/fabric-chain.js');
    let chain: ChainClient;
    try {
      chain = await openFabricChainFromProfile(profile);
    } catch (error) {
      throw new UsageError(`cannot open Fabric profile ${profile}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      return await lookupAndCompare(chain, receipt);
    } catch (error) {
      throw new UsageError(`Fabric lookup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/** How long the CometBFT checks wait for the block after the anchor's (empty blocks come every 5 s locally). */
export const NEXT_BLOCK_WAIT_MS = 15_000;

/** Calls `read` until it answers or `waitMs` passes (a block that does not exist yet answers undefined). */
export async function untilDefined<T>(read: () => Promise<T | undefined>, waitMs: number): Promise<T | undefined> {
  let value = await read();
  for (const deadline = Date.now() + waitMs; value === undefined && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/**
 * `--cometbft <rpc>`: a validator's RPC address. Beyond the lookup, the anchor app's proof for the
 * batch must lead to the app hash of the block after the one that accepted it (the node is trusted
 * for that header; --validators checks it offline instead).
 */
export function cometbftChecker(rpc: string): AnchorChecker {
  return async (receipt) => {
    if (receipt.chain.kind !== 'cometbft') {
      return { ok: false, check: 'ledger', message: `receipt is anchored on a "${receipt.chain.kind}" chain, not CometBFT` };
    }
    const { CometbftChain } = await import('../../adapters/chains/cometbft/cometbft-chain.js');
    const { appHashOfEntry } = await import('../../adapters/chains/cometbft/anchor-entry.js');
    try {
      // The receipt's chain id is a claim: compare it with what the node runs, not take it as the chain's.
      const chainId = await new CometbftChain({ chainId: '', rpc: [rpc] }).nodeChainId();
      if (chainId !== receipt.chain.network) {
        return { ok: false, check: 'ledger', message: `receipt says chain.network ${receipt.chain.network}, the node at ${rpc} runs chain ${chainId}` };
      }
      const chain = new CometbftChain({ chainId, rpc: [rpc] });
      const entry = await chain.entry(receipt.batch.id);
      const compared = verifyAnchor(receipt, entry === undefined ? undefined : chain.anchoredBatchOf(receipt.batch.id, entry));
      if (!compared.ok || entry === undefined) return compared;
      // The next block commits the anchor's app hash; a fresh receipt may be read before it exists.
      const want = await untilDefined(() => chain.appHashAt(entry.height + 1), NEXT_BLOCK_WAIT_MS);
      if (want === undefined) return { ok: false, check: 'ledger', message: `block ${entry.height + 1}, which commits the anchor's app hash, does not exist yet` };
      const got = appHashOfEntry(entry);
      if (got === undefined || Buffer.from(got).toString('hex') !== want) {
        return { ok: false, check: 'ledger', message: `the anchor app's proof for batch ${receipt.batch.id} does not lead to the app hash of block ${entry.height + 1}` };
      }
      return compared;
    } catch (error) {
      throw new UsageError(`CometBFT lookup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/**
 * `--validators <file>`: the receipt's anchorProof, checked offline against a trusted CometBFT
 * validator set: the chain's genesis.json, or { chainId, validators: [{ publicKey, power }] } (network.json).
 */
export function cometbftValidatorsChecker(file: string): AnchorChecker {
  return async (receipt) => {
    const { parseValidatorSet, verifyLightProof } = await import('../../adapters/chains/cometbft/light-proof.js');
    let trusted;
    try {
      trusted = parseValidatorSet(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      throw new UsageError(`cannot read the validator set ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (receipt.chain.kind !== 'cometbft') {
      return { ok: false, check: 'anchor-proof', message: `receipt is anchored on a "${receipt.chain.kind}" chain, not CometBFT` };
    }
    if (receipt.anchorProof === undefined) {
      return { ok: false, check: 'anchor-proof', message: 'receipt carries no anchorProof (crossgate cometbft proof adds it)' };
    }
    const checked = verifyLightProof(receipt, receipt.anchorProof, trusted);
    return checked.ok ? { ok: true, checks: ['anchor-proof'] } : { ok: false, check: 'anchor-proof', message: checked.message };
  };
}
