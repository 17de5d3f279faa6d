/**
 * Polls `check` until it returns true or `timeoutMs` passes. The clock and sleep are injectable for tests.
 * An aborted `signal` ends the wait with CANCELLED (checked before every poll and during each sleep).
 */
import { VmdeckError } from '../../core/errors';

export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PollClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
  clock: PollClock = realClock,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    throwIfAborted(signal);
    if (await check()) return true;
    if (clock.now() >= deadline) return false;
    await abortable(clock.sleep(Math.min(intervalMs, Math.max(0, deadline - clock.now()))), signal);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VmdeckError('CANCELLED', 'cancelled while waiting');
}

function abortable(sleep: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new VmdeckError('CANCELLED', 'cancelled while waiting'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void sleep.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
