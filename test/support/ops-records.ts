/**
 * Small trip records for the ops tests (DLQ, metrics, dashboard): v1 records the released registry
 * accepts, v2 records it does not know yet (see schemas/trip-v2.ts), and records that are invalid.
 */
import { schemaUrn } from '../../schemas/schema-urn.js';

export const TRIP = 'cn.gov.transport.trip';
export const TRIP_SOURCE = '/beijing/transport/metro-operator-3';

export type TripRecord = Record<string, unknown> & { id: string; source: string; type: string; data: Record<string, unknown> };

/** A valid v1 trip (or v2 with `co2Grams`). `id` must be unique per test run. */
export function trip(id: string, options: { version?: 1 | 2; source?: string } = {}): TripRecord {
  const version = options.version ?? 1;
  const data: Record<string, unknown> = {
    vehiclePlate: '京A12345',
    routeId: 'L10',
    startTime: '2025-03-01T08:00:00Z',
    endTime: '2025-03-01T08:25:00Z',
    distanceMeters: 12_400,
    fare: { amount: '6.00', currency: 'CNY' },
  };
  if (version === 2) data.co2Grams = 830;
  return {
    specversion: '1.0',
    id,
    source: options.source ?? TRIP_SOURCE,
    type: TRIP,
    time: '2025-03-01T08:25:00Z',
    dataschema: schemaUrn(TRIP, version),
    datacontenttype: 'application/json',
    data,
  };
}

/** A v1 trip whose data breaks the schema (negative distance). */
export function invalidTrip(id: string): TripRecord {
  const record = trip(id);
  return { ...record, data: { ...record.data, distanceMeters: -1 } };
}
