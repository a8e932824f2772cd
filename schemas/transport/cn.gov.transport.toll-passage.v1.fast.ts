/**
 * Fast accept check for `cn.gov.transport.toll-passage` v1 (cn.gov.transport.toll-passage.v1.ts,
 * which stays the source of truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { isDateTime } from '../rules/date-time.js';
import { isMoney } from '../rules/money.js';
import { isStrictObject } from '../rules/plain-object.js';
import { isIdentifier } from '../rules/text.js';
import { isVehiclePlate } from '../rules/vehicle-plate.js';

const KEYS: readonly string[] = ['gantryId', 'vehiclePlate', 'passedAt', 'vehicleClass', 'vehicleKind', 'toll'];

/** True only when tollPassageV1's data schema accepts `data`. */
export function acceptsTollPassageV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const vehicleClass = data['vehicleClass'];
  const kind = data['vehicleKind'];
  if (typeof vehicleClass !== 'number' || !Number.isInteger(vehicleClass) || vehicleClass < 1 || vehicleClass > 6) return false;
  // Passenger vehicles have classes 1 to 4.
  if (kind === 'passenger' ? vehicleClass > 4 : kind !== 'freight' && kind !== 'special') return false;
  return isIdentifier(data['gantryId'], 32)
    && isVehiclePlate(data['vehiclePlate'])
    && isDateTime(data['passedAt'])
    && isMoney(data['toll']);
}
