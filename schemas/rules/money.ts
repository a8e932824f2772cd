/**
 * A money amount: a decimal string and its ISO 4217 currency, checked together so the amount never
 * has more decimals than the currency has minor units (CNY 2, JPY 0, BHD 3, CLF 4).
 */
import { z } from 'zod';
import { currencyCode } from './currency.js';
import { amountScaleIssue, compareDecimal, decimalAmount, nonNegativeDecimalAmount } from './decimal-amount.js';

function moneyOf(amount: z.ZodType<string>) {
  return z
    .object({ amount, currency: currencyCode })
    .strict()
    .superRefine((value, ctx) => {
      const problem = amountScaleIssue(value.amount, value.currency);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem });
    });
}

/** `{ amount, currency }` with a non-negative amount, e.g. `{ "amount": "6.00", "currency": "CNY" }`. */
export const money = moneyOf(nonNegativeDecimalAmount);

/** `{ amount, currency }` with an amount above zero. */
export const positiveMoney = money.superRefine((value, ctx) => {
  if (compareDecimal(value.amount, '0') <= 0) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'amount must be greater than zero' });
});

/** `{ amount, currency }` with a signed amount (refunds, corrections). */
export const signedMoney = moneyOf(decimalAmount);
