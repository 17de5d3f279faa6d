import { describe, expect, it } from 'vitest';
import type { BulkTarget, TaskInfo } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import { bulkTitle, startBulkAction } from '../../../main/core/tasks-bulk';
import { TaskRegistry, type TaskScheduler } from '../../../main/core/tasks';

/** A scheduler whose timers run only when the test says so. */
class ManualScheduler implements TaskScheduler {
  time = 1000;
  private timers: { at: number; fn: () => void }[] = [];
  now() {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number) {
    const t = { at: this.time + ms, fn };
    this.timers.push(t);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== t)) };
  }
  advance(ms: number) {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.fn();
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const U = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

describe('TaskRegistry', () => {
  it('announces start and end at once, coalesces progress, and ends succeeded', async () => {
    const scheduler = new ManualScheduler();
    const tasks = new TaskRegistry({ scheduler, notifyMs: 100 });
    const seen: TaskInfo[] = [];
    tasks.onDidChange((t) => seen.push(t));
    const gate = deferred();
    const info = tasks.start({ kind: 'test', title: 'Two steps', items: [{ hostId: 'h', uuid: U(1), guestName: 'a' }, { hostId: 'h', uuid: U(2), guestName: 'b' }] }, async (task) => {
      task.setItem(0, 'running');
      task.setItem(0, 'succeeded');
      task.setItem(1, 'running');
      await gate.promise;
      task.setItem(1, 'succeeded');
    });
    expect(info).toMatchObject({ kind: 'test', state: 'running', startedAt: 1000, progress: { done: 0, total: 2 } });
    expect(info.items.map((i) => i.state)).toEqual(['pending', 'pending']);
    await settle();
    expect(seen).toHaveLength(1); // the start; three item changes wait for the coalescing timer
    scheduler.advance(100);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.progress.done).toBe(1);
    expect(seen[1]!.items.map((i) => i.state)).toEqual(['succeeded', 'running']);
    scheduler.time = 5000;
    gate.resolve();
    await settle();
    expect(seen.at(-1)).toMatchObject({ state: 'succeeded', endedAt: 5000, progress: { done: 2, total: 2 } });
    // Snapshots are copies: a later change does not rewrite what a listener already got.
    expect(seen[1]!.items[1]!.state).toBe('running');
    expect(tasks.list().map((t) => t.state)).toEqual(['succeeded']);
  });

  it('cancels through the signal: pending items become cancelled, unknown ids are NOT_FOUND', async () => {
    const tasks = new TaskRegistry({ scheduler: new ManualScheduler() });
    const started = deferred();
    let signal: AbortSignal | undefined;
    const info = tasks.start({ kind: 'test', title: 't', items: [{ hostId: 'h', uuid: U(1), guestName: 'a' }, { hostId: 'h', uuid: U(2), guestName: 'b' }] }, async (task) => {
      signal = task.signal;
      task.setItem(0, 'running');
      started.resolve();
      await new Promise<void>((_, reject) => task.signal.addEventListener('abort', () => reject(task.signal.reason)));
    });
    await started.promise;
    tasks.cancel(info.id);
    await settle();
    expect(signal?.aborted).toBe(true);
    const done = tasks.get(info.id)!;
    expect(done.state).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    expect(done.items.map((i) => i.state)).toEqual(['cancelled', 'cancelled']);
    expect(done.progress).toEqual({ done: 2, total: 2 });
    expect(() => tasks.cancel(info.id)).not.toThrow(); // finished: left alone
    expect(() => tasks.cancel('task-unknown')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('fails a task whose body throws or whose items failed, and keeps a bounded history', async () => {
    const tasks = new TaskRegistry({ scheduler: new ManualScheduler(), historyLimit: 3 });
    const a = tasks.start({ kind: 'test', title: 'throws' }, async () => {
      throw new VmdeckError('UNREACHABLE', 'host gone');
    });
    const b = tasks.start({ kind: 'test', title: 'item fails', items: [{ hostId: 'h', uuid: U(1), guestName: 'a' }, { hostId: 'h', uuid: U(2), guestName: 'b' }] }, async (task) => {
      task.setItem(0, 'failed', { code: 'TIMEOUT', message: 'slow' });
      task.setItem(1, 'succeeded');
    });
    await settle();
    expect(tasks.get(a.id)).toMatchObject({ state: 'failed', error: { code: 'UNREACHABLE' } });
    expect(tasks.get(b.id)).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT', message: '1 of 2 failed' } });
    for (let i = 0; i < 5; i++) tasks.start({ kind: 'test', title: `n${i}` }, async () => undefined);
    await settle();
    expect(tasks.list().map((t) => t.title)).toEqual(['n2', 'n3', 'n4']);
    tasks.dispose();
    expect(() => tasks.start({ kind: 'test', title: 'late' }, async () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });
});

describe('startBulkAction', () => {
  it('runs hosts in parallel with at most N actions per host, and reports each guest with its code', async () => {
    const tasks = new TaskRegistry({ scheduler: new ManualScheduler() });
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const order: string[] = [];
    const targets: BulkTarget[] = [
      ...[1, 2, 3, 4].map((n) => ({ hostId: 'kvm1', uuid: U(n) })),
      { hostId: 'xen1', uuid: U(10) },
      { hostId: 'kvm1', uuid: U(1) }, // duplicate: one item
    ];
    const info = startBulkAction(
      {
        tasks,
        guestName: (t) => (t.uuid === U(4) ? undefined : `g${Number(t.uuid.slice(-2))}`),
        run: async (t) => {
          order.push(t.uuid);
          running.set(t.hostId, (running.get(t.hostId) ?? 0) + 1);
          peak.set(t.hostId, Math.max(peak.get(t.hostId) ?? 0, running.get(t.hostId)!));
          const gate = deferred();
          gates.set(t.uuid, gate);
          try {
            await gate.promise;
          } finally {
            running.set(t.hostId, running.get(t.hostId)! - 1);
          }
        },
      },
      targets,
      'shutdown',
    );
    expect(info.title).toBe('Shut down 5 guests');
    expect(info.items).toHaveLength(5);
    expect(info.items[3]!.guestName).toBe(U(4)); // unknown name: the UUID stands in
    await settle();
    // kvm1 runs two at once, xen1 its one, in parallel.
    expect(order).toEqual([U(1), U(2), U(10)]);
    gates.get(U(2))!.reject(new VmdeckError('INVALID_STATE', 'guest is not running'));
    await settle();
    expect(order).toEqual([U(1), U(2), U(10), U(3)]);
    gates.get(U(1))!.resolve();
    gates.get(U(10))!.resolve();
    await settle();
    gates.get(U(3))!.resolve();
    await settle();
    gates.get(U(4))!.reject(new VmdeckError('NOT_FOUND', 'no guest'));
    await settle();
    expect(peak.get('kvm1')).toBe(2);
    const done = tasks.get(info.id)!;
    expect(done.state).toBe('failed');
    expect(done.error?.message).toBe('2 of 5 failed');
    expect(done.items.map((i) => [i.uuid, i.state, i.error?.code])).toEqual([
      [U(1), 'succeeded', undefined],
      [U(2), 'failed', 'INVALID_STATE'],
      [U(3), 'succeeded', undefined],
      [U(4), 'failed', 'NOT_FOUND'],
      [U(10), 'succeeded', undefined],
    ]);
  });

  it('on cancel starts nothing more and aborts the running actions\' signal', async () => {
    const tasks = new TaskRegistry({ scheduler: new ManualScheduler() });
    const started: string[] = [];
    const info = startBulkAction(
      {
        tasks,
        guestName: () => 'g',
        run: (t, signal) =>
          new Promise<void>((_, reject) => {
            started.push(t.uuid);
            signal.addEventListener('abort', () => reject(new VmdeckError('CANCELLED', 'cancelled while waiting')));
          }),
      },
      [1, 2, 3].map((n) => ({ hostId: 'kvm1', uuid: U(n) })),
      'shutdown',
      { concurrencyPerHost: 1 },
    );
    await settle();
    expect(started).toEqual([U(1)]);
    tasks.cancel(info.id);
    await settle();
    expect(started).toEqual([U(1)]);
    const done = tasks.get(info.id)!;
    expect(done.state).toBe('cancelled');
    expect(done.items.map((i) => i.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('titles say what happens', () => {
    expect(bulkTitle('destroy', 1)).toBe('Force off 1 guest');
    expect(bulkTitle('pause', 3)).toBe('Pause 3 guests');
  });
});
