/** Polls `check` until it returns true or `timeoutMs` passes. The clock and sleep are injectable for tests. */
export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PollClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs: number, clock: PollClock = realClock): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (clock.now() >= deadline) return false;
    await clock.sleep(Math.min(intervalMs, Math.max(0, deadline - clock.now())));
  }
}
