/**
 * Fast accept check for `cn.gov.finance.payment` v1 (cn.gov.finance.payment.v1.ts, which stays the
 * source of truth): true only when that zod schema accepts `data`; false means "ask zod".
 */
import { isIsoDate } from '../rules/date-time.js';
import { isIban } from '../rules/iban.js';
import { isPositiveMoney } from '../rules/money.js';
import { isStrictObject } from '../rules/plain-object.js';
import { isBoundedText } from '../rules/text.js';

/** Same pattern as `max35Id` in the released file (which cannot export it: never edited). */
const MAX35_ID = /^[A-Za-z0-9/\-?:().,'+ ]{1,35}$/;

const KEYS: readonly string[] = [
  'messageId', 'endToEndId', 'debtor', 'creditor', 'instructedAmount', 'requestedExecutionDate', 'remittanceInformation',
];
const PARTY_KEYS: readonly string[] = ['name', 'iban'];

function isParty(v: unknown): v is { name: string; iban: string } {
  return isStrictObject(v, PARTY_KEYS) && isBoundedText(v['name'], 140) && isIban(v['iban']);
}

const isMax35Id = (v: unknown): boolean => typeof v === 'string' && MAX35_ID.test(v);

/** True only when paymentV1's data schema accepts `data`. */
export function acceptsPaymentV1(data: unknown): boolean {
  if (!isStrictObject(data, KEYS)) return false;
  const debtor = data['debtor'];
  const creditor = data['creditor'];
  const remittance = data['remittanceInformation'];
  return isMax35Id(data['messageId'])
    && isMax35Id(data['endToEndId'])
    && isParty(debtor)
    && isParty(creditor)
    // The creditor account must differ from the debtor account.
    && debtor.iban !== creditor.iban
    && isPositiveMoney(data['instructedAmount'])
    && isIsoDate(data['requestedExecutionDate'])
    && (remittance === undefined || isBoundedText(remittance, 140));
}
