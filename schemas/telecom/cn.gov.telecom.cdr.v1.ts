/**
 * `cn.gov.telecom.cdr` v1 — a call detail record: who called whom (E.164), when, how long, from which
 * cell, for which subscriber (hashed IMSI). RELEASED: never edit; make v2 instead (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { cellId } from '../rules/cell-id.js';
import { dateTime } from '../rules/date-time.js';
import { e164 } from '../rules/e164.js';
import { imsiHash } from '../rules/hashed-id.js';
import { nonNegativeInt } from '../rules/integer.js';

const data = z
  .object({
    callerNumber: e164,
    calleeNumber: e164,
    startTime: dateTime,
    /** Whole seconds of connected time; 0 for SMS and unanswered calls. */
    durationSeconds: nonNegativeInt,
    /** Serving cell of the recorded subscriber at start (`MCC-MNC-CELL`, schemas/rules/cell-id.ts). */
    cellId,
    /** Keyed SHA-256 of the recorded subscriber's IMSI, lowercase hex. */
    imsiHash,
    callType: z.enum(['voice', 'video', 'sms', 'forwarded']),
    /** Whether the recorded subscriber placed (`originating`) or received (`terminating`) the call. */
    direction: z.enum(['originating', 'terminating']),
  })
  .strict()
  .superRefine((cdr, ctx) => {
    if (cdr.callerNumber === cdr.calleeNumber) {
      ctx.addIssue({ code: 'custom', path: ['calleeNumber'], message: 'calleeNumber must differ from callerNumber' });
    }
    if (cdr.callType === 'sms' && cdr.durationSeconds !== 0) {
      ctx.addIssue({ code: 'custom', path: ['durationSeconds'], message: 'an SMS has durationSeconds 0' });
    }
  });

export const cdrV1 = defineRecordSchema({
  type: 'cn.gov.telecom.cdr',
  version: 1,
  sector: 'telecom',
  title: 'Call detail record',
  description: 'One call or message: E.164 numbers, start, duration, serving cell and hashed IMSI.',
  dataSchema: data,
});

export type CdrV1 = z.infer<typeof data>;
