/**
 * `cn.gov.transport.toll-passage` v1 — a vehicle passing an expressway ETC gantry, with the toll
 * charged for the segment. RELEASED: never edit; make v2 instead (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { dateTime } from '../rules/date-time.js';
import { money } from '../rules/money.js';
import { identifier } from '../rules/text.js';
import { vehiclePlate } from '../rules/vehicle-plate.js';

const data = z
  .object({
    /** Gantry id as assigned by the expressway network operator. */
    gantryId: identifier(32),
    vehiclePlate,
    passedAt: dateTime,
    /**
     * Toll vehicle class 1-6 (JT/T 489-2019: passenger classes 1-4, or freight classes 1-6,
     * by axles and size; `vehicleKind` says which scale).
     */
    vehicleClass: z.number().int({ error: 'expected an integer' }).min(1, { error: 'vehicle class is 1 to 6' }).max(6, { error: 'vehicle class is 1 to 6' }),
    vehicleKind: z.enum(['passenger', 'freight', 'special']),
    /** Toll charged at this gantry. */
    toll: money,
  })
  .strict()
  .superRefine((passage, ctx) => {
    if (passage.vehicleKind === 'passenger' && passage.vehicleClass > 4) {
      ctx.addIssue({ code: 'custom', path: ['vehicleClass'], message: 'passenger vehicles have classes 1 to 4' });
    }
  });

export const tollPassageV1 = defineRecordSchema({
  type: 'cn.gov.transport.toll-passage',
  version: 1,
  sector: 'transport',
  title: 'Toll gantry passage',
  description: 'A vehicle passing an expressway toll gantry and the toll charged.',
  dataSchema: data,
});

export type TollPassageV1 = z.infer<typeof data>;
