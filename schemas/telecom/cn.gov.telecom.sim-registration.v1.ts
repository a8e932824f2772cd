/**
 * `cn.gov.telecom.sim-registration` v1 — real-name registration of a SIM card to a subscriber, who is
 * identified only by a keyed hash of their identity document. RELEASED: never edit; make v2 instead
 * (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { dateTime } from '../rules/date-time.js';
import { e164 } from '../rules/e164.js';
import { idDocumentHash } from '../rules/hashed-id.js';
import { iccid, imei } from '../rules/luhn.js';

const data = z
  .object({
    /** SIM serial (ITU-T E.118), Luhn check digit verified. */
    iccid,
    /** Number assigned to the SIM. */
    msisdn: e164,
    idDocumentType: z.enum(['resident-id', 'passport', 'hk-macao-permit', 'taiwan-permit', 'foreign-permanent-resident-id']),
    /** Keyed SHA-256 of the identity document number, lowercase hex. */
    subscriberIdHash: idDocumentHash,
    registeredAt: dateTime,
    /** Issuing operator, e.g. `china-mobile`. */
    operator: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, { error: 'expected an operator id: lowercase letters, digits and dashes' }),
    /** Device the SIM was first seen in, when known. */
    imei: imei.optional(),
  })
  .strict()
  .superRefine((sim, ctx) => {
    // ICCID country code 86 (after the 89 industry prefix) is a Chinese SIM: its number is a +86 number.
    if (sim.iccid.startsWith('8986') && !sim.msisdn.startsWith('+86')) {
      ctx.addIssue({ code: 'custom', path: ['msisdn'], message: 'a Chinese SIM (ICCID 8986...) must have a +86 number' });
    }
  });

export const simRegistrationV1 = defineRecordSchema({
  type: 'cn.gov.telecom.sim-registration',
  version: 1,
  sector: 'telecom',
  title: 'SIM registration',
  description: 'Real-name registration of a SIM (ICCID) and number (MSISDN) to a hashed identity document.',
  dataSchema: data,
});

export type SimRegistrationV1 = z.infer<typeof data>;
