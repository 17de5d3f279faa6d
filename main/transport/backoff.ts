/**
 * Reconnection delays: exponential from `initialMs` doubling up to `maxMs`, with "full jitter" between half
 * and the whole of the step so that many hosts dropped together do not reconnect in lockstep.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000 };

/** Delay before attempt number `attempt` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (random() * step) / 2);
}
