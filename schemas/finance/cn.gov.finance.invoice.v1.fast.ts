/**
 * Fast accept check for `cn.gov.finance.invoice` v1 (cn.gov.finance.invoice.v1.ts, which stays the
 * source of truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { currencyMinorUnits, isCurrencyCode } from '../rules/currency.js';
import { isDateTime } from '../rules/date-time.js';
import { compareDecimal, nonNegativeDecimalScale, scaledSafeInteger } from '../rules/decimal-amount.js';
import { isStrictObject } from '../rules/plain-object.js';
import { isBoundedText } from '../rules/text.js';
import { isUscc } from '../rules/uscc.js';

/** `invoiceNumber` of the released file, /^(?:\d{8}|\d{20})$/, by character codes. */
function isInvoiceNumber(v: unknown): boolean {
  if (typeof v !== 'string' || (v.length !== 8 && v.length !== 20)) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const KEYS: readonly string[] = [
  'invoiceNumber', 'issuedAt', 'seller', 'buyer', 'currency', 'totalAmount', 'taxAmount', 'lines',
];
const PARTY_KEYS: readonly string[] = ['name', 'uscc'];
const LINE_KEYS: readonly string[] = ['description', 'amount'];

function isParty(v: unknown): boolean {
  return isStrictObject(v, PARTY_KEYS) && isBoundedText(v['name'], 200) && isUscc(v['uscc']);
}

/**
 * True when `lines` is 1..1000 valid lines whose amounts (each within `minor` decimals) add up to
 * `total` exactly. Sums in scaled integers as numbers while they stay below 2^53 (amounts are
 * non-negative, so the running sum is stopped as soon as it passes the total); a total too large for
 * that answers "not sure" and zod sums with bigints.
 */
function linesAddUp(lines: unknown, total: string, minor: number): boolean {
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > 1000) return false;
  const target = scaledSafeInteger(total, minor);
  if (target < 0) return false;
  let sum = 0;
  for (let i = 0; i < lines.length; i++) {
    const line: unknown = lines[i];
    if (!isStrictObject(line, LINE_KEYS) || !isBoundedText(line['description'], 200)) return false;
    const amount = line['amount'];
    const scale = nonNegativeDecimalScale(amount);
    if (scale < 0 || scale > minor) return false;
    const value = scaledSafeInteger(amount as string, minor);
    if (value < 0) return false;
    sum += value;
    if (sum > target || !Number.isSafeInteger(sum)) return false;
  }
  return sum === target;
}

/** True only when invoiceV1's data schema accepts `data`. */
export function acceptsInvoiceV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const currency = data['currency'];
  if (!isCurrencyCode(currency)) return false;
  const minor = currencyMinorUnits(currency) ?? -1;
  const total = data['totalAmount'];
  const tax = data['taxAmount'];
  const totalScale = nonNegativeDecimalScale(total);
  const taxScale = nonNegativeDecimalScale(tax);
  if (totalScale < 0 || totalScale > minor || taxScale < 0 || taxScale > minor) return false;
  // taxAmount must not exceed totalAmount.
  if (compareDecimal(tax as string, total as string) > 0) return false;
  const lines = data['lines'];
  return isInvoiceNumber(data['invoiceNumber'])
    && isDateTime(data['issuedAt'])
    && isParty(data['seller'])
    && isParty(data['buyer'])
    && (lines === undefined || linesAddUp(lines, total as string, minor));
}
