/**
 * Converts zod issues into the pipeline's `Issue` values (errors.ts): plain paths of strings and
 * numbers, the zod issue code, the message. Capped, so a record with a million bad array items
 * does not produce a million-line rejection.
 */
import type { z } from 'zod';
import type { Issue } from './errors.js';

/** Most issues reported for one record. */
export const MAX_ISSUES = 20;

/** zod issues → Issues, each path prefixed with `prefix` (e.g. `['data']`). */
export function toIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly (string | number)[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    if (out.length >= MAX_ISSUES) break;
    const path: (string | number)[] = [...prefix];
    for (const key of issue.path) path.push(typeof key === 'number' ? key : String(key));
    out.push({ path, code: issue.code, message: issue.message });
  }
  return out;
}

/** `a.b[2].c: message` for log lines and rejection messages. */
export function describeIssue(issue: Issue): string {
  let where = '';
  for (const key of issue.path) where += typeof key === 'number' ? `[${key}]` : where === '' ? key : `.${key}`;
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}
