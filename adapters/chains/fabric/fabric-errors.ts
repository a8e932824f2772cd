/**
 * Maps what @hyperledger/fabric-gateway throws onto the core's ChainError codes, which decide
 * whether the submitter retries (unavailable, timeout, MVCC conflict) or parks the batch (rejected).
 *
 * - GatewayError and its subclasses (EndorseError, SubmitError, CommitStatusError) carry the gRPC
 *   status of the call to the gateway peer plus per-peer details.
 * - CommitError carries the transaction's validation code once it is in a block.
 * - A chaincode that refuses a transaction answers with a "chaincode response 500" message, which
 *   the gateway relays (ABORTED for endorse, UNKNOWN for evaluate): that is a rejection.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, GatewayError, StatusCode } from '@hyperledger/fabric-gateway';
import { ChainError, ErrorCodes, type ErrorCode } from '../../../src/core/errors.js';

/** Validation codes that a fresh attempt can cure: the read set was stale when the block was cut. */
const conflictCodes: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

const chaincodeRefusal = /chaincode response (4|5)\d\d/i;
const transportTrouble = /unavailable|connection refused|connect failed|no connection established|failed to connect|deadline|timed? ?out|EOF|transport is closing|no peers available|failed to collect enough/i;

function detailsOf(err: GatewayError): string[] {
  return err.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`);
}

function codeForGatewayError(err: GatewayError, details: readonly string[]): ErrorCode {
  const all = [err.message, ...details].join('\n');
  switch (err.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return ErrorCodes.ChainTimeout;
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.CANCELLED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return ErrorCodes.ChainUnavailable;
    default:
      // A chaincode's own refusal wins over transport-looking words in other peers' details.
      if (chaincodeRefusal.test(all)) return ErrorCodes.ChainRejected;
      if (transportTrouble.test(all)) return ErrorCodes.ChainUnavailable;
      if (err.code === GrpcStatus.PERMISSION_DENIED || err.code === GrpcStatus.INVALID_ARGUMENT || err.code === GrpcStatus.NOT_FOUND) {
        return ErrorCodes.ChainRejected;
      }
      return ErrorCodes.ChainUnavailable;
  }
}

/** Converts anything thrown while talking to Fabric into a ChainError (ChainErrors pass through). */
export function toChainError(err: unknown, action: string): ChainError {
  if (err instanceof ChainError) return err;
  if (err instanceof CommitError) {
    const code = conflictCodes.has(err.code) ? ErrorCodes.ChainConflict : ErrorCodes.ChainRejected;
    return new ChainError(code, `${action}: transaction ${err.transactionId} invalid (${err.message})`, { cause: err });
  }
  if (err instanceof GatewayError) {
    const details = detailsOf(err);
    const code = codeForGatewayError(err, details);
    const first = details[0] ?? '';
    return new ChainError(code, `${action}: ${err.message}${first ? ` (${first})` : ''}`, { cause: err, details });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ChainError(ErrorCodes.ChainUnavailable, `${action}: ${message}`, { cause: err });
}
