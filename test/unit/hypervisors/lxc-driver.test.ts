import { describe, expect, it } from 'vitest';
import type { ChangeHint, GuestRef } from '../../../main/hypervisors/driver';
import { containerUuid, uuidV5 } from '../../../main/hypervisors/lxc/container-id';
import { INVENTORY_SCRIPT } from '../../../main/hypervisors/lxc/inventory-script';
import { LxcDriver } from '../../../main/hypervisors/lxc/lxc-driver';
import { failure } from '../../support/failure';
import { fixture } from '../parsers/fixtures';
import { fakeClock, FakeRunner, type Reply } from './fake-runner';

const TOKEN = '0123456789abcdef0123456789abcdef';
const HOSTILE = 'it\'s a "ct" ünï $(touch vmdeck-pwned)';
const cap = (n: string) => fixture(`lxc/captured/${n}`);
const WEB: GuestRef = { uuid: 'x', name: 'ct-web', domId: 1 };

/** Answers the inventory with the captured output and lxc-info -s with `state`. */
function lxcHost(state: () => string, extra?: (cmd: string, argv: readonly string[]) => Reply | undefined): FakeRunner {
  return new FakeRunner((argv) => {
    const cmd = argv.join(' ');
    const r = extra?.(cmd, argv);
    if (r) return r;
    if (argv[0] === 'sh' && argv[2] === INVENTORY_SCRIPT) return { stdout: cap('inventory.stdout.txt') };
    if (argv[0] === 'lxc-info' && argv.includes('-s')) return { stdout: `State:          ${state()}\n` };
    if (argv[0] === 'cat') return { stdout: cap('config-ct-web.txt') };
    if (/^lxc-(start|stop|freeze|unfreeze)$/.test(argv[0] as string)) return {};
    throw new Error(`unexpected ${cmd}`);
  });
}

async function listed(runner: FakeRunner): Promise<LxcDriver> {
  const d = new LxcDriver(runner, { token: () => TOKEN, clock: fakeClock(), statePollMs: 100 });
  await d.refresh();
  runner.calls.length = 0;
  return d;
}

describe('LxcDriver.refresh', () => {
  it('one command whatever the number of containers; states, limits, ids, kind', async () => {
    const runner = lxcHost(() => 'RUNNING');
    const driver = new LxcDriver(runner, { token: () => TOKEN });
    const { guests, facts } = await driver.refresh();
    expect(runner.argvs()).toEqual([['sh', '-c', INVENTORY_SCRIPT, 'vmdeck-lxc', TOKEN]]);
    expect(guests.map((g) => [g.name, g.state, g.stateReason, g.autostart, g.kind])).toEqual([
      ['ct-cache', 'paused', 'frozen', false, 'container'],
      ['ct-db', 'shutoff', undefined, false, 'container'],
      ['ct-web', 'running', undefined, true, 'container'],
      [HOSTILE, 'running', undefined, false, 'container'],
      ['nl\nname', 'shutoff', undefined, false, 'container'],
      ['vmdeck-capture-stubborn', 'running', undefined, false, 'container'],
    ]);
    const web = guests.find((g) => g.name === 'ct-web')!;
    expect(web).toMatchObject({ vcpus: 1, maxMemoryKiB: 65536, persistent: true, osType: 'container' });
    expect(web.domId).toBeGreaterThan(1);
    expect(web.cpuTimeNs).toBeGreaterThan(0);
    expect(guests.find((g) => g.name === 'ct-db')).toMatchObject({ domId: null, memoryKiB: 0 });
    expect(new Set(guests.map((g) => g.uuid)).size).toBe(guests.length);
    expect(facts).toMatchObject({ hypervisor: 'LXC', hypervisorVersion: '5.0.2' });
    expect(driver.target).toBe('lxc /var/lib/lxc');
  });

  it('ids are stable name-based UUIDs of host, lxcpath and name', async () => {
    const a = (await new LxcDriver(lxcHost(() => 'RUNNING'), { token: () => TOKEN }).refresh()).guests;
    const b = (await new LxcDriver(lxcHost(() => 'RUNNING'), { token: () => TOKEN }).refresh()).guests;
    expect(a.map((g) => g.uuid)).toEqual(b.map((g) => g.uuid));
    expect(a[0]?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(containerUuid('m', '/var/lib/lxc', 'web')).not.toBe(containerUuid('m', '/home/u/.local/share/lxc', 'web'));
    expect(containerUuid('m', '/var/lib/lxc', 'web')).not.toBe(containerUuid('m2', '/var/lib/lxc', 'web'));
    // RFC 9562's example: DNS namespace, www.example.com
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('a fresh token every refresh; output framed with another token is PARSE_ERROR', async () => {
    const tokens = ['a'.repeat(32), 'b'.repeat(32)];
    const runner = lxcHost(() => 'RUNNING');
    const driver = new LxcDriver(runner, { token: () => tokens.shift() ?? 'c'.repeat(32) });
    const e = await failure(driver.refresh());
    expect(e.code).toBe('PARSE_ERROR');
    expect(runner.argvs().map((a) => a[4])).toEqual(['a'.repeat(32)]);
  });

  it('lxc tools missing: UNSUPPORTED with the stderr kept', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 127, stderr: 'sh: 1: lxc-info: not found\n' }));
    const e = await failure(new LxcDriver(runner).refresh());
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.details?.stderr).toContain('lxc-info');
  });
});

