import { describe, expect, it } from 'vitest';
import { RefreshQueue } from '../../../main/services/refresh-queue';

function gatedWork() {
  let runs = 0;
  let release: (() => void)[] = [];
  let fail: Error | undefined;
  const work = () =>
    new Promise<void>((resolve, reject) => {
      runs++;
      release.push(() => (fail ? reject(fail) : resolve()));
    });
  return {
    work,
    get runs() {
      return runs;
    },
    finish() {
      const r = release;
      release = [];
      r.forEach((f) => f());
    },
    failWith(e: Error | undefined) {
      fail = e;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('RefreshQueue', () => {
  it('runs one refresh at a time and coalesces requests made meanwhile into one follow-up', async () => {
    const w = gatedWork();
    const q = new RefreshQueue(w.work, { debounceMs: 0 });
    const first = q.request(true);
    expect(w.runs).toBe(1);
    expect(q.busy).toBe(true);
    const waiting = [q.request(true), q.request(true), q.request(true)];
    expect(w.runs).toBe(1);
    w.finish();
    await first;
    await tick();
    expect(w.runs).toBe(2); // one follow-up for the three
    w.finish();
    await Promise.all(waiting);
    await tick();
    expect(w.runs).toBe(2);
    expect(q.busy).toBe(false);
  });

  it('debounces ordinary requests, and a priority request skips the wait', async () => {
    const w = gatedWork();
    const q = new RefreshQueue(w.work, { debounceMs: 30 });
    void q.request();
    void q.request();
    expect(w.runs).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(w.runs).toBe(1);
    w.finish();
    await tick();
    void q.request();
    const urgent = q.request(true);
    expect(w.runs).toBe(2);
    w.finish();
    await urgent;
    q.dispose();
  });

  it('rejects the waiters of a failed refresh, and dispose releases the rest', async () => {
    const w = gatedWork();
    const q = new RefreshQueue(w.work, { debounceMs: 1000 });
    w.failWith(new Error('boom'));
    const failed = q.request(true);
    w.finish();
    await expect(failed).rejects.toThrow('boom');
    const debounced = q.request();
    q.dispose();
    await expect(debounced).resolves.toBeUndefined();
    await expect(q.request(true)).resolves.toBeUndefined(); // nothing runs after dispose
    expect(w.runs).toBe(1);
  });
});
