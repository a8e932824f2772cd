/**
 * A money amount: a decimal string and its ISO 4217 currency, checked together so the amount never
 * has more decimals than the currency has minor units (CNY 2, JPY 0, BHD 3, CLF 4).
 */
import { z } from 'zod';
import { currencyCode, currencyMinorUnits, isCurrencyCode } from './currency.js';
import { amountScaleIssue, compareDecimal, decimalAmount, nonNegativeDecimalAmount, nonNegativeDecimalScale } from './decimal-amount.js';
import { isStrictObject } from './plain-object.js';

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

// ---- the same checks without zod (see plain-object.ts) -------------------------------------------

const MONEY_KEYS: readonly string[] = ['amount', 'currency'];

/** True when `money` (zod) accepts `v`. */
export function isMoney(v: unknown): v is { amount: string; currency: string } {
  if (!isStrictObject(v, MONEY_KEYS)) return false;
  const currency = v['currency'];
  if (!isCurrencyCode(currency)) return false;
  const scale = nonNegativeDecimalScale(v['amount']);
  return scale >= 0 && scale <= (currencyMinorUnits(currency) ?? -1);
}

/** True when `positiveMoney` (zod) accepts `v`. */
export function isPositiveMoney(v: unknown): v is { amount: string; currency: string } {
  return isMoney(v) && compareDecimal(v.amount, '0') > 0;
}
