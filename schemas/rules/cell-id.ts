/**
 * Radio cell identifiers as `MCC-MNC-CELL`, Crossgate's documented spelling of a 3GPP global cell id:
 *  - MCC: 3 digits, first 2-7 (ITU-T E.212 geographic ranges); MNC: 2 or 3 digits. The dashes keep
 *    the MNC length unambiguous (310-26 and 310-260 are different networks).
 *  - CELL: uppercase hex, 7 digits for an LTE E-UTRAN cell identity (ECI, 28 bits: ECGI) or 9 digits
 *    for an NR cell identity (NCI, 36 bits: NCGI), TS 23.003 §19.6 and §19.6A.
 * Example: `460-00-1A2B3C4` (China Mobile, LTE), `460-11-0012AB34F` (China Telecom, NR).
 */
import { z } from 'zod';

const CELL_ID = /^[2-7]\d{2}-\d{2,3}-(?:[0-9A-F]{7}|[0-9A-F]{9})$/;

/** True when `s` is an ECGI or NCGI in the `MCC-MNC-CELL` form above. */
export function isCellId(s: unknown): s is string {
  return typeof s === 'string' && CELL_ID.test(s);
}

/** Radio access technology of a valid cell id: 7 hex digits LTE, 9 NR. */
export function cellTechnology(s: string): 'lte' | 'nr' {
  return s.length - s.lastIndexOf('-') - 1 === 7 ? 'lte' : 'nr';
}

/** A cell id, e.g. `460-00-1A2B3C4`. */
export const cellId = z.string().regex(CELL_ID, {
  error: 'expected a cell id "MCC-MNC-CELL": 3-digit MCC, 2-3 digit MNC, 7 (LTE) or 9 (NR) uppercase hex digits',
});
