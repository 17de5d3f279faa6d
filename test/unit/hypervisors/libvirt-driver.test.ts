import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { LibvirtDriver } from '../../../main/hypervisors/libvirt/libvirt-driver';
import { refreshScript, scriptFraming } from '../../../main/hypervisors/libvirt/bulk-refresh';
import type { ChangeHint } from '../../../main/hypervisors/driver';
import { fixture, framed } from '../parsers/fixtures';
import { fakeClock, FakeRunner, type Reply, type Responder } from './fake-runner';
import { failure } from '../../support/failure';

const URI = 'qemu:///session';
const ALPHA = { uuid: '10e929b4-52e7-5aa8-9cd0-f56945437d2b', name: 'alpha', domId: 1 };

/** Replies to a refresh in the framing of that run (captured outputs carry the plain markers). */
class FramingRunner extends FakeRunner {
  constructor(respond: Responder) {
    super(async (argv, o) => {
      const r = await respond(argv, o);
      const f = scriptFraming(argv[3] ?? '');
      return f && r.stdout ? { ...r, stdout: framed(r.stdout, f.boundary) } : r;
    });
  }
}
const isFullScript = (script: string | undefined) => scriptFraming(script ?? '')?.compat === false;
const scriptKinds = (runner: FakeRunner) => runner.argvs().map((a) => (scriptFraming(a[3] ?? '')?.compat ? 'compat' : 'full'));

function refreshReply(dir: 'captured' | 'captured-qemu'): Reply {
  return { stdout: fixture(`libvirt/${dir}/refresh.stdout.txt`), stderr: fixture(`libvirt/${dir}/refresh.stderr.txt`) };
}


