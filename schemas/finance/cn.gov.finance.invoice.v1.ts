/**
 * `cn.gov.finance.invoice` v1 — an issued VAT invoice (fapiao): number, time, seller and buyer by
 * unified social credit code, tax-inclusive total and tax, optionally itemized.
 * RELEASED: never edit; make v2 instead (see schemas/registry.ts).
 */
import { z } from 'zod';
import { defineRecordSchema } from '../definition.js';
import { currencyCode, currencyMinorUnits } from '../rules/currency.js';
import { dateTime } from '../rules/date-time.js';
import { amountScaleIssue, compareDecimal, nonNegativeDecimalAmount, toScaledBigInt } from '../rules/decimal-amount.js';
import { boundedText } from '../rules/text.js';
import { uscc } from '../rules/uscc.js';

const party = z
  .object({
    name: boundedText(200),
    /** Unified social credit code (GB 32100-2015), check character verified. */
    uscc,
  })
  .strict();

const line = z
  .object({
    description: boundedText(200),
    /** Tax-inclusive amount of the line. */
    amount: nonNegativeDecimalAmount,
  })
  .strict();

const data = z
  .object({
    /** 8-digit (paper-era) or 20-digit (fully digital) invoice number. */
    invoiceNumber: z.string().regex(/^(?:\d{8}|\d{20})$/, { error: 'expected an 8- or 20-digit invoice number' }),
    issuedAt: dateTime,
    seller: party,
    buyer: party,
    currency: currencyCode,
    /** Total including tax. */
    totalAmount: nonNegativeDecimalAmount,
    /** Tax included in `totalAmount`. */
    taxAmount: nonNegativeDecimalAmount,
    /** Itemization; when present the line amounts add up to `totalAmount`. */
    lines: z.array(line).min(1, { error: 'lines, when present, must not be empty' }).max(1000, { error: 'at most 1000 lines' }).optional(),
  })
  .strict()
  .superRefine((invoice, ctx) => {
    const totalScale = amountScaleIssue(invoice.totalAmount, invoice.currency);
    if (totalScale !== null) ctx.addIssue({ code: 'custom', path: ['totalAmount'], message: totalScale });
    const taxScale = amountScaleIssue(invoice.taxAmount, invoice.currency);
    if (taxScale !== null) ctx.addIssue({ code: 'custom', path: ['taxAmount'], message: taxScale });
    if (compareDecimal(invoice.taxAmount, invoice.totalAmount) > 0) {
      ctx.addIssue({ code: 'custom', path: ['taxAmount'], message: 'taxAmount must not exceed totalAmount' });
    }
    if (invoice.lines === undefined) return;
    const scale = currencyMinorUnits(invoice.currency) ?? 0;
    let sum = 0n;
    let summable = true;
    invoice.lines.forEach((l, i) => {
      const value = toScaledBigInt(l.amount, scale);
      if (value === null) {
        summable = false;
        ctx.addIssue({ code: 'custom', path: ['lines', i, 'amount'], message: amountScaleIssue(l.amount, invoice.currency) ?? 'too many decimals' });
      } else {
        sum += value;
      }
    });
    const total = toScaledBigInt(invoice.totalAmount, scale);
    if (summable && total !== null && sum !== total) {
      ctx.addIssue({ code: 'custom', path: ['totalAmount'], message: 'totalAmount must equal the sum of the line amounts' });
    }
  });

export const invoiceV1 = defineRecordSchema({
  type: 'cn.gov.finance.invoice',
  version: 1,
  sector: 'finance',
  title: 'VAT invoice',
  description: 'An issued VAT invoice between two organizations identified by unified social credit codes.',
  dataSchema: data,
});

export type InvoiceV1 = z.infer<typeof data>;
