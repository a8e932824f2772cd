/** Integer rules. JSON numbers here stay within the IEEE-754 safe range so every parser agrees. */
import { z } from 'zod';

/** An integer from 0 to 2^53-1. */
export const nonNegativeInt = z
  .number({ error: 'expected a number' })
  .int({ error: 'expected an integer' })
  .nonnegative({ error: 'must not be negative' });

/** True when `n` is an integer from 0 to 2^53-1. */
export function isNonNegativeInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