describe('LxcDriver actions', () => {
  it('lifecycle argv: name as its own argument, in the listed lxcpath', async () => {
    let state = 'RUNNING';
    const runner = lxcHost(() => state);
    const d = await listed(runner);
    const h: GuestRef = { uuid: 'x', name: HOSTILE, domId: 5 };
    await d.action(h, 'start');
    await d.action(h, 'shutdown', { timeoutSec: 7 });
    await d.action(h, 'destroy');
    await d.action(h, 'reboot');
    state = 'FROZEN';
    await d.action(h, 'pause');
    state = 'RUNNING';
    await d.action(h, 'resume');
    const w = ['-P', '/var/lib/lxc', '-n', HOSTILE];
    expect(runner.argvs()).toEqual([
      ['lxc-start', ...w],
      ['lxc-stop', ...w, '--nokill', '-t', '7'],
      ['lxc-stop', ...w, '-k'],
      ['lxc-stop', ...w, '-r'],
      ['lxc-freeze', ...w],
      ['lxc-info', ...w, '-s'],
      ['lxc-unfreeze', ...w],
      ['lxc-info', ...w, '-s'],
    ]);
  });

  it('unfreeze that changes nothing (lxc-unfreeze exits 0 on a stopped container) is INVALID_STATE', async () => {
    const d = await listed(lxcHost(() => 'STOPPED'));
    const e = await failure(d.action(WEB, 'resume'));
    expect(e.code).toBe('INVALID_STATE');
    expect(e.message).toMatch(/stopped after unfreeze/);
  });

  it('freeze waits through FREEZING', async () => {
    const states = ['FREEZING', 'FREEZING', 'FROZEN'];
    const d = await listed(lxcHost(() => states.shift() ?? 'FROZEN'));
    await d.action(WEB, 'pause');
    expect(states).toEqual([]);
  });

  it('a shutdown that runs out of time is TIMEOUT; lxc-stop on a stopped container is INVALID_STATE', async () => {
    const timeout = await listed(
      lxcHost(
        () => 'RUNNING',
        (cmd) => (cmd.startsWith('lxc-stop') ? { exitCode: Number(cap('err-stop-nokill-timeout.exit.txt').trim()) } : undefined),
      ),
    );
    const e = await failure(timeout.action(WEB, 'shutdown', { timeoutSec: 2 }));
    expect(e.code).toBe('TIMEOUT');
    const stopped = await listed(lxcHost(() => 'STOPPED', (cmd) => (cmd.startsWith('lxc-stop') ? { exitCode: 2, stderr: cap('err-stop-stopped.stderr.txt') } : undefined)));
    expect((await failure(stopped.action(WEB, 'shutdown'))).code).toBe('INVALID_STATE');
  });

  it('save, restore and reset are UNSUPPORTED for containers, without running anything', async () => {
    const runner = lxcHost(() => 'RUNNING');
    const d = await listed(runner);
    for (const a of ['save', 'restore', 'reset'] as const) {
      const e = await failure(d.action(WEB, a, { path: '/tmp/x' }));
      expect(e.code).toBe('UNSUPPORTED');
      expect(e.message).toMatch(/[Cc]ontainers have no/);
    }
    expect(runner.calls).toHaveLength(0);
  });

  it('autostart edits lxc.start.auto through a constant script; path and value are arguments', async () => {
    const runner = lxcHost(() => 'RUNNING', (_c, argv) => (argv[0] === 'sh' && argv[3] === 'vmdeck-lxc' && argv.length === 6 ? {} : undefined));
    const d = await listed(runner);
    await d.action({ uuid: 'x', name: HOSTILE, domId: null }, 'autostart-on');
    await d.action(WEB, 'autostart-off');
    const [on, off] = runner.argvs();
    expect(on?.slice(3)).toEqual(['vmdeck-lxc', `/var/lib/lxc/${HOSTILE}/config`, '1']);
    expect(off?.slice(3)).toEqual(['vmdeck-lxc', '/var/lib/lxc/ct-web/config', '0']);
    expect(on?.[2]).toBe(off?.[2]);
    expect(on?.[2]).not.toContain('ct-web');
  });
});

