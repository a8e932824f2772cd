/**
 * Whether a kafkajs error means this consumer's group membership (and so its partitions) is gone: the
 * coordinator dropped it after the session timeout, or a rebalance moved on without it. A commit that
 * fails this way is not a crash: the partitions' new owner reads the uncommitted records again.
 */

/** Kafka protocol error types (kafkajs `error.type`) that end this member's assignment. */
const membershipErrors = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);

/** True when `error`, or an error in its `cause` chain (kafkajs wraps retried ones), is a membership loss. */
export function lostMembership(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; typeof e === 'object' && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && membershipErrors.has(type)) return true;
  }
  return false;
}