describe('LibvirtDriver.refresh', () => {
  it('runs ONE virsh command with -c URI and the constant script', async () => {
    const runner = new FramingRunner(() => refreshReply('captured-qemu'));
    const driver = new LibvirtDriver(runner, { uri: URI });
    const { guests, facts } = await driver.refresh();
    expect(runner.argvs()).toHaveLength(1);
    const argv = runner.argvs()[0]!;
    expect(argv.slice(0, 3)).toEqual(['virsh', '-c', URI]);
    expect(argv[3]).toBe(refreshScript(scriptFraming(argv[3]!)!.boundary));
    expect(isFullScript(argv[3])).toBe(true);
    expect(guests).toEqual([
      expect.objectContaining({ uuid: ALPHA.uuid, name: 'alpha', domId: 1, state: 'running', stateReason: 'booted', vcpus: 1, maxVcpus: 1, memoryKiB: 163840, maxMemoryKiB: 163840, persistent: true, autostart: false, hasManagedSave: false }),
      expect.objectContaining({ name: 'beta', domId: null, state: 'shutoff', stateReason: 'shutdown' }),
    ]);
    expect(guests[0]?.cpuTimeNs).toBeGreaterThan(0);
    expect(facts).toMatchObject({ hypervisor: 'QEMU', hypervisorVersion: '7.2.22', uri: URI, memoryKiB: 24684092 });
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.freeMemoryKiB).toBe(22970780);
  });

  it('test driver: every state, hostile names, transient and managed-save guests; unsupported facts tolerated', async () => {
    const driver = new LibvirtDriver(new FramingRunner(() => refreshReply('captured')), { uri: 'test:///x' });
    const { guests, facts } = await driver.refresh();
    expect(guests).toHaveLength(7);
    const byName = new Map(guests.map((g) => [g.name, g]));
    expect(byName.get('off\'quote "dq" $(x)')).toMatchObject({ state: 'shutoff', domId: null, hasManagedSave: true, persistent: true });
    expect(byName.get('ünïcode-名前')).toMatchObject({ state: 'pmsuspended', persistent: false });
    expect(byName.get('2024')).toMatchObject({ state: 'crashed', domId: 3 });
    expect(facts).toMatchObject({ cpus: 8, memoryKiB: 16777216, freeMemoryKiB: 0, hypervisor: 'TEST' });
  });

  it('computes host CPU % from two nodecpustats samples', async () => {
    let n = 0;
    const base = fixture('libvirt/captured-qemu/refresh.stdout.txt');
    const runner = new FramingRunner(() => {
      n++;
      if (n === 1) return { stdout: base };
      return { stdout: base.replace('user:                   490090000000', 'user:                   490190000000').replace('idle:                  1467880000000', 'idle:                  1467980000000') };
    });
    const driver = new LibvirtDriver(runner, { uri: URI });
    expect((await driver.refresh()).facts.cpuPercent).toBeNull();
    expect((await driver.refresh()).facts.cpuPercent).toBe(50);
  });

  it('truncated output is PARSE_ERROR and the next refresh works', async () => {
    let truncate = true;
    const runner = new FramingRunner(() => {
      const r = refreshReply('captured-qemu');
      return truncate ? { stdout: r.stdout!.slice(0, 400) } : r;
    });
    const driver = new LibvirtDriver(runner, { uri: URI });
    expect(isVmdeckError(await failure(driver.refresh()), 'PARSE_ERROR')).toBe(true);
    truncate = false;
    expect((await driver.refresh()).guests).toHaveLength(2);
  });

  it('an older virsh that rejects the script gets the compat script, from then on', async () => {
    const runner = new FramingRunner((argv) =>
      isFullScript(argv[3])
        ? { exitCode: 1, stderr: "error: command 'list' doesn't support option --id\n" }
        : { stdout: fixture('libvirt/captured/refresh-compat.stdout.txt'), stderr: fixture('libvirt/captured/refresh-compat.stderr.txt') },
    );
    const driver = new LibvirtDriver(runner, { uri: 'test:///x' });
    const first = await driver.refresh();
    expect(scriptKinds(runner)).toEqual(['full', 'compat']);
    expect(first.guests).toHaveLength(7);
    expect(first.guests.find((g) => g.name === 'off\'quote "dq" $(x)')).toMatchObject({ uuid: '11111111-2222-3333-4444-555555555503', state: 'shutoff', hasManagedSave: true, domId: null });
    runner.calls.length = 0;
    await driver.refresh();
    expect(scriptKinds(runner)).toEqual(['compat']);
  });

  it('a virsh that refuses `list --uuid --name` at run time (empty listing) also gets the compat script', async () => {
    const full = fixture('libvirt/captured/refresh.stdout.txt').replace(/@@vmdeck:names@@\n[\s\S]*?@@vmdeck:ids@@\n[\s\S]*?@@vmdeck:autostart@@/, '@@vmdeck:names@@\n@@vmdeck:ids@@\n@@vmdeck:autostart@@');
    const runner = new FramingRunner((argv) =>
      isFullScript(argv[3]) ? { stdout: full, stderr: 'error: Options --name and --uuid are mutually exclusive\n' } : { stdout: fixture('libvirt/captured/refresh-compat.stdout.txt') },
    );
    expect((await new LibvirtDriver(runner, { uri: 'test:///x' }).refresh()).guests).toHaveLength(7);
    expect(runner.calls).toHaveLength(2);
  });

  it('compat listing that changed between its two lists is PARSE_ERROR', async () => {
    const text = fixture('libvirt/captured/refresh-compat.stdout.txt').replace('web one\n', '');
    const runner = new FramingRunner((argv) => (isFullScript(argv[3]) ? { exitCode: 1, stderr: "error: command 'list' doesn't support option --id\n" } : { stdout: text }));
    expect(isVmdeckError(await failure(new LibvirtDriver(runner, { uri: 'test:///x' }).refresh()), 'PARSE_ERROR')).toBe(true);
  });

  it('connection failures are classified', async () => {
    const runner = new FramingRunner(() => ({ exitCode: 1, stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/run/libvirt/libvirt-sock': Permission denied\n" }));
    const e = await failure(new LibvirtDriver(runner, { uri: 'qemu:///system' }).refresh());
    expect(isVmdeckError(e, 'PERMISSION_DENIED')).toBe(true);
  });

  it('a failing domstats is reported, not an empty host', async () => {
    const r = refreshReply('captured-qemu');
    const stdout = r.stdout!.replace(/@@vmdeck:stats@@\n[\s\S]*?@@vmdeck:hostname@@/, '@@vmdeck:stats@@\n@@vmdeck:hostname@@');
    const runner = new FramingRunner(() => ({ stdout, stderr: 'error: Timed out during operation: cannot acquire state change lock\n' }));
    expect(isVmdeckError(await failure(new LibvirtDriver(runner, { uri: URI }).refresh()), 'TIMEOUT')).toBe(true);
  });
});

describe('LibvirtDriver lifecycle', () => {
  const cases: [string, Parameters<LibvirtDriver['action']>[2], string[]][] = [
    ['start', undefined, ['start', '--domain', ALPHA.uuid]],
    ['shutdown', undefined, ['shutdown', '--domain', ALPHA.uuid]],
    ['reboot', undefined, ['reboot', '--domain', ALPHA.uuid]],
    ['destroy', undefined, ['destroy', '--domain', ALPHA.uuid]],
    ['reset', undefined, ['reset', '--domain', ALPHA.uuid]],
    ['pause', undefined, ['suspend', '--domain', ALPHA.uuid]],
    ['resume', undefined, ['resume', '--domain', ALPHA.uuid]],
    ['save', undefined, ['managedsave', '--domain', ALPHA.uuid]],
    ['save', { path: '/var/tmp/-odd name.save' }, ['save', '--domain', ALPHA.uuid, '--file', '/var/tmp/-odd name.save']],
    ['restore', { path: '/var/tmp/a.save' }, ['restore', '--file', '/var/tmp/a.save']],
    ['autostart-on', undefined, ['autostart', '--domain', ALPHA.uuid]],
    ['autostart-off', undefined, ['autostart', '--disable', '--domain', ALPHA.uuid]],
  ];

  it.each(cases)('%s %j', async (action, options, args) => {
    const runner = new FramingRunner(() => ({}));
    await new LibvirtDriver(runner, { uri: URI }).action(ALPHA, action as never, options);
    expect(runner.argvs()).toEqual([['virsh', '-c', URI, ...args]]);
  });

  it('restore without a path starts from the managed save image, if there is one', async () => {
    const info = (managed: string) => `Id:             -\nName:           alpha\nUUID:           ${ALPHA.uuid}\nState:          shut off\nCPU(s):         1\nMax memory:     163840 KiB\nUsed memory:    163840 KiB\nManaged save:   ${managed}\n`;
    const yes = new FramingRunner((argv) => (argv[3] === 'dominfo' ? { stdout: info('yes') } : {}));
    await new LibvirtDriver(yes, { uri: URI }).action(ALPHA, 'restore');
    expect(yes.argvs().map((a) => a[3])).toEqual(['dominfo', 'start']);
    const no = new FramingRunner((argv) => (argv[3] === 'dominfo' ? { stdout: info('no') } : {}));
    expect(isVmdeckError(await failure(new LibvirtDriver(no, { uri: URI }).action(ALPHA, 'restore')), 'INVALID_STATE')).toBe(true);
  });

  it('shutdown with a timeout polls domstate until shut off', async () => {
    let polls = 0;
    const runner = new FramingRunner((argv) => (argv[3] === 'domstate' ? { stdout: ++polls < 3 ? 'running\n\n' : 'shut off\n\n' } : {}));
    await new LibvirtDriver(runner, { uri: URI, clock: fakeClock() }).action(ALPHA, 'shutdown', { timeoutSec: 10 });
    expect(polls).toBe(3);
  });

  it('shutdown with a timeout reports TIMEOUT when the guest stays up', async () => {
    const runner = new FramingRunner((argv) => (argv[3] === 'domstate' ? { stdout: 'running\n' } : {}));
    const e = await failure(new LibvirtDriver(runner, { uri: URI, clock: fakeClock() }).action(ALPHA, 'shutdown', { timeoutSec: 5 }));
    expect(isVmdeckError(e, 'TIMEOUT')).toBe(true);
  });

  it('virsh errors keep their code and stderr', async () => {
    const stderr = "error: Failed to suspend domain '10e9'\nerror: Requested operation is not valid: domain is not running\n";
    const runner = new FramingRunner(() => ({ exitCode: 1, stderr }));
    const e = await failure(new LibvirtDriver(runner, { uri: URI }).action(ALPHA, 'pause'));
    expect(isVmdeckError(e, 'INVALID_STATE')).toBe(true);
    expect((e as { details: { stderr: string } }).details.stderr).toBe(stderr);
  });
});

describe('LibvirtDriver events, details, consoles', () => {
  it('watch: one event stream, hints with the guest name, onDidClose when it ends', async () => {
    const runner = new FramingRunner(() => refreshReply('captured-qemu'));
    const driver = new LibvirtDriver(runner, { uri: URI });
    await driver.refresh();
    const hints: ChangeHint[] = [];
    const watch = await driver.watch((h) => hints.push(h));
    expect(runner.streams[0]?.argv).toEqual(['virsh', '-c', URI, 'event', '--all', '--loop']);
    expect(runner.streams[0]?.options?.pty).toBeDefined(); // SIGHUP on close: no lingering virsh on the host
    let closed = 0;
    watch.onDidClose(() => closed++);
    const ptyText = fixture('libvirt/captured-qemu/event-loop.txt').replace(/\n/g, '\r\n');
    runner.streams[0]!.emit(ptyText.slice(0, 30));
    runner.streams[0]!.emit(ptyText.slice(30));
    runner.streams[0]!.emit("event 'lifecycle' for domain 'new guest': Defined Added\n");
    expect(hints).toEqual([
      { name: 'alpha', detail: "event 'lifecycle' for domain 'alpha': Suspended Paused" },
      { name: 'alpha', detail: "event 'lifecycle' for domain 'alpha': Resumed Unpaused" },
      { name: 'new guest', detail: "event 'lifecycle' for domain 'new guest': Defined Added" },
    ]);
    runner.streams[0]!.end(1);
    expect(closed).toBe(1);
    watch.dispose();
  });

  it('dispose closes the stream quietly', async () => {
    const runner = new FramingRunner(() => ({}));
    const watch = await new LibvirtDriver(runner, { uri: URI }).watch(() => undefined);
    let closed = 0;
    watch.onDidClose(() => closed++);
    watch.dispose();
    expect(runner.streams[0]?.closed).toBe(true);
    expect(closed).toBe(0);
  });

  it('details and console devices from dumpxml', async () => {
    const runner = new FramingRunner(() => ({ stdout: fixture('libvirt/captured-qemu/dumpxml-alpha-running.xml') }));
    const driver = new LibvirtDriver(runner, { uri: URI });
    expect(await driver.details(ALPHA)).toMatchObject({ hostId: '', uuid: ALPHA.uuid, name: 'alpha', rawFormat: 'xml' });
    expect((await driver.consoleDevices(ALPHA)).map((c) => c.devName)).toEqual(['serial0']);
    expect(runner.argvs()[0]).toEqual(['virsh', '-c', URI, 'dumpxml', '--domain', ALPHA.uuid]);
  });

  it('console command', () => {
    const driver = new LibvirtDriver(new FramingRunner(() => ({})), { uri: URI });
    expect(driver.consoleCommand(ALPHA)).toEqual(['virsh', '-c', URI, 'console', '--force', ALPHA.uuid]);
    expect(driver.consoleCommand(ALPHA, 'serial1')).toEqual(['virsh', '-c', URI, 'console', '--force', ALPHA.uuid, '--devname', 'serial1']);
  });
});

describe('refresh framing', () => {
  it('draws a new boundary for every run', async () => {
    const runner = new FramingRunner(() => refreshReply('captured-qemu'));
    const driver = new LibvirtDriver(runner, { uri: URI });
    await driver.refresh();
    await driver.refresh();
    const boundaries = runner.argvs().map((a) => scriptFraming(a[3]!)!.boundary);
    expect(boundaries[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(boundaries[1]).not.toBe(boundaries[0]);
  });

  it.each(['@@vmdeck:end@@', '@@vmdeck:stats@@', '@@vmdeck:hostname@@', '@@vmdeck:names@@'])('a guest named %s is just a guest', async (name) => {
    // The captured QEMU refresh with beta renamed everywhere to a marker of the old fixed framing.
    const rename = (t: string) => t.replace(/\bbeta\b/g, name);
    const runner = new FakeRunner((argv) => {
      const r = refreshReply('captured-qemu');
      return { ...r, stdout: rename(framed(r.stdout!, scriptFraming(argv[3]!)!.boundary)) };
    });
    const { guests } = await new LibvirtDriver(runner, { uri: URI }).refresh();
    expect(guests.map((g) => g.name)).toEqual(['alpha', name]);
  });

  it('a guest named after the compat script\'s old markers is just a guest (name-only listing)', async () => {
    const runner = new FakeRunner((argv) =>
      isFullScript(argv[3])
        ? { exitCode: 1, stderr: "error: command 'list' doesn't support option --id\n" }
        : { stdout: framed(fixture('libvirt/captured/refresh-compat.stdout.txt'), scriptFraming(argv[3]!)!.boundary).replace(/web one/g, '@@vmdeck:end@@') },
    );
    const { guests } = await new LibvirtDriver(runner, { uri: 'test:///x' }).refresh();
    expect(guests.map((g) => g.name)).toContain('@@vmdeck:end@@');
    expect(guests).toHaveLength(7);
  });
});
