import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import type { ChangeHint, GuestRef } from '../../../main/hypervisors/driver';
import { XenDriver } from '../../../main/hypervisors/xen/xen-driver';
import { fixture } from '../parsers/fixtures';
import { fakeClock, FakeRunner, type Reply } from './fake-runner';
import { failure } from '../../support/failure';

const WEB01: GuestRef = { uuid: '5a9d3f7e-8c1b-4f2a-9e63-1d2c7b4a8f01', name: 'web01', domId: 3 };
const MAIL: GuestRef = { uuid: 'c3e1a7b2-44d9-4b6e-8f0a-7e2d95b1c6a4', name: 'mail', domId: 5 };
const HEADER = 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n';

function samples(argv: readonly string[]): Reply {
  const cmd = argv.join(' ');
  if (cmd === 'xl list -v') return { stdout: fixture('xl/xl-list-v.txt') };
  if (cmd === 'xl list -l') return { stdout: fixture('xl/xl-list-l.json') };
  if (cmd === 'xl info') return { stdout: fixture('xl/xl-info.txt') };
  if (cmd === 'xl uptime') return { stdout: fixture('xl/xl-uptime.txt') };
  if (cmd === 'xl list') return { stdout: fixture('xl/xl-list.txt') };
  throw new Error(`unexpected ${cmd}`);
}


describe('XenDriver.refresh', () => {
  it('xl list -v + xl list -l + xl uptime (+ xl info when due): a fixed set of commands', async () => {
    const runner = new FakeRunner(samples);
    const clock = fakeClock(1_000_000);
    const driver = new XenDriver(runner, { clock, factsIntervalMs: 30_000 });
    const { guests, facts } = await driver.refresh();
    expect(runner.argvs()).toEqual([['xl', 'list', '-v'], ['xl', 'list', '-l'], ['xl', 'uptime'], ['xl', 'info']]);
    expect(guests.map((g) => [g.name, g.uuid, g.domId, g.state, g.vcpus, g.maxVcpus, g.memoryKiB, g.maxMemoryKiB, g.osType, g.isControlDomain])).toEqual([
      ['Domain-0', '00000000-0000-0000-0000-000000000000', 0, 'running', 4, undefined, 4096 * 1024, 4194304, 'pv', true],
      ['web01', WEB01.uuid, 3, 'blocked', 2, 2, 2048 * 1024, 2097152, 'pvh', false],
      ['mail', MAIL.uuid, 5, 'paused', 1, 1, 1024 * 1024, 1048576, 'pv', false],
      ['win2019-test-02', '0f7b2c9e-3d4a-4e8b-b1c5-92a6e8d4f370', 7, 'running', 2, 2, 4094 * 1024, 4194304, 'hvm', false],
    ]);
    expect(guests[1]).toMatchObject({ cpuTimeNs: 912_600_000_000, autostart: null, persistent: false, cpuPercent: null });
    expect(facts).toMatchObject({ hostname: 'xenhost01', cpus: 8, memoryKiB: 65373 * 1024, freeMemoryKiB: 53688 * 1024, hypervisor: 'Xen', hypervisorVersion: '4.20.0' });

    runner.calls.length = 0;
    await driver.refresh();
    expect(runner.argvs()).toEqual([['xl', 'list', '-v'], ['xl', 'list', '-l'], ['xl', 'uptime']]);
    await clock.sleep(30_000);
    runner.calls.length = 0;
    await driver.refresh();
    expect(runner.argvs()).toHaveLength(4);
  });

  it('uptime comes from xl uptime (domain start time); a failing xl uptime leaves it unknown, the refresh works', async () => {
    const driver = new XenDriver(new FakeRunner(samples));
    const byName = new Map((await driver.refresh()).guests.map((g) => [g.name, g.uptimeSec]));
    // Reference sample: web01 "2 days,  3:02:22", mail " 3:08:27", Domain-0 "6 days,  3:32:45".
    expect(byName.get('web01')).toBe(2 * 86_400 + 3 * 3600 + 2 * 60 + 22);
    expect(byName.get('mail')).toBe(3 * 3600 + 8 * 60 + 27);
    expect(byName.get('Domain-0')).toBe(6 * 86_400 + 3 * 3600 + 32 * 60 + 45);
    const failing = new XenDriver(new FakeRunner((argv) => (argv.join(' ') === 'xl uptime' ? { exitCode: 1, stderr: 'command not implemented\n' } : samples(argv))));
    const guests = (await failing.refresh()).guests;
    expect(guests).toHaveLength(4);
    expect(guests.every((g) => g.uptimeSec === undefined)).toBe(true);
  });

  it('falls back to plain xl list when -v is not supported, taking UUIDs from the JSON', async () => {
    const runner = new FakeRunner((argv) => (argv.join(' ') === 'xl list -v' ? { exitCode: 2, stderr: "option `v' not supported.\n" } : samples(argv)));
    const driver = new XenDriver(runner);
    expect((await driver.refresh()).guests.map((g) => g.uuid)).toContain(WEB01.uuid);
    runner.calls.length = 0;
    await driver.refresh();
    expect(runner.argvs().map((a) => a.join(' '))).toEqual(['xl list', 'xl list -l', 'xl uptime']);
  });

  it('malformed output is PARSE_ERROR; the next refresh works', async () => {
    let truncate = true;
    const runner = new FakeRunner((argv) => {
      const r = samples(argv);
      return truncate && argv.includes('-l') ? { stdout: r.stdout!.slice(0, 300) } : r;
    });
    const driver = new XenDriver(runner);
    expect(isVmdeckError(await failure(driver.refresh()), 'PARSE_ERROR')).toBe(true);
    truncate = false;
    expect((await driver.refresh()).guests).toHaveLength(4);
  });

  it('a domain whose config xl cannot read is logged on stderr, the others still count', async () => {
    const runner = new FakeRunner((argv) =>
      argv.join(' ') === 'xl list -l' ? { stdout: samples(argv).stdout, stderr: 'libxl: error: libxl_domain.c:2045:libxl_retrieve_domain_configuration: Domain 9:Fail to get domain configuration\n' } : samples(argv),
    );
    expect((await new XenDriver(runner).refresh()).guests).toHaveLength(4);
  });

  it('not root → PERMISSION_DENIED', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 1, stderr: fixture('xl/err-not-root.stderr.txt') }));
    expect(isVmdeckError(await failure(new XenDriver(runner).refresh()), 'PERMISSION_DENIED')).toBe(true);
  });
});

