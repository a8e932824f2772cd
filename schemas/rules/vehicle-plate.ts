/**
 * Chinese motor vehicle plate numbers (GA 36-2018), national civil format, without the separator dot:
 *  - ordinary: province abbreviation + issuing-authority letter + 5 characters (letters without I and O,
 *    digits); the last may also be 挂 (trailer), 学 (learner), 警 (police), 港 or 澳 (cross-border);
 *  - new energy (8 characters): province + letter + 6 characters, either D/F then a letter or digit
 *    then 4 digits (small vehicles), or 5 digits then D/F (large vehicles).
 * Military, embassy (使/领) and the 2002-type special plates are out of scope for civil records.
 */
import { z } from 'zod';

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const LETTER = 'A-HJ-NP-Z';
const ORDINARY = new RegExp(`^[${PROVINCES}][${LETTER}][${LETTER}0-9]{4}[${LETTER}0-9挂学警港澳]$`);
const NEW_ENERGY = new RegExp(`^[${PROVINCES}][${LETTER}](?:[DF][${LETTER}0-9]\\d{4}|\\d{5}[DF])$`);
const PLATE = new RegExp(`^(?:${ORDINARY.source.slice(1, -1)}|${NEW_ENERGY.source.slice(1, -1)})$`);

/** True when `s` is a civil plate number in one of the two national formats. */
export function isVehiclePlate(s: unknown): s is string {
  return typeof s === 'string' && (ORDINARY.test(s) || NEW_ENERGY.test(s));
}

/** True when `s` is a new-energy (green, 8-character) plate. */
export function isNewEnergyPlate(s: string): boolean {
  return NEW_ENERGY.test(s);
}

/** A vehicle plate number, e.g. `京A12345` or `沪AD12345`. */
export const vehiclePlate = z.string().regex(PLATE, {
  error: 'expected a Chinese plate number: province abbreviation, a letter, then 5 characters (6 for new-energy plates)',
});
