/**
 * Fast accept check for `cn.gov.telecom.sim-registration` v1 (cn.gov.telecom.sim-registration.v1.ts,
 * which stays the source of truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { isDateTime } from '../rules/date-time.js';
import { isE164 } from '../rules/e164.js';
import { isSha256Hex } from '../rules/hashed-id.js';
import { isIccid, isImei } from '../rules/luhn.js';
import { isStrictObject } from '../rules/plain-object.js';

/** Same pattern as `operator` in the released file. */
const OPERATOR = /^[a-z][a-z0-9-]{1,39}$/;

const KEYS: readonly string[] = [
  'iccid', 'msisdn', 'idDocumentType', 'subscriberIdHash', 'registeredAt', 'operator', 'imei',
];
const ID_DOCUMENT_TYPES: ReadonlySet<unknown> = new Set([
  'resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident-id',
]);

/** True only when simRegistrationV1's data schema accepts `data`. */
export function acceptsSimRegistrationV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const iccid = data['iccid'];
  const msisdn = data['msisdn'];
  const operator = data['operator'];
  const imei = data['imei'];
  return isIccid(iccid)
    && isE164(msisdn)
    // A Chinese SIM (ICCID 8986...) must have a +86 number.
    && (!iccid.startsWith('8986') || msisdn.startsWith('+86'))
    && ID_DOCUMENT_TYPES.has(data['idDocumentType'])
    && isSha256Hex(data['subscriberIdHash'])
    && isDateTime(data['registeredAt'])
    && typeof operator === 'string' && OPERATOR.test(operator)
    && (imei === undefined || isImei(imei));
}
