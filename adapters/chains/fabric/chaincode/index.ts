/**
 * Module entry for `fabric-chaincode-node server --module-path <dir>` style start-ups: the contract
 * API reads `contracts` from the package's main module.
 */
import { AnchorContract } from './anchor-contract.js';

export { AnchorContract, BATCH_ANCHORED_EVENT } from './anchor-contract.js';
export const contracts = [AnchorContract];