describe('XenDriver lifecycle', () => {
  it('pause is verified with xl list DOM', async () => {
    const runner = new FakeRunner((argv) => (argv[1] === 'list' ? { stdout: `${HEADER}web01                                        3  2048     2     --p---     912.6\n` } : {}));
    await new XenDriver(runner).action(WEB01, 'pause');
    expect(runner.argvs()).toEqual([['xl', 'pause', 'web01'], ['xl', 'list', 'web01']]);
  });

  it('unpause that changed nothing (exit 0) is INVALID_STATE', async () => {
    const runner = new FakeRunner((argv) => (argv[1] === 'list' ? { stdout: `${HEADER}mail                                         5  1024     1     --p---      38.9\n` } : {}));
    const e = await failure(new XenDriver(runner).action(MAIL, 'resume'));
    expect(isVmdeckError(e, 'INVALID_STATE')).toBe(true);
  });

  it('unpause of a running domain: libxl error on stderr with exit 0 → INVALID_STATE', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 0, stderr: fixture('xl/err-unpause-not-paused.stderr.txt') }));
    expect(isVmdeckError(await failure(new XenDriver(runner).action(WEB01, 'resume')), 'INVALID_STATE')).toBe(true);
  });

  it('all-digit names, leading dashes and (null) are addressed by domid', async () => {
    const runner = new FakeRunner(() => ({}));
    const driver = new XenDriver(runner);
    await driver.action({ uuid: 'u', name: '2024', domId: 12 }, 'destroy');
    await driver.action({ uuid: 'u', name: '-rf', domId: 13 }, 'destroy');
    await driver.action({ uuid: 'u', name: '(null)', domId: 14 }, 'destroy');
    await driver.action({ uuid: 'u', name: "it's $(x)", domId: 15 }, 'destroy');
    expect(runner.argvs()).toEqual([['xl', 'destroy', '12'], ['xl', 'destroy', '13'], ['xl', 'destroy', '14'], ['xl', 'destroy', "it's $(x)"]]);
  });

  it.each([
    ['reboot', undefined, [['xl', 'reboot', 'web01']]],
    ['destroy', undefined, [['xl', 'destroy', 'web01']]],
    ['reset', undefined, [['xl', 'trigger', 'web01', 'reset']]],
    ['save', { path: '/var/lib/xen/save/web01.save' }, [['xl', 'save', 'web01', '/var/lib/xen/save/web01.save']]],
    ['restore', { path: '/var/lib/xen/save/web01.save' }, [['xl', 'restore', '/var/lib/xen/save/web01.save']]],
    ['start', { path: '/etc/xen/web01.cfg' }, [['xl', 'create', '/etc/xen/web01.cfg']]],
    ['shutdown', undefined, [['xl', 'shutdown', 'web01']]],
  ] as const)('%s', async (action, options, argvs) => {
    const runner = new FakeRunner(() => ({}));
    await new XenDriver(runner).action(WEB01, action, options);
    expect(runner.argvs()).toEqual(argvs);
  });

  it.each([['start'], ['save'], ['restore'], ['autostart-on'], ['autostart-off']] as const)('%s without a path is UNSUPPORTED, with nothing run', async (action) => {
    const runner = new FakeRunner(() => ({}));
    expect(isVmdeckError(await failure(new XenDriver(runner).action(WEB01, action)), 'UNSUPPORTED')).toBe(true);
    expect(runner.calls).toHaveLength(0);
  });

  it('Domain-0 has no lifecycle', async () => {
    const runner = new FakeRunner(() => ({}));
    const e = await failure(new XenDriver(runner).action({ uuid: '0', name: 'Domain-0', domId: 0 }, 'destroy'));
    expect(isVmdeckError(e, 'UNSUPPORTED')).toBe(true);
  });

  it('shutdown with a timeout polls until the domain is gone', async () => {
    let polls = 0;
    const runner = new FakeRunner((argv) => {
      if (argv[1] !== 'list') return {};
      return ++polls < 3 ? { stdout: `${HEADER}web01                                        3  2048     2     -b----     912.6\n` } : { exitCode: 1, stderr: fixture('xl/err-invalid-domain-name.stderr.txt') };
    });
    await new XenDriver(runner, { clock: fakeClock() }).action(WEB01, 'shutdown', { timeoutSec: 30 });
    expect(polls).toBe(3);
  });

  it('shutdown with a timeout → TIMEOUT when the domain stays', async () => {
    const runner = new FakeRunner((argv) => (argv[1] === 'list' ? { stdout: `${HEADER}web01                                        3  2048     2     -b----     912.6\n` } : {}));
    expect(isVmdeckError(await failure(new XenDriver(runner, { clock: fakeClock() }).action(WEB01, 'shutdown', { timeoutSec: 3 })), 'TIMEOUT')).toBe(true);
  });

  it('shutdown of an HVM guest without PV drivers is UNSUPPORTED (force it instead)', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 1, stderr: fixture('xl/err-shutdown-hvm-no-pv-drivers.stderr.txt') }));
    expect(isVmdeckError(await failure(new XenDriver(runner).action(WEB01, 'shutdown')), 'UNSUPPORTED')).toBe(true);
  });
});

