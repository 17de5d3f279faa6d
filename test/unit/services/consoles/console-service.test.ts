import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../../main/core/errors';
import type { ConsoleInfo, EventName, EventPayload, Settings } from '../../../../main/core/contract';
import { ConsoleService } from '../../../../main/services/consoles/console-service';
import { FakeInventory, FakeRunner, fakeDriver, makeGuest, ManualClock } from './fakes';

const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(logDir: string, settingsOverrides: Partial<Settings> = {}) {
  const clock = new ManualClock();
  const inventory = new FakeInventory();
  const runners = new Map([
    ['h1', new FakeRunner()],
    ['h2', new FakeRunner()],
  ]);
  const alpha = inventory.add(makeGuest({ hostId: 'h1', name: 'alpha' }));
  const beta = inventory.add(makeGuest({ hostId: 'h1', name: 'beta', uuid: 'aaaaaaaa-2222-3333-4444-555555555555', state: 'shutoff', domId: null }));
  const web = inventory.add(makeGuest({ hostId: 'h2', name: 'web01', uuid: 'bbbbbbbb-2222-3333-4444-555555555555', domId: 4 }));
  const events: { event: EventName; payload: unknown; client: string }[] = [];
  const settings: Settings = { confirmDestructive: true, scrollback: 1000, logConsoles: false, logMaxBytes: 1024 * 1024, pollIntervalSec: 5, ...settingsOverrides };
  const service = new ConsoleService({
    runnerFor: (hostId) => {
      const r = runners.get(hostId);
      if (r === undefined) throw new Error('no runner');
      return r;
    },
    driverFor: () => fakeDriver(),
    guest: (hostId, uuid) => inventory.get(hostId, uuid),
    onGuestsChanged: inventory.changes.event,
    sink: <E extends EventName>(event: E, payload: EventPayload<E>, client: string) => events.push({ event, payload, client }),
    settings: () => settings,
    logDir,
    hostLabel: (id) => (id === 'h1' ? 'kvm1' : 'xen1'),
    clock,
  });
  const changes = () => events.filter((e) => e.event === 'consoles.changed').map((e) => e.payload as ConsoleInfo);
  const data = (id: string) =>
    Buffer.concat(events.filter((e) => e.event === 'consoles.data' && (e.payload as { id: string }).id === id).map((e) => (e.payload as { data: Uint8Array }).data)).toString();
  return { clock, inventory, runners, alpha, beta, web, events, service, changes, data, settings };
}

