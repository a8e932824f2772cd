/**
 * `cn.gov.transport.trip` v1 — one completed passenger trip (metro, bus, taxi) as reported by the
 * operator. RELEASED: never edit; make v2 instead (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { dateTime, instantOf } from '../rules/date-time.js';
import { nonNegativeInt } from '../rules/integer.js';
import { money } from '../rules/money.js';
import { identifier } from '../rules/text.js';
import { vehiclePlate } from '../rules/vehicle-plate.js';

const data = z
  .object({
    /** Plate of the vehicle that carried the trip. */
    vehiclePlate,
    /** Operator's route id, e.g. `L10` or `bus-300`. */
    routeId: identifier(64),
    /** Boarding stop, optional (taxis have none). */
    originStopId: identifier(64).optional(),
    destinationStopId: identifier(64).optional(),
    startTime: dateTime,
    endTime: dateTime,
    /** Distance travelled, whole meters. */
    distanceMeters: nonNegativeInt,
    /** Fare paid, decimal string in the currency's minor units. */
    fare: money,
  })
  .strict()
  .superRefine((trip, ctx) => {
    if (instantOf(trip.startTime) >= instantOf(trip.endTime)) {
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'endTime must be after startTime' });
    }
  });

export const tripV1 = defineRecordSchema({
  type: 'cn.gov.transport.trip',
  version: 1,
  sector: 'transport',
  title: 'Passenger trip',
  description: 'A completed passenger trip: vehicle, route, start and end time, distance and fare.',
  dataSchema: data,
});

export type TripV1 = z.infer<typeof data>;