describe('XenDriver watch, details, consoles', () => {
  it('xenstore-watch: the registration echoes are skipped, every later line is a hint', async () => {
    const runner = new FakeRunner(samples);
    const driver = new XenDriver(runner);
    await driver.refresh();
    const hints: ChangeHint[] = [];
    const watch = await driver.watch((h) => hints.push(h));
    expect(runner.streams[0]?.argv).toEqual(['xenstore-watch', '@introduceDomain', '@releaseDomain']);
    runner.streams[0]!.emit(fixture('xl/xenstore-watch-special.stdout.txt'));
    runner.streams[0]!.emit('@releaseDomain/3\n');
    expect(hints).toEqual([{ detail: '@introduceDomain' }, { detail: '@releaseDomain' }, { detail: '@releaseDomain' }, { detail: '@releaseDomain/3' }]);
    watch.dispose();
  });

  it('details from xl list -l DOM', async () => {
    const runner = new FakeRunner(() => ({ stdout: fixture('xl/xl-list-l-web01.json') }));
    const d = await new XenDriver(runner).details(WEB01);
    expect(runner.argvs()).toEqual([['xl', 'list', '-l', 'web01']]);
    expect(d).toMatchObject({ hostId: '', uuid: WEB01.uuid, osType: 'pvh', toolstack: 'xen' });
  });

  it('console command: xl console [-t TYPE [-n N]] DOM', () => {
    const driver = new XenDriver(new FakeRunner(() => ({})));
    expect(driver.consoleCommand(WEB01)).toEqual(['xl', 'console', 'web01']);
    expect(driver.consoleCommand(WEB01, 'serial')).toEqual(['xl', 'console', '-t', 'serial', 'web01']);
    expect(driver.consoleCommand({ ...WEB01, name: '2024' }, 'pv:1')).toEqual(['xl', 'console', '-t', 'pv', '-n', '1', '3']);
    expect(() => driver.consoleCommand(WEB01, '; rm -rf /')).toThrow(/unknown xl console device/);
  });
});
