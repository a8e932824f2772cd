/**
 * `cn.gov.finance.payment` v1 — a credit transfer, shaped after ISO 20022 pacs.008 / pain.001:
 * message id, end-to-end id, debtor and creditor accounts (IBAN), instructed amount and currency,
 * requested execution date. RELEASED: never edit; make v2 instead (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { isoDate } from '../rules/date-time.js';
import { iban } from '../rules/iban.js';
import { positiveMoney } from '../rules/money.js';
import { boundedText } from '../rules/text.js';

/** ISO 20022 Max35Text restricted to the characters used in payment references. */
const max35Id = z.string().regex(/^[A-Za-z0-9/\-?:().,'+ ]{1,35}$/, {
  error: 'expected 1 to 35 characters (ISO 20022 Max35Text: letters, digits, / - ? : ( ) . , \' + space)',
});

const party = z
  .object({
    /** ISO 20022 Max140Text. */
    name: boundedText(140),
    iban,
  })
  .strict();

const data = z
  .object({
    /** Unique per sending institution (GrpHdr/MsgId). */
    messageId: max35Id,
    /** Assigned by the debtor, carried unchanged end to end (PmtId/EndToEndId). */
    endToEndId: max35Id,
    debtor: party,
    creditor: party,
    /** InstdAmt with its Ccy. */
    instructedAmount: positiveMoney,
    requestedExecutionDate: isoDate,
    /** Unstructured remittance information (RmtInf/Ustrd). */
    remittanceInformation: boundedText(140).optional(),
  })
  .strict()
  .superRefine((payment, ctx) => {
    if (payment.debtor.iban === payment.creditor.iban) {
      ctx.addIssue({ code: 'custom', path: ['creditor', 'iban'], message: 'creditor account must differ from the debtor account' });
    }
  });

export const paymentV1 = defineRecordSchema({
  type: 'cn.gov.finance.payment',
  version: 1,
  sector: 'finance',
  title: 'Credit transfer',
  description: 'An ISO 20022-like credit transfer between two IBAN accounts.',
  dataSchema: data,
});

export type PaymentV1 = z.infer<typeof data>;
