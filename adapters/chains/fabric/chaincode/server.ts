/**
 * Starts the anchor chaincode as a chaincode service (chaincode-as-a-service): the peer dials this
 * server at the address in the package's connection.json. Configuration, as Fabric's own images:
 *   CHAINCODE_ID              the package id the peer installed (label:hash); required
 *   CHAINCODE_SERVER_ADDRESS  host:port to listen on; required
 *   CHAINCODE_TLS_CERT_FILE / CHAINCODE_TLS_KEY_FILE / CHAINCODE_TLS_CLIENT_CA_FILE  optional TLS
 *   CROSSGATE_ANCHOR_ADMIN_MSPS  comma-separated MSPs whose admins manage gateway keys
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { JSONSerializer } from 'fabric-contract-api';
import { type ChaincodeInterface, Shim } from 'fabric-shim';
import { AnchorContract } from './anchor-contract.js';

// fabric-chaincode-node builds the shim's chaincode from contract classes with this class; it is the
// same code path `fabric-chaincode-node server` takes, without its package.json discovery.
type ChaincodeFromContractCtor = new (
  contracts: unknown[], serializers: unknown, metadata: unknown, title: string, version: string,
) => ChaincodeInterface;
const require = createRequire(import.meta.url);
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractCtor;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`anchor chaincode: ${name} is required`);
    process.exit(2);
  }
  return value;
}

function tlsProps(): { key: Buffer; cert: Buffer; clientCACerts?: Buffer } | undefined {
  const cert = process.env['CHAINCODE_TLS_CERT_FILE'];
  const key = process.env['CHAINCODE_TLS_KEY_FILE'];
  if (!cert || !key) return undefined;
  const ca = process.env['CHAINCODE_TLS_CLIENT_CA_FILE'];
  return { cert: readFileSync(cert), key: readFileSync(key), ...(ca ? { clientCACerts: readFileSync(ca) } : {}) };
}

const chaincode = new ChaincodeFromContract(
  [AnchorContract],
  { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
  {},
  'crossgate-anchor',
  '1.0.0',
);
const server = Shim.server(chaincode, {
  ccid: env('CHAINCODE_ID'),
  address: env('CHAINCODE_SERVER_ADDRESS'),
  // The typings require tlsProps although the shim treats it as optional.
  tlsProps: tlsProps() as never,
});
await server.start();
console.log(`anchor chaincode ${process.env['CHAINCODE_ID']} serving on ${process.env['CHAINCODE_SERVER_ADDRESS']}`);
