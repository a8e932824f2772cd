/**
 * Fast accept check for `cn.gov.telecom.cdr` v1 (cn.gov.telecom.cdr.v1.ts, which stays the source of
 * truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { isCellId } from '../rules/cell-id.js';
import { isDateTime } from '../rules/date-time.js';
import { isE164 } from '../rules/e164.js';
import { isSha256Hex } from '../rules/hashed-id.js';
import { isNonNegativeInt } from '../rules/integer.js';
import { isStrictObject } from '../rules/plain-object.js';

const KEYS: readonly string[] = [
  'callerNumber', 'calleeNumber', 'startTime', 'durationSeconds', 'cellId', 'imsiHash', 'callType', 'direction',
];

/** True only when cdrV1's data schema accepts `data`. */
export function acceptsCdrV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const caller = data['callerNumber'];
  const callee = data['calleeNumber'];
  const duration = data['durationSeconds'];
  const callType = data['callType'];
  const direction = data['direction'];
  if (callType !== 'voice' && callType !== 'video' && callType !== 'forwarded' && callType !== 'sms') return false;
  if (direction !== 'originating' && direction !== 'terminating') return false;
  return isE164(caller)
    && isE164(callee)
    // calleeNumber must differ from callerNumber.
    && caller !== callee
    && isNonNegativeInt(duration)
    // An SMS has durationSeconds 0 (zod's test is `!== 0`).
    && (callType !== 'sms' || duration === 0)
    && isDateTime(data['startTime'])
    && isCellId(data['cellId'])
    && isSha256Hex(data['imsiHash']);
}