describe('LxcDriver details, consoles, events', () => {
  it('details from the config file, with the memory in use from the last refresh', async () => {
    const runner = lxcHost(() => 'RUNNING');
    const d = await listed(runner);
    const det = await d.details(WEB);
    expect(runner.argvs()).toEqual([['cat', '--', '/var/lib/lxc/ct-web/config']]);
    expect(det).toMatchObject({ toolstack: 'lxc', kind: 'container', rawFormat: 'lxc-config', rootfs: 'dir:/var/lib/lxc/ct-web/rootfs', vcpus: 1, maxMemoryKiB: 65536 });
    expect(det.memoryKiB).toBeGreaterThan(0);
    expect((await d.consoleDevices(WEB)).map((c) => c.kind)).toEqual(['console', 'tty', 'shell']);
  });

  it('console commands: lxc-console -t 0 / -t N, lxc-attach; unknown devices refused', async () => {
    const d = await listed(lxcHost(() => 'RUNNING'));
    const w = ['-P', '/var/lib/lxc', '-n', '-rf'];
    const g: GuestRef = { uuid: 'x', name: '-rf', domId: 3 };
    expect(d.consoleCommand(g)).toEqual(['lxc-console', ...w, '-t', '0']);
    expect(d.consoleCommand(g, 'tty:2')).toEqual(['lxc-console', ...w, '-t', '2']);
    expect(d.consoleCommand(g, 'shell')).toEqual(['lxc-attach', ...w]);
    expect(() => d.consoleCommand(g, 'tty:; rm -rf /')).toThrow(/unknown LXC console device/);
  });

  it('lxc-monitor lines become hints with the uuid of the named container', async () => {
    const runner = lxcHost(() => 'RUNNING');
    const d = new LxcDriver(runner, { token: () => TOKEN });
    await d.refresh();
    const hints: ChangeHint[] = [];
    const watch = await d.watch((h) => hints.push(h));
    const stream = runner.streams[0]!;
    expect(stream.argv).toEqual(['lxc-monitor', '-P', '/var/lib/lxc', '-n', '.*']);
    stream.emit(cap('monitor.txt').split('\n').slice(0, 2).join('\r\n') + '\r\n');
    expect(hints.map((h) => h.name)).toEqual(['ct-web', 'ct-web']);
    let closed = false;
    watch.onDidClose(() => (closed = true));
    stream.end(0);
    expect(closed).toBe(true);
  });
});
