import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { toChainError } from '../../../../../adapters/chains/fabric/fabric-errors.js';
import { ChainError, ErrorCodes } from '../../../../../src/core/errors.js';

function gatewayError(code: status, message: string, details: string[] = []): GatewayError {
  const cause = Object.assign(new Error(message), { code, details: message, metadata: new Metadata() }) as ServiceError;
  return new GatewayError({ code, message, cause, details: details.map((m, i) => ({ address: `127.0.0.1:${7051 + i}`, mspId: `Org${i + 1}MSP`, message: m })) });
}

describe('toChainError', () => {
  const cases: [string, GatewayError | CommitError, string, boolean][] = [
    ['peer down', gatewayError(status.UNAVAILABLE, 'No connection established'), ErrorCodes.ChainUnavailable, true],
    ['deadline', gatewayError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), ErrorCodes.ChainTimeout, true],
    ['chaincode refusal', gatewayError(status.ABORTED, 'failed to endorse transaction, see attached details for more info', ['chaincode response 500, gateway key k is not registered']), ErrorCodes.ChainRejected, false],
    ['evaluate refusal', gatewayError(status.UNKNOWN, 'evaluate call to endorser returned error: chaincode response 500, access denied'), ErrorCodes.ChainRejected, false],
    ['other org down', gatewayError(status.UNAVAILABLE, 'failed to collect enough transaction endorsements'), ErrorCodes.ChainUnavailable, true],
    ['no endorsers reachable', gatewayError(status.FAILED_PRECONDITION, 'no peers available to evaluate chaincode anchor in channel crossgate'), ErrorCodes.ChainUnavailable, true],
    ['MVCC', new CommitError({ code: StatusCode.MVCC_READ_CONFLICT, transactionId: 'tx1', message: 'MVCC_READ_CONFLICT' }), ErrorCodes.ChainConflict, true],
    ['phantom read', new CommitError({ code: StatusCode.PHANTOM_READ_CONFLICT, transactionId: 'tx1' }), ErrorCodes.ChainConflict, true],
    ['policy failure', new CommitError({ code: StatusCode.ENDORSEMENT_POLICY_FAILURE, transactionId: 'tx1' }), ErrorCodes.ChainRejected, false],
  ];
  for (const [name, err, code, retryable] of cases) {
    it(`maps ${name} to ${code}`, () => {
      const mapped = toChainError(err, 'anchoring');
      assert.ok(mapped instanceof ChainError);
      assert.equal(mapped.code, code);
      assert.equal(mapped.retryable, retryable);
      assert.equal(mapped.cause, err);
      assert.match(mapped.message, /^anchoring: /);
    });
  }

  it('keeps per-peer details and passes ChainErrors through', () => {
    const mapped = toChainError(gatewayError(status.ABORTED, 'failed', ['chaincode response 500, nope', 'ok']), 'x');
    assert.deepEqual(mapped.details, ['Org1MSP@127.0.0.1:7051: chaincode response 500, nope', 'Org2MSP@127.0.0.1:7052: ok']);
    const original = new ChainError(ErrorCodes.ChainTimeout, 'slow');
    assert.equal(toChainError(original, 'x'), original);
  });
});
