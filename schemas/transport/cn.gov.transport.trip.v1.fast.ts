/**
 * Fast accept check for `cn.gov.transport.trip` v1 (cn.gov.transport.trip.v1.ts, which stays the
 * source of truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { isBefore, isDateTime } from '../rules/date-time.js';
import { isNonNegativeInt } from '../rules/integer.js';
import { isMoney } from '../rules/money.js';
import { isStrictObject } from '../rules/plain-object.js';
import { isIdentifier } from '../rules/text.js';
import { isVehiclePlate } from '../rules/vehicle-plate.js';

const KEYS: readonly string[] = [
  'vehiclePlate', 'routeId', 'originStopId', 'destinationStopId', 'startTime', 'endTime', 'distanceMeters', 'fare',
];

/** True only when tripV1's data schema accepts `data`. */
export function acceptsTripV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const origin = data['originStopId'];
  const destination = data['destinationStopId'];
  const start = data['startTime'];
  const end = data['endTime'];
  return isVehiclePlate(data['vehiclePlate'])
    && isIdentifier(data['routeId'], 64)
    && (origin === undefined || isIdentifier(origin, 64))
    && (destination === undefined || isIdentifier(destination, 64))
    && isDateTime(start)
    && isDateTime(end)
    && isNonNegativeInt(data['distanceMeters'])
    && isMoney(data['fare'])
    // zod: an issue when instantOf(start) >= instantOf(end).
    && isBefore(start, end);
}
