/**
 * Deterministic record generator for tests and benchmarks: valid CloudEvents records of every
 * registered type, and invalid ones of named kinds. The same (type, i) always gives the same record;
 * ids are unique per (type, i, idPrefix). Check digits (IBAN, USCC, ICCID, IMEI) are computed with the
 * schema rules themselves, so valid records really are valid.
 *
 * Fast enough for 1M records: one small PRNG per record, no hashing, no JSON round trips.
 */
import { ibanCheckDigits } from '../../schemas/rules/iban.js';
import { luhnCheckDigit } from '../../schemas/rules/luhn.js';
import { usccCheckChar } from '../../schemas/rules/uscc.js';
import { schemaUrn } from '../../schemas/schema-urn.js';
import { ErrorCodes, type ErrorCode } from '../../src/core/errors.js';

/** Record types the factory knows, in the order `mixedRecords` cycles through them. */
export const RECORD_TYPES = [
  'cn.gov.transport.trip',
  'cn.gov.transport.toll-passage',
  'cn.gov.finance.payment',
  'cn.gov.finance.invoice',
  'cn.gov.telecom.cdr',
  'cn.gov.telecom.sim-registration',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Default source per sector (tenants in tests allow these prefixes). */
export const DEFAULT_SOURCES = {
  transport: '/beijing/transport/metro-operator-3',
  finance: '/shanghai/finance/bank-12',
  telecom: '/guangdong/telecom/operator-1',
} as const;

export interface RecordOptions {
  /** Prepended to the id, e.g. a per-test run id so reruns against a shared store never collide. */
  readonly idPrefix?: string;
  /** Overrides the sector's default source. */
  readonly source?: string;
  /** Leave out `dataschema` (the latest version applies). */
  readonly omitDataschema?: boolean;
}

/** A generated record: a plain JSON object (CloudEvents structured mode). */
export type GeneratedRecord = Record<string, unknown> & { id: string; source: string; type: string; data: Record<string, unknown> };

// ---- deterministic randomness ------------------------------------------------------------------

/** mulberry32: tiny, fast, good enough for test data (not for anything secret). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(salt: number, i: number): number {
  return (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca77)) >>> 0;
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
function digits(r: Rand, n: number): string {
  // Up to 9 digits per PRNG draw: fewer intermediate strings than digit-by-digit.
  let s = '';
  while (s.length < n) {
    const take = Math.min(9, n - s.length);
    s += String(Math.floor(r() * 10 ** take)).padStart(take, '0');
  }
  return s;
}
function chars(r: Rand, alphabet: string, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const PLATE_CHARS = `${PLATE_LETTERS}0123456789`;
const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// ---- field generators (exported: other tests build their own records from these) ---------------

const BASE_DAY_UTC_MS = Date.UTC(2024, 4, 1);
const dayCache = new Map<number, string>();
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** 2024-05-01T00:00:00+08:00 plus `seconds` (≥ 0), as RFC 3339 with the +08:00 offset. */
export function beijingTime(seconds: number): string {
  // Formatted by hand with a per-day cache: Date#toISOString is the factory's hot spot at 1M records.
  const day = Math.floor(seconds / 86400);
  let date = dayCache.get(day);
  if (date === undefined) {
    date = new Date(BASE_DAY_UTC_MS + day * 86400_000).toISOString().slice(0, 10);
    dayCache.set(day, date);
  }
  const rest = seconds - day * 86400;
  return `${date}T${two(Math.floor(rest / 3600))}:${two(Math.floor(rest / 60) % 60)}:${two(rest % 60)}+08:00`;
}

export function randomPlate(r: Rand): string {
  const prefix = (PROVINCES[int(r, 0, PROVINCES.length - 1)] ?? '京') + chars(r, PLATE_LETTERS, 1);
  // One in four is a new-energy plate (small vehicle: D/F, letter or digit, 4 digits).
  return r() < 0.25 ? prefix + pick(r, ['D', 'F']) + chars(r, PLATE_CHARS, 1) + digits(r, 4) : prefix + chars(r, PLATE_CHARS, 5);
}

/** A valid IBAN from DE, GB or NL with computed check digits. */
export function randomIban(r: Rand): string {
  const choice = int(r, 0, 2);
  const [country, bban] = choice === 0
    ? ['DE', digits(r, 18)]
    : choice === 1
      ? ['GB', pick(r, ['NWBK', 'BARC', 'HSBC', 'LOYD']) + digits(r, 14)]
      : ['NL', pick(r, ['ABNA', 'INGB', 'RABO']) + digits(r, 10)];
  return country + ibanCheckDigits(country, bban) + bban;
}

/** A valid unified social credit code (enterprise, category 91) with its check character. */
export function randomUscc(r: Rand): string {
  const first17 = '91' + pick(r, ['110000', '310000', '440300', '330100', '510100', '420100']) + chars(r, USCC_CHARS, 9);
  return first17 + usccCheckChar(first17);
}

/** A valid 20-digit Chinese ICCID (898600...) with its Luhn digit. */
export function randomIccid(r: Rand): string {
  const payload = '898600' + digits(r, 13);
  return payload + luhnCheckDigit(payload);
}

/** A valid IMEI with its Luhn digit. */
export function randomImei(r: Rand): string {
  const payload = '35' + digits(r, 12);
  return payload + luhnCheckDigit(payload);
}

export function randomHash(r: Rand): string {
  let s = '';
  for (let k = 0; k < 8; k++) s += (Math.floor(r() * 4294967296) >>> 0).toString(16).padStart(8, '0');
  return s;
}

export function randomMobile(r: Rand): string {
  return '+86' + pick(r, ['138', '139', '150', '186', '177', '199']) + digits(r, 8);
}

/** Cents → "12.34". */
function cents(value: number): string {
  const whole = Math.floor(value / 100);
  const frac = value % 100;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

// ---- data per type -----------------------------------------------------------------------------

const SALT: Record<RecordType, number> = {
  'cn.gov.transport.trip': 1,
  'cn.gov.transport.toll-passage': 2,
  'cn.gov.finance.payment': 3,
  'cn.gov.finance.invoice': 4,
  'cn.gov.telecom.cdr': 5,
  'cn.gov.telecom.sim-registration': 6,
};

const SLUG: Record<RecordType, string> = {
  'cn.gov.transport.trip': 'trip',
  'cn.gov.transport.toll-passage': 'toll',
  'cn.gov.finance.payment': 'pay',
  'cn.gov.finance.invoice': 'inv',
  'cn.gov.telecom.cdr': 'cdr',
  'cn.gov.telecom.sim-registration': 'sim',
};

function dataFor(type: RecordType, i: number, r: Rand, start: number): Record<string, unknown> {
  switch (type) {
    case 'cn.gov.transport.trip': {
      const duration = int(r, 120, 5400);
      return {
        vehiclePlate: randomPlate(r),
        routeId: `L${int(r, 1, 27)}`,
        originStopId: `S${int(r, 100, 499)}`,
        destinationStopId: `S${int(r, 500, 899)}`,
        startTime: beijingTime(start),
        endTime: beijingTime(start + duration),
        distanceMeters: int(r, 300, 60000),
        fare: { amount: cents(int(r, 2, 12) * 100), currency: 'CNY' },
      };
    }
    case 'cn.gov.transport.toll-passage':
      return {
        gantryId: `G00${digits(r, 4)}${chars(r, PLATE_CHARS, 6)}`,
        vehiclePlate: randomPlate(r),
        passedAt: beijingTime(start),
        vehicleClass: int(r, 1, 4),
        vehicleKind: 'passenger',
        toll: { amount: cents(int(r, 50, 20000)), currency: 'CNY' },
      };
    case 'cn.gov.finance.payment': {
      const useEur = r() < 0.3;
      return {
        messageId: `MSG-${i}`,
        endToEndId: `E2E-${i}-${digits(r, 6)}`,
        debtor: { name: `Debtor Co ${int(r, 1, 999)}`, iban: randomIban(r) },
        creditor: { name: `Creditor Ltd ${int(r, 1, 999)}`, iban: randomIban(r) },
        instructedAmount: { amount: cents(int(r, 100, 100_000_000)), currency: useEur ? 'EUR' : 'CNY' },
        requestedExecutionDate: beijingTime(start).slice(0, 10),
        remittanceInformation: `Invoice ${digits(r, 8)}`,
      };
    }
    case 'cn.gov.finance.invoice': {
      const total = int(r, 1000, 10_000_000);
      const first = Math.floor(total / 3);
      return {
        invoiceNumber: digits(r, 4) + String(i).padStart(16, '0'),
        issuedAt: beijingTime(start),
        seller: { name: `Seller Technology Co ${int(r, 1, 999)}`, uscc: randomUscc(r) },
        buyer: { name: `Buyer Trading Co ${int(r, 1, 999)}`, uscc: randomUscc(r) },
        currency: 'CNY',
        totalAmount: cents(total),
        taxAmount: cents(Math.round((total * 6) / 106)),
        lines: [
          { description: 'Consulting services', amount: cents(first) },
          { description: 'Software licence', amount: cents(total - first) },
        ],
      };
    }
    case 'cn.gov.telecom.cdr': {
      const sms = r() < 0.2;
      return {
        callerNumber: randomMobile(r),
        calleeNumber: '+86' + pick(r, ['130', '131', '132']) + digits(r, 8),
        startTime: beijingTime(start),
        durationSeconds: sms ? 0 : int(r, 0, 3600),
        cellId: `460-${pick(r, ['00', '01', '11'])}-${chars(r, '0123456789ABCDEF', r() < 0.7 ? 7 : 9)}`,
        imsiHash: randomHash(r),
        callType: sms ? 'sms' : pick(r, ['voice', 'voice', 'video', 'forwarded']),
        direction: pick(r, ['originating', 'terminating']),
      };
    }
    case 'cn.gov.telecom.sim-registration':
      return {
        iccid: randomIccid(r),
        msisdn: randomMobile(r),
        idDocumentType: pick(r, ['resident-id', 'resident-id', 'passport', 'hk-macao-permit']),
        subscriberIdHash: randomHash(r),
        registeredAt: beijingTime(start),
        operator: pick(r, ['china-mobile', 'china-unicom', 'china-telecom', 'china-broadnet']),
        imei: randomImei(r),
      };
  }
}

function sectorOfType(type: RecordType): keyof typeof DEFAULT_SOURCES {
  return type.split('.')[2] as keyof typeof DEFAULT_SOURCES;
}

/** The i-th valid record of `type` (deterministic). */
export function makeValidRecord(type: RecordType, i: number, options: RecordOptions = {}): GeneratedRecord {
  const r = prng(seedOf(SALT[type], i));
  const start = i * 7 + int(r, 0, 6);
  const record: GeneratedRecord = {
    specversion: '1.0',
    id: `${options.idPrefix ?? ''}${SLUG[type]}-${i}`,
    source: options.source ?? DEFAULT_SOURCES[sectorOfType(type)],
    type,
    time: beijingTime(start + 7200),
    datacontenttype: 'application/json',
    data: dataFor(type, i, r, start),
  };
  if (options.omitDataschema !== true) record['dataschema'] = schemaUrn(type, 1);
  return record;
}

// ---- invalid records ---------------------------------------------------------------------------

/** Kinds of invalid record and the rejection code each must get. */
export const INVALID_KINDS = {
  'bad-currency': ErrorCodes.SchemaInvalid,
  'bad-e164': ErrorCodes.SchemaInvalid,
  'negative-duration': ErrorCodes.SchemaInvalid,
  'bad-checksum': ErrorCodes.SchemaInvalid,
  'missing-field': ErrorCodes.SchemaInvalid,
  'bad-amount-scale': ErrorCodes.SchemaInvalid,
  'end-before-start': ErrorCodes.SchemaInvalid,
  'unknown-type': ErrorCodes.SchemaUnknown,
  'bad-envelope': ErrorCodes.EnvelopeInvalid,
  'not-an-object': ErrorCodes.EnvelopeInvalid,
} as const satisfies Record<string, ErrorCode>;
export type InvalidKind = keyof typeof INVALID_KINDS;
export const INVALID_KIND_NAMES = Object.keys(INVALID_KINDS) as InvalidKind[];

/**
 * The i-th invalid record of `kind`: a valid record with exactly one defect, so the expected
 * rejection code is known (INVALID_KINDS). `bad-checksum` rotates over IBAN, USCC and ICCID.
 */
export function makeInvalidRecord(kind: InvalidKind, i: number, options: RecordOptions = {}): unknown {
  switch (kind) {
    case 'bad-currency': {
      const rec = makeValidRecord('cn.gov.finance.payment', i, options);
      (rec.data['instructedAmount'] as Record<string, unknown>)['currency'] = pick(prng(i), ['XYZ', 'RMB', 'cny', 'HRK']);
      return rec;
    }
    case 'bad-e164': {
      const rec = makeValidRecord('cn.gov.telecom.cdr', i, options);
      rec.data['callerNumber'] = pick(prng(i), ['13800138000', '+0861380013800', '+86 138 0013 8000']);
      return rec;
    }
    case 'negative-duration': {
      const rec = makeValidRecord('cn.gov.telecom.cdr', i, options);
      rec.data['callType'] = 'voice';
      rec.data['durationSeconds'] = -1 - (i % 100);
      return rec;
    }
    case 'bad-checksum': {
      const which = i % 3;
      if (which === 0) {
        const rec = makeValidRecord('cn.gov.finance.payment', i, options);
        const debtor = rec.data['debtor'] as Record<string, string>;
        debtor['iban'] = breakCheck(debtor['iban'] ?? '', 2, '0123456789');
        return rec;
      }
      if (which === 1) {
        const rec = makeValidRecord('cn.gov.finance.invoice', i, options);
        const seller = rec.data['seller'] as Record<string, string>;
        seller['uscc'] = breakCheck(seller['uscc'] ?? '', 17, USCC_CHARS);
        return rec;
      }
      const rec = makeValidRecord('cn.gov.telecom.sim-registration', i, options);
      rec.data['iccid'] = breakCheck(String(rec.data['iccid']), 19, '0123456789');
      return rec;
    }
    case 'missing-field': {
      const rec = makeValidRecord('cn.gov.transport.trip', i, options);
      delete rec.data['vehiclePlate'];
      return rec;
    }
    case 'bad-amount-scale': {
      const rec = makeValidRecord('cn.gov.transport.toll-passage', i, options);
      (rec.data['toll'] as Record<string, unknown>)['amount'] = '12.345';
      return rec;
    }
    case 'end-before-start': {
      const rec = makeValidRecord('cn.gov.transport.trip', i, options);
      rec.data['endTime'] = rec.data['startTime'];
      return rec;
    }
    case 'unknown-type': {
      const rec = makeValidRecord('cn.gov.transport.trip', i, { ...options, omitDataschema: true });
      rec.type = 'cn.gov.transport.teleport';
      return rec;
    }
    case 'bad-envelope': {
      const rec = makeValidRecord('cn.gov.telecom.cdr', i, options);
      rec['specversion'] = '0.3';
      return rec;
    }
    case 'not-an-object':
      return pick(prng(i), [['not', 'an', 'object'], `record ${i}`, i, null, true]);
  }
}

/** Replaces the character at `pos` by another from `alphabet`, so a check digit no longer matches. */
function breakCheck(s: string, pos: number, alphabet: string): string {
  const current = s[pos] ?? '';
  const index = alphabet.indexOf(current);
  const replacement = alphabet[(index + 1) % alphabet.length] ?? '0';
  return s.slice(0, pos) + replacement + s.slice(pos + 1);
}

/** One entry of `mixedRecords`: the record and, if it was made invalid, how. */
export interface MixedRecord {
  readonly record: unknown;
  readonly invalidKind: InvalidKind | null;
}

/**
 * The i-th entry of a mixed stream (deterministic in (i, invalidRatio, seed)): a valid record of type
 * `RECORD_TYPES[i % 6]`, or with probability `invalidRatio` an invalid one of a kind picked by the
 * seeded PRNG. Ids embed the seed, so two different seeds never collide. Use this to stream 1M
 * records without holding them all.
 */
export function mixedRecord(i: number, invalidRatio: number, seed: number, options: RecordOptions = {}): MixedRecord {
  const r = prng(seedOf(seed + 1000, i));
  const withPrefix = { ...options, idPrefix: `${options.idPrefix ?? ''}s${seed}-` };
  if (r() < invalidRatio) {
    const kind = INVALID_KIND_NAMES[Math.floor(r() * INVALID_KIND_NAMES.length)] as InvalidKind;
    return { record: makeInvalidRecord(kind, i, withPrefix), invalidKind: kind };
  }
  return { record: makeValidRecord(RECORD_TYPES[i % RECORD_TYPES.length] as RecordType, i, withPrefix), invalidKind: null };
}

/** `n` records: `mixedRecord(0..n-1, invalidRatio, seed)`. */
export function mixedRecords(n: number, invalidRatio: number, seed: number, options: RecordOptions = {}): MixedRecord[] {
  const out = new Array<MixedRecord>(n);
  for (let i = 0; i < n; i++) out[i] = mixedRecord(i, invalidRatio, seed, options);
  return out;
}