describe('ConsoleService', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-service-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sends a console\'s output and changes to its owner only; another client lists it and may adopt it', async () => {
    const { service, runners, alpha, events, clock } = setup(dir);
    const to = (client: string, event: EventName) => events.filter((e) => e.client === client && e.event === event);
    const c = await service.open('h1', alpha.uuid, { cols: 80, rows: 24 }, 'tab-1');
    expect(c.owned).toBe(true);
    expect(service.list('tab-2')).toEqual([expect.objectContaining({ id: c.id, owned: false })]);
    expect(service.list('tab-1')[0]!.owned).toBe(true);

    runners.get('h1')!.last.push('secret output');
    clock.advance(10);
    expect(to('tab-1', 'consoles.data')).toHaveLength(1);
    expect(to('tab-2', 'consoles.data')).toHaveLength(0);

    // Input and resize come from the owner only.
    expect(() => service.input(c.id, 'ls\r', 'tab-2')).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(() => service.resize(c.id, 100, 30, 'tab-2')).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));

    // Adopting moves everything to the new owner; the old one hears once that it lost the console.
    const adopted = service.adopt(c.id, 'tab-2');
    expect(adopted.owned).toBe(true);
    expect(to('tab-1', 'consoles.changed').at(-1)?.payload).toMatchObject({ id: c.id, owned: false });
    const before = events.length;
    runners.get('h1')!.last.push('after adopt');
    clock.advance(10);
    const after = events.slice(before);
    expect(after.filter((e) => e.event === 'consoles.data').map((e) => e.client)).toEqual(['tab-2']);
    service.input(c.id, 'x', 'tab-2');
    expect(runners.get('h1')!.last.written).toContain('x');
    expect(() => service.input(c.id, 'y', 'tab-1')).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(() => service.adopt('nope', 'tab-1')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    service.dispose();
  });

  it('keeps an orphaned console silent until adopted, and closes it when nobody adopts it in time', async () => {
    const { service, runners, alpha, beta, events, clock } = setup(dir);
    const c = await service.open('h1', alpha.uuid, undefined, 'tab-1');
    service.releaseClient('tab-1');
    expect(service.ownerOf(c.id)).toBeUndefined();
    const before = events.length;
    runners.get('h1')!.last.push('nobody listens');
    clock.advance(10);
    expect(events.slice(before).filter((e) => e.event === 'consoles.data')).toHaveLength(0);
    // A reloaded page adopts it before the grace period ends: it stays open.
    clock.advance(60_000);
    service.adopt(c.id, 'tab-3');
    clock.advance(20 * 60_000);
    expect(service.list('tab-3').map((x) => x.id)).toEqual([c.id]);
    // An orphan nobody adopts is closed after the grace period.
    const d = await service.open('h1', beta.uuid, undefined, 'tab-3');
    service.releaseClient('tab-3');
    clock.advance(10 * 60_000 - 1);
    expect(service.list().map((x) => x.id).sort()).toEqual([c.id, d.id].sort());
    clock.advance(1);
    expect(service.list()).toEqual([]);
    service.dispose();
  });

  it('opens consoles on several hosts, relays output, input, resize and acks, and closes them', async () => {
    const { service, runners, alpha, web, data, changes, clock } = setup(dir);
    const a = await service.open('h1', alpha.uuid, { cols: 100, rows: 30 });
    const w = await service.open('h2', web.uuid, { cols: 80, rows: 24, device: 'serial0' });
    expect(a).toMatchObject({ hostId: 'h1', uuid: alpha.uuid, guestName: 'alpha', status: 'attached' });
    expect(w.device).toBe('serial0');
    expect(runners.get('h2')!.last.argv).toEqual(['virsh', 'console', '--force', 'web01', 'serial0']);
    expect(service.list().map((c) => c.id).sort()).toEqual([a.id, w.id].sort());
    runners.get('h1')!.last.push('hello from alpha');
    runners.get('h2')!.last.push('hello from web01');
    clock.advance(10);
    expect(data(a.id)).toBe('hello from alpha');
    expect(data(w.id)).toBe('hello from web01');
    service.input(a.id, 'ls\r');
    service.resize(a.id, 132, 43); // cols, rows as in the contract
    expect(runners.get('h1')!.last.written).toBe('ls\r');
    expect(runners.get('h1')!.last.resizes).toEqual([[43, 132]]);
    service.ack(a.id, 16);
    expect(service.session(a.id)!.unacknowledgedBytes).toBe(0);
    service.close(a.id);
    expect(runners.get('h1')!.last.closed).toBe(true);
    expect(runners.get('h1')!.last.written).toBe('ls\r'); // nothing typed on close
    expect(changes().at(-1)).toMatchObject({ id: a.id, status: 'closed' });
    expect(service.list().map((c) => c.id)).toEqual([w.id]);
    service.ack(a.id, 1); // late acks are ignored
    expect(() => service.input(a.id, 'x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    service.dispose();
    expect(service.size).toBe(0);
  });

  it('rejects an unknown guest with NOT_FOUND, and passes on the open error', async () => {
    const { service, runners, alpha } = setup(dir);
    await expect(service.open('h1', '99999999-2222-3333-4444-555555555555')).rejects.toSatisfy((e) => isVmdeckError(e, 'NOT_FOUND'));
    runners.get('h1')!.failNext = Object.assign(new Error('channel open failure'));
    await expect(service.open('h1', alpha.uuid)).rejects.toThrow('channel open failure');
    expect(service.size).toBe(0);
    service.dispose();
  });

  it('opening a stopped guest waits (connecting) and attaches when it starts', async () => {
    const { service, inventory, beta, changes, runners } = setup(dir);
    const info = await service.open('h1', beta.uuid);
    expect(info.status).toBe('connecting');
    inventory.set('h1', beta.uuid, 'running', 5);
    await settle();
    expect(changes().at(-1)).toMatchObject({ id: info.id, status: 'attached' });
    expect(runners.get('h1')!.streams).toHaveLength(1);
    service.dispose();
  });

  it('closeAllForHost closes only that host’s consoles; dispose releases every listener and timer', async () => {
    const { service, inventory, alpha, beta, web, runners, clock } = setup(dir);
    await service.open('h1', alpha.uuid);
    await service.open('h1', beta.uuid); // waiting: holds a diff listener and a poll timer
    const w = await service.open('h2', web.uuid);
    expect(inventory.changes.listenerCount).toBe(1);
    service.closeAllForHost('h1');
    expect(service.list().map((c) => c.id)).toEqual([w.id]);
    expect(runners.get('h1')!.streams.every((s) => s.closed && s.listenerCount === 0)).toBe(true);
    expect(inventory.changes.listenerCount).toBe(0);
    service.dispose();
    await settle();
    expect(runners.get('h2')!.last.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    await expect(service.open('h1', alpha.uuid)).rejects.toSatisfy((e) => isVmdeckError(e, 'INVALID_STATE'));
  });

  it('logs a session (per open, or by setting) to a 0600 file and reports its path', async () => {
    const { service, alpha, runners, clock, settings } = setup(dir);
    const info = await service.open('h1', alpha.uuid, { cols: 80, rows: 24, log: true });
    expect(info.logPath).toMatch(new RegExp(`^${dir}/kvm1/alpha-\\d{4}-\\d\\d-\\d\\d\\.log$`));
    runners.get('h1')!.last.push('alpha:~# echo $((6*7))\r\n42\r\n');
    clock.advance(10);
    const off = service.setLogging(info.id, false);
    expect(off.logPath).toBeUndefined();
    const text = readFileSync(info.logPath!, 'utf8');
    expect(text).toMatch(/Z ---- console alpha .* log started ----\n.*Z alpha:~# echo \$\(\(6\*7\)\)\n.*Z 42\n.*Z ---- logging stopped ----\n$/);
    expect(statSync(info.logPath!).mode & 0o777).toBe(0o600);
    settings.logConsoles = true;
    const second = await service.open('h1', alpha.uuid);
    expect(second.logPath).toBe(info.logPath);
    service.close(second.id);
    expect(readFileSync(info.logPath!, 'utf8')).toMatch(/---- session closed ----\n$/);
    service.dispose();
  });
});
