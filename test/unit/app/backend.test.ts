// The composition root with the transport and toolstack replaced by fakes: every client gets the shared
// events, a console's bytes go to the client that owns it only, and guests.bulkAction runs as a task.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../main/app/backend';
import { connectInProcess } from '../../../main/app/in-process-client';
import type { ContractClient, EventName, HostView, TaskInfo } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import { dispatch } from '../../../main/core/rpc';
import { FakeFleet, guest, settle, uuidOf } from '../services/host-fakes';

interface Recorder {
  client: ContractClient;
  events: { event: EventName; payload: unknown }[];
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  of(event: EventName): unknown[];
}

function recorder(backend: Backend, label: string): Recorder {
  const events: Recorder['events'] = [];
  const client = backend.connect((event, payload) => events.push({ event, payload }), { label });
  return {
    client,
    events,
    async call<T>(method: string, ...args: unknown[]): Promise<T> {
      const out = await dispatch(client.handlers, method, args);
      if (!out.ok) throw new VmdeckError(out.error.code, out.error.message, out.error.details);
      return out.result as T;
    },
    of: (event) => events.filter((e) => e.event === event).map((e) => e.payload),
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createBackend', () => {
  let fleet: FakeFleet;
  let backend: Backend;
  let a: Recorder;
  let b: Recorder;
  let kvm1: HostView;
  let kvm2: HostView;

  beforeEach(async () => {
    fleet = new FakeFleet();
    fleet.driver('kvm1').guests = [guest('alpha', 1), guest('beta', 2), guest('epsilon', 3)];
    fleet.driver('kvm2').guests = [guest('gamma', 4)];
    backend = await createBackend({
      mode: 'browser',
      configDir: mkdtempSync(join(tmpdir(), 'vmdeck-backend-unit-')),
      version: 'test',
      persistHosts: false,
      linkFactory: fleet.linkFactory,
      sessionDeps: fleet.sessionDeps({ watch: false }),
    });
    a = recorder(backend, 'tab');
    b = recorder(backend, 'tab');
    kvm1 = await a.call<HostView>('hosts.add', { name: 'kvm1', transport: 'ssh', address: 'kvm1', autoConnect: false });
    kvm2 = await a.call<HostView>('hosts.add', { name: 'kvm2', transport: 'ssh', address: 'kvm2', autoConnect: false });
    await a.call('hosts.connect', kvm1.config.id);
    await a.call('hosts.connect', kvm2.config.id);
  });
  afterEach(async () => {
    await backend.dispose();
  });

  it('sends host and guest events to every client; validates arguments at the boundary', async () => {
    expect(backend.clientCount).toBe(2);
    for (const r of [a, b]) {
      expect((r.of('hosts.changed') as HostView[]).some((h) => h.config.name === 'kvm2' && h.state === 'ready')).toBe(true);
      expect(r.of('guests.diff').length).toBeGreaterThan(0);
    }
    expect((await b.call<{ name: string }[]>('guests.list')).map((g) => g.name).sort()).toEqual(['alpha', 'beta', 'epsilon', 'gamma']);
    await expect(a.call('guests.action', kvm1.config.id, 'not-a-uuid', 'pause')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.call('guests.bulkAction', [], 'pause')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.call('guests.bulkAction', [{ hostId: kvm1.config.id, uuid: uuidOf(1) }], 'restore')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      a.call('guests.bulkAction', [{ hostId: kvm1.config.id, uuid: uuidOf(1) }, { hostId: kvm1.config.id, uuid: uuidOf(2) }], 'save', { path: '/tmp/x' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    b.client.dispose();
    expect(backend.clientCount).toBe(1);
  });

  it('a console belongs to the client that opened it: the other sees it, gets none of its bytes, and may adopt it', async () => {
    const opened = await a.call<{ id: string; owned: boolean }>('consoles.open', kvm1.config.id, uuidOf(1));
    expect(opened.owned).toBe(true);
    const stream = fleet.links.get('kvm1')!.runner.last;
    stream.push('login: ');
    await new Promise((r) => setTimeout(r, 20));
    expect(a.of('consoles.data')).toHaveLength(1);
    expect(b.of('consoles.data')).toHaveLength(0);
    expect(b.of('consoles.changed')).toHaveLength(0);
    expect(await b.call('consoles.list')).toEqual([expect.objectContaining({ id: opened.id, owned: false })]);
    await expect(b.call('consoles.input', opened.id, 'root\r')).rejects.toMatchObject({ code: 'INVALID_STATE' });

    await expect(b.call('consoles.adopt', opened.id)).resolves.toMatchObject({ owned: true });
    expect(a.of('consoles.changed').at(-1)).toMatchObject({ id: opened.id, owned: false });
    stream.push('root\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(a.of('consoles.data')).toHaveLength(1);
    expect(b.of('consoles.data')).toHaveLength(1);
    await b.call('consoles.input', opened.id, 'ls\r');
    expect(stream.written).toBe('ls\r');

    // The owner goes away (tab closed): the console stays, unowned and silent, for a reload to adopt.
    b.client.dispose();
    stream.push('more');
    await new Promise((r) => setTimeout(r, 20));
    expect(b.of('consoles.data')).toHaveLength(1);
    expect(await a.call('consoles.list')).toEqual([expect.objectContaining({ id: opened.id, owned: false, status: 'attached' })]);
    await expect(a.call('consoles.adopt', opened.id)).resolves.toMatchObject({ owned: true });
  });

  it('guests.bulkAction: a task at once, at most two actions per host, per-guest results with codes, events to every client', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    let running = 0;
    let peak = 0;
    fleet.driver('kvm1').onAction = async (ref) => {
      running++;
      peak = Math.max(peak, running);
      const g = deferred();
      gates.set(ref.name, g);
      await g.promise;
      running--;
      if (ref.name === 'beta') throw new VmdeckError('INVALID_STATE', 'beta is not running');
    };
    const targets = [1, 2, 3].map((n) => ({ hostId: kvm1.config.id, uuid: uuidOf(n) }));
    targets.push({ hostId: kvm2.config.id, uuid: uuidOf(4) }, { hostId: kvm2.config.id, uuid: uuidOf(99) });
    const task = await a.call<TaskInfo>('guests.bulkAction', targets, 'shutdown', { timeoutSec: 30 });
    expect(task).toMatchObject({ kind: 'bulk-action', title: 'Shut down 5 guests', state: 'running', progress: { done: 0, total: 5 } });
    expect(task.items.map((i) => i.guestName)).toEqual(['alpha', 'beta', 'epsilon', 'gamma', uuidOf(99)]);
    await settle();
    expect([...gates.keys()]).toEqual(['alpha', 'beta']); // epsilon waits for a free slot on kvm1
    gates.get('alpha')!.resolve();
    gates.get('beta')!.resolve();
    await settle();
    gates.get('epsilon')!.resolve();
    await settle(20);
    expect(peak).toBe(2);
    const done = (await a.call<TaskInfo[]>('tasks.list')).find((t) => t.id === task.id)!;
    expect(done.state).toBe('failed');
    expect(done.items.map((i) => [i.guestName, i.state, i.error?.code])).toEqual([
      ['alpha', 'succeeded', undefined],
      ['beta', 'failed', 'INVALID_STATE'],
      ['epsilon', 'succeeded', undefined],
      ['gamma', 'succeeded', undefined],
      [uuidOf(99), 'failed', 'NOT_FOUND'],
    ]);
    expect(fleet.driver('kvm1').actions.map((x) => x.options)).toEqual([{ timeoutSec: 30 }, { timeoutSec: 30 }, { timeoutSec: 30 }]);
    for (const r of [a, b]) expect((r.of('tasks.changed') as TaskInfo[]).at(-1)).toMatchObject({ id: task.id, state: 'failed' });
  });

  it('tasks.cancel stops what has not started and interrupts the running actions\' waits', async () => {
    const started: string[] = [];
    fleet.driver('kvm1').onAction = (ref, _action, signal) =>
      new Promise<void>((_, reject) => {
        started.push(ref.name);
        signal?.addEventListener('abort', () => reject(new VmdeckError('CANCELLED', 'cancelled while waiting')));
      });
    const targets = [1, 2, 3].map((n) => ({ hostId: kvm1.config.id, uuid: uuidOf(n) }));
    const task = await a.call<TaskInfo>('guests.bulkAction', targets, 'shutdown', { timeoutSec: 60, concurrencyPerHost: 1 });
    await settle();
    expect(started).toEqual(['alpha']);
    await a.call('tasks.cancel', task.id);
    await settle(20);
    const done = (await b.call<TaskInfo[]>('tasks.list')).find((t) => t.id === task.id)!;
    expect(done.state).toBe('cancelled');
    expect(done.items.map((i) => i.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(started).toEqual(['alpha']);
    await expect(a.call('tasks.cancel', 'task-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the CLI\'s in-process client: the same dispatch (typed INVALID_ARGUMENT), events through the shared proxy', async () => {
    const errors: unknown[] = [];
    const cli = connectInProcess(backend, { onListenerError: (e) => errors.push(e) });
    const err = await cli.api['guests.action'](kvm1.config.id, uuidOf(1), 'shutdown', { timeoutSec: Number('abc') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmdeckError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('timeoutSec') });
    expect(fleet.driver('kvm1').actions).toEqual([]);
    const removed: string[] = [];
    cli.api.on('hosts.removed', () => {
      throw new Error('listener bug');
    });
    cli.api.on('hosts.removed', (p) => removed.push(p.id));
    await cli.api['hosts.remove'](kvm2.config.id);
    expect(removed).toEqual([kvm2.config.id]);
    expect(errors).toHaveLength(1);
    cli.dispose();
    expect(backend.clientCount).toBe(2);
  });
});

