import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../main/transport/backoff';
import { SessionSlots } from '../../../main/transport/session-slots';

describe('backoffDelay', () => {
  it('doubles from 1 s to a 60 s cap, jittered between half and the whole step', () => {
    const lo = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 0);
    const hi = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 0.999999);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map(hi)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
    expect([0, 1, 6, 1000].map(lo)).toEqual([500, 1000, 30000, 30000]);
  });
});

describe('SessionSlots', () => {
  it('hands out at most `limit` slots and queues the rest in FIFO order', async () => {
    const slots = new SessionSlots(2);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const d = slots.acquire().then((r) => (order.push('d'), r));
    expect(slots.queued).toBe(2);
    a();
    a(); // releasing twice is harmless
    const rc = await c;
    expect(slots.inUse).toBe(2);
    b();
    const rd = await d;
    expect(order).toEqual(['c', 'd']);
    rc();
    rd();
    expect(slots.inUse).toBe(0);
  });

  it('aborting a queued request rejects it with CANCELLED and frees its place', async () => {
    const slots = new SessionSlots(1);
    const release = await slots.acquire();
    const ac = new AbortController();
    const waiting = slots.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toSatisfy((e) => isVmdeckError(e, 'CANCELLED'));
    expect(slots.queued).toBe(0);
    release();
    expect(slots.inUse).toBe(0);
  });

  it('learns a lower limit and starts a new generation on reconnect', async () => {
    const slots = new SessionSlots(10);
    const r1 = await slots.acquire();
    await slots.acquire();
    slots.learnLimit();
    expect(slots.limit).toBe(2);
    slots.newGeneration(10);
    expect(slots.inUse).toBe(0);
    r1(); // a release from the old connection does not disturb the new count
    expect(slots.inUse).toBe(0);
    slots.rejectAll(new Error('gone'));
  });
});
