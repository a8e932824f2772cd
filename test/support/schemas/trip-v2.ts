/**
 * A `cn.gov.transport.trip` v2 that the released registry does not have: v1 plus the trip's CO2 emission.
 * The ops tests use it for the "schema fix" story: a producer sends v2 records before the gateway knows
 * v2 (CG_SCHEMA_UNKNOWN, dead-lettered), the operator deploys the version, then replays. The gateway
 * loads it through CROSSGATE_EXTRA_SCHEMAS (a module exporting `schemas`), see docs/operating.md.
 */
import { z } from 'zod';
import { defineRecordSchema, type RecordSchemaDefinition } from '../../../schemas/definition.js';
import { dateTime } from '../../../schemas/rules/date-time.js';
import { nonNegativeInt } from '../../../schemas/rules/integer.js';
import { money } from '../../../schemas/rules/money.js';
import { identifier } from '../../../schemas/rules/text.js';
import { vehiclePlate } from '../../../schemas/rules/vehicle-plate.js';

export const tripV2 = defineRecordSchema({
  type: 'cn.gov.transport.trip',
  version: 2,
  sector: 'transport',
  title: 'Passenger trip (with emissions)',
  description: 'A completed passenger trip, with the CO2 the vehicle emitted for it.',
  dataSchema: z.object({
    vehiclePlate,
    routeId: identifier(64),
    originStopId: identifier(64).optional(),
    destinationStopId: identifier(64).optional(),
    startTime: dateTime,
    endTime: dateTime,
    distanceMeters: nonNegativeInt,
    fare: money,
    co2Grams: nonNegativeInt,
  }).strict(),
});

/** What CROSSGATE_EXTRA_SCHEMAS modules export. */
export const schemas: readonly RecordSchemaDefinition[] = [tripV2];
