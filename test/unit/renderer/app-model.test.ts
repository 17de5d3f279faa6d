/**
 * AppModel's action flow with a scripted API: progress follows the guest's real state (no early "done", no second
 * request while in progress, a timeout offers force off), bulk actions become one task with per-guest results,
 * console tabs reconnect in place and are adopted again after a reload.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleInfo, TaskInfo, VmdeckApi } from '../../../main/core/contract';
import type { Guest } from '../../../main/core/models';
import { AppModel } from '../../../renderer/src/lib/app.svelte';
import { guestKey } from '../../../renderer/src/lib/logic/keys';
import { ConsolesState } from '../../../renderer/src/lib/state/consoles.svelte';
import { TasksState } from '../../../renderer/src/lib/state/tasks.svelte';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';

function guest(uuid: string, p: Partial<Guest> = {}): Guest {
  return { hostId: 'h1', uuid, name: uuid === U1 ? 'alpha' : 'beta', domId: 1, state: 'running', vcpus: 1, memoryKiB: 1024, maxMemoryKiB: 1024, cpuTimeNs: 0, cpuPercent: 1, autostart: false, persistent: true, ...p };
}

function fakeApi(over: Record<string, (...a: never[]) => unknown>): { api: VmdeckApi; calls: string[] } {
  const calls: string[] = [];
  const api = new Proxy({} as Record<string, unknown>, {
    get(_t, name: string) {
      if (name === 'on') return () => () => {};
      return async (...args: unknown[]) => {
        calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(',')})`);
        const f = over[name];
        return f ? (f as (...a: unknown[]) => unknown)(...args) : undefined;
      };
    },
  }) as unknown as VmdeckApi;
  return { api, calls };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('AppModel actions', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps a shutdown in progress until the guest is off, refuses a second one meanwhile, then says done', async () => {
    const { api, calls } = fakeApi({});
    const m = new AppModel(api, null);
    m.goalPollMs = 5;
    m.guests.load([guest(U1)]);
    const k = guestKey('h1', U1);
    m.requestAction([k], 'shutdown');
    await flush();
    expect(calls.filter((c) => c.startsWith('guests.action'))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(m.ui.running.get(k)).toBe('shutdown'); // the toolstack accepted; the guest still runs
    expect(m.ui.notice).toBeNull();
    m.requestAction([k], 'shutdown'); // a second click
    await flush();
    expect(calls.filter((c) => c.startsWith('guests.action'))).toHaveLength(1);
    m.guests.applyDiff({ hostId: 'h1', added: [], removed: [], changed: [guest(U1, { state: 'shutdown' })] });
    await new Promise((r) => setTimeout(r, 20));
    expect(m.ui.running.get(k)).toBe('shutdown');
    m.guests.applyDiff({ hostId: 'h1', added: [], removed: [], changed: [guest(U1, { state: 'shutoff', domId: null })] });
    await new Promise((r) => setTimeout(r, 30));
    expect(m.ui.running.has(k)).toBe(false);
    expect(m.ui.notice).toEqual({ text: 'Shut down: alpha done', tone: 'info' });
  });

  it('reports a shutdown that times out and offers force off', async () => {
    vi.useFakeTimers();
    const { api, calls } = fakeApi({});
    const m = new AppModel(api, null);
    m.guests.load([guest(U1)]);
    const k = guestKey('h1', U1);
    m.settings.set({ ...m.settings.values, confirmDestructive: false });
    m.requestAction([k], 'shutdown');
    await vi.advanceTimersByTimeAsync(61_000);
    expect(m.ui.running.has(k)).toBe(false);
    expect(m.ui.failures.get(k)?.error.code).toBe('TIMEOUT');
    expect(m.ui.notice?.tone).toBe('error');
    expect(m.ui.notice?.action?.label).toBe('Force off');
    m.ui.notice!.action!.run();
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.filter((c) => c.startsWith('guests.action')).at(-1)).toContain('"destroy"');
  });

  it('runs an action on several guests as one task, confirmed once, with per-guest results', async () => {
    let task!: TaskInfo;
    const { api, calls } = fakeApi({
      'guests.bulkAction': (targets: { hostId: string; uuid: string }[]) => {
        task = { id: 't1', kind: 'bulk-action', title: 'Reboot 2 guests', state: 'running', startedAt: 1, progress: { done: 0, total: 2 }, items: targets.map((t, i) => ({ ...t, guestName: i ? 'beta' : 'alpha', state: 'pending' })) };
        return task;
      },
    });
    const m = new AppModel(api, null);
    m.guests.load([guest(U1), guest(U2)]);
    const keys = [guestKey('h1', U1), guestKey('h1', U2)];
    m.requestAction(keys, 'reboot');
    expect(m.confirm?.names).toEqual(['alpha', 'beta']); // a bulk reboot asks once, listing the guests
    m.confirmPending();
    await flush();
    await flush();
    expect(calls.filter((c) => c.startsWith('guests.bulkAction'))).toHaveLength(1);
    expect(calls.some((c) => c.startsWith('guests.action'))).toBe(false);
    expect(m.ui.tasksOpen).toBe(true);
    expect(keys.every((k) => m.ui.running.get(k) === 'reboot')).toBe(true);
    m.onTask({ ...task, items: [{ ...task.items[0]!, state: 'succeeded' }, { ...task.items[1]!, state: 'running' }], progress: { done: 1, total: 2 } });
    await flush();
    expect(m.ui.running.has(keys[0]!)).toBe(false);
    expect(m.ui.running.has(keys[1]!)).toBe(true);
    m.onTask({ ...task, state: 'failed', items: [{ ...task.items[0]!, state: 'succeeded' }, { ...task.items[1]!, state: 'failed', error: { code: 'COMMAND_FAILED', message: 'no' } }], progress: { done: 2, total: 2 } });
    await flush();
    expect(m.ui.failures.get(keys[1]!)?.error.code).toBe('COMMAND_FAILED');
    expect(m.ui.notice).toEqual({ text: 'Reboot 2 guests: 1 done, 1 failed (beta: COMMAND_FAILED)', tone: 'error' });
    expect(m.tasks.list.map((t) => t.state)).toEqual(['failed']);
  });

  it('a bulk start asks nothing', async () => {
    const { api, calls } = fakeApi({ 'guests.bulkAction': () => ({ id: 't2', kind: 'bulk-action', title: 'Start 2 guests', state: 'running', startedAt: 1, progress: { done: 0, total: 2 }, items: [] }) });
    const m = new AppModel(api, null);
    m.guests.load([guest(U1, { state: 'shutoff' }), guest(U2, { state: 'shutoff' })]);
    m.requestAction([guestKey('h1', U1), guestKey('h1', U2)], 'start');
    expect(m.confirm).toBeNull();
    await flush();
    expect(calls.filter((c) => c.startsWith('guests.bulkAction'))).toHaveLength(1);
  });
});

describe('console tabs', () => {
  const info = (id: string, p: Partial<ConsoleInfo> = {}): ConsoleInfo => ({ id, hostId: 'h1', uuid: U1, guestName: 'alpha', status: 'attached', owned: true, ...p });

  it('"Console" on a guest with a closed tab reconnects in that tab instead of opening a second', async () => {
    const { api, calls } = fakeApi({ 'consoles.open': () => info('c2') });
    const m = new AppModel(api, null);
    m.guests.load([guest(U1)]);
    m.consoles.upsert(info('c0', { uuid: U2, guestName: 'beta' }));
    m.consoles.upsert(info('c1', { status: 'closed' }), true);
    m.consoles.upsert(info('c3', { uuid: U2, guestName: 'beta', device: 'serial1' }));
    await m.requestConsole(guestKey('h1', U1));
    expect(calls.filter((c) => c.startsWith('consoles.devices'))).toHaveLength(0);
    expect(m.consoles.list.map((c) => c.id)).toEqual(['c0', 'c2', 'c3']); // same position
    expect(m.consoles.activeId).toBe('c2');
    await m.requestConsole(guestKey('h1', U1)); // open now: just focused
    expect(calls.filter((c) => c.startsWith('consoles.open'))).toHaveLength(1);
  });

  it('a reload adopts the consoles this tab had (ids in sessionStorage), not other tabs’ consoles', async () => {
    const store = new Map<string, string>();
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) });
    try {
      const first = fakeApi({ 'consoles.open': () => info('c1') });
      const m1 = new AppModel(first.api, null);
      m1.guests.load([guest(U1)]);
      await m1.openConsole(guestKey('h1', U1));
      expect(JSON.parse(store.get('vmdeck.consoles')!)).toEqual(['c1']);
      const second = fakeApi({
        'consoles.list': () => [info('c1', { owned: false }), info('c9', { owned: false, guestName: 'other' })],
        'consoles.adopt': (id: string) => info(id),
      });
      const m2 = new AppModel(second.api, null);
      await m2.adoptConsoles();
      expect(second.calls.filter((c) => c.startsWith('consoles.adopt'))).toEqual(['consoles.adopt("c1")']);
      expect(m2.consoles.list.map((c) => c.id)).toEqual(['c1']);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('input for a console the backend no longer has closes its tab quietly; other input errors are reported', () => {
    const { api } = fakeApi({});
    const m = new AppModel(api, null);
    m.consoles.upsert(info('c1'));
    m.consoleInputFailed('c1', { code: 'NOT_FOUND', message: 'console not found: c1' });
    expect(m.consoles.get('c1')?.status).toBe('closed');
    expect(m.ui.notice).toBeNull();
    m.consoleInputFailed('c1', { code: 'DISCONNECTED', message: 'gone' });
    expect(m.ui.notice?.tone).toBe('error');
  });

  it('ConsolesState.findTab prefers an open tab and falls back to a closed one; replace keeps the position', () => {
    const s = new ConsolesState();
    s.upsert(info('a', { status: 'closed' }));
    s.upsert(info('b'));
    expect(s.findTab('h1', U1)?.id).toBe('b');
    s.remove('b');
    expect(s.findTab('h1', U1.toUpperCase())?.id).toBe('a');
    s.upsert(info('x', { uuid: U2 }));
    s.replace('a', info('n'));
    expect(s.list.map((c) => c.id)).toEqual(['n', 'x']);
    expect(s.activeId).toBe('n');
  });
});

describe('TasksState', () => {
  const t = (id: string, startedAt: number, state: TaskInfo['state'] = 'succeeded'): TaskInfo => ({ id, kind: 'bulk-action', title: id, state, startedAt, progress: { done: 0, total: 0 }, items: [] });

  it('lists newest first, replaces a task by its later report, keeps running ones and a bounded history', () => {
    const s = new TasksState();
    s.upsert(t('a', 1, 'running'));
    s.upsert(t('b', 2));
    s.upsert(t('a', 1, 'succeeded'));
    expect(s.list.map((x) => `${x.id}:${x.state}`)).toEqual(['b:succeeded', 'a:succeeded']);
    s.load([t('b', 2, 'running')]); // an older list does not overwrite a newer event
    expect(s.get('b')?.state).toBe('succeeded');
    s.upsert(t('r', 0, 'running'));
    for (let i = 0; i < 80; i++) s.upsert(t(`f${i}`, 10 + i));
    expect(s.list.length).toBe(51);
    expect(s.get('r')?.state).toBe('running');
    expect(s.running).toBe(1);
  });
});

describe('AppModel backend connection', () => {
  it('shows a lost backend at once and starts afresh when the link is restored', () => {
    const { api } = fakeApi({});
    const model = new AppModel(api, null);
    let listener: ((s: 'connected' | 'lost' | 'restored') => void) | undefined;
    let restored = 0;
    model.bindConnection({ state: 'connected', onDidChange: (l) => ((listener = l), () => (listener = undefined)) }, () => restored++);
    expect(model.ui.backendLost).toBe(false);
    listener!('lost');
    expect(model.ui.backendLost).toBe(true);
    expect(restored).toBe(0);
    listener!('restored');
    expect(model.ui.backendLost).toBe(false);
    expect(restored).toBe(1);
    model.dispose();
    expect(listener).toBeUndefined();
  });
});
