import { describe, expect, it } from 'vitest';
import { waitForShutdown } from '../../../main/hypervisors/shared/shutdown-wait';
import type { PollClock } from '../../../main/hypervisors/shared/wait-until';

const GUEST = { uuid: '00000000-0000-4000-8000-000000000001', name: 'alpha', domId: 3 };

/** Virtual time: each sleep advances the clock at once. */
function virtualClock(): PollClock & { sleeps: number } {
  let now = 0;
  const c = {
    sleeps: 0,
    now: () => now,
    sleep: async (ms: number) => {
      c.sleeps++;
      now += ms;
    },
  };
  return c;
}

describe('waitForShutdown (both drivers)', () => {
  it('resolves once the guest is down', async () => {
    let polls = 0;
    const clock = virtualClock();
    await waitForShutdown(GUEST, async () => ++polls >= 3, { timeoutSec: 30, pollMs: 1000, clock, advice: 'force it off' });
    expect(polls).toBe(3);
  });

  it('fails with TIMEOUT and the driver\'s advice when the guest stays up', async () => {
    const clock = virtualClock();
    const err = await waitForShutdown(GUEST, async () => false, { timeoutSec: 5, pollMs: 1000, clock, advice: 'Force it off instead.' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TIMEOUT', message: 'alpha did not shut down within 5 s', details: { notes: ['Force it off instead.'] } });
    expect(clock.now()).toBe(5000);
  });

  it('stops with CANCELLED as soon as the signal aborts, during a sleep too', async () => {
    const abort = new AbortController();
    let polls = 0;
    const realSleep: PollClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    const waiting = waitForShutdown(GUEST, async () => (++polls, false), { timeoutSec: 3600, pollMs: 60_000, clock: realSleep, advice: '', signal: abort.signal });
    await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(polls).toBe(1);
    const already = new AbortController();
    already.abort();
    await expect(waitForShutdown(GUEST, async () => true, { timeoutSec: 1, pollMs: 1, clock: virtualClock(), advice: '', signal: already.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
