// The LXC parsers against output captured from Debian 12's lxc 5.0.2 on the lab's ct1 (test/fixtures/lxc).
import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import {
  classifyFailure,
  cpusetCount,
  decodeHexName,
  lxcConfigToDetails,
  lxcGuestState,
  parseLxcConfig,
  parseLxcInfo,
  parseLxcInventory,
  parseLxcMonitorLine,
  parseLxcSize,
} from '../../../main/core/parsers';
import { fixture, fixtureNames } from './fixtures';

const TOKEN = '0123456789abcdef0123456789abcdef';
const HOSTILE = 'it\'s a "ct" ünï $(touch vmdeck-pwned)';
const cap = (name: string) => fixture(`lxc/captured/${name}`);

describe('LXC inventory script output', () => {
  const inv = parseLxcInventory(cap('inventory.stdout.txt'), TOKEN);

  it('reads every container, hostile and newline names included, with state, PID, CPU and memory', () => {
    expect(inv.containers.map((c) => [c.name, c.info.state])).toEqual([
      ['ct-cache', 'FROZEN'],
      ['ct-db', 'STOPPED'],
      ['ct-web', 'RUNNING'],
      [HOSTILE, 'RUNNING'],
      ['nl\nname', 'STOPPED'],
      ['vmdeck-capture-stubborn', 'RUNNING'],
    ]);
    const web = inv.containers.find((c) => c.name === 'ct-web')!;
    expect(web.info.pid).toBeGreaterThan(1);
    expect(web.info.cpuTimeNs).toBeGreaterThan(0);
    expect(web.info.memoryBytes).toBeGreaterThan(0);
    expect(inv.containers.find((c) => c.name === 'ct-db')!.info).toMatchObject({ pid: null, cpuTimeNs: null, memoryBytes: null });
    expect(web.config.map((e) => e.key)).toEqual(['lxc.cgroup.memory.limit_in_bytes', 'lxc.cgroup.cpuset.cpus', 'lxc.start.auto']);
  });

  it('host facts', () => {
    expect(inv.facts).toMatchObject({ uid: 0, lxcpath: '/var/lib/lxc', version: '5.0.2' });
    expect(inv.facts.cpus).toBeGreaterThan(0);
    expect(inv.facts.memTotalKiB).toBeGreaterThan(inv.facts.memAvailableKiB);
    expect(inv.facts.machineId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a header with another token is data, not a section: names cannot forge sections', () => {
    const forged = cap('inventory.stdout.txt').replace(`${TOKEN} end\n`, `ffffffffffffffffffffffffffffffff ct 41\n${TOKEN} end\n`);
    const again = parseLxcInventory(forged, TOKEN);
    expect(again.containers).toHaveLength(inv.containers.length);
  });

  it('truncated output (no end marker) and output without facts are PARSE_ERROR', () => {
    const text = cap('inventory.stdout.txt');
    for (const bad of [text.slice(0, text.indexOf(`${TOKEN} end`)), '', 'sh: 1: lxc-config: not found\n', text.replace(/ ct [0-9a-f]+\n/, ' ct zz\n')]) {
      try {
        parseLxcInventory(bad, TOKEN);
        expect.unreachable();
      } catch (e) {
        expect(isVmdeckError(e) && e.code).toBe('PARSE_ERROR');
      }
    }
  });

  it('hex names decode as UTF-8', () => {
    expect(decodeHexName('c3bc6ec3af')).toBe('ünï');
    expect(decodeHexName('6e6c0a6e616d65')).toBe('nl\nname');
    expect(decodeHexName('abc')).toBeNull();
    expect(decodeHexName('')).toBeNull();
  });
});

describe('lxc-info', () => {
  it('raw (-H) and human numbers agree', () => {
    const raw = parseLxcInfo(cap('info-running.stdout.txt'));
    const human = parseLxcInfo(cap('info-running-human.stdout.txt'));
    expect(raw.state).toBe('RUNNING');
    expect(human.pid).toBe(raw.pid);
    expect(Math.abs((human.memoryBytes ?? 0) - (raw.memoryBytes ?? 0))).toBeLessThan(64 * 1024);
    expect(Math.abs((human.cpuTimeNs ?? 0) - (raw.cpuTimeNs ?? 0))).toBeLessThan(0.01e9);
  });

  it('stopped, frozen, state only', () => {
    expect(parseLxcInfo(cap('info-stopped.stdout.txt'))).toMatchObject({ state: 'STOPPED', pid: null });
    expect(parseLxcInfo(cap('info-frozen.stdout.txt'))).toMatchObject({ state: 'FROZEN' });
    expect(parseLxcInfo(cap('info-state.stdout.txt')).state).toBe('FROZEN');
  });

  it('states map onto guest states', () => {
    expect(lxcGuestState('RUNNING')).toEqual({ state: 'running' });
    expect(lxcGuestState('FROZEN')).toEqual({ state: 'paused', reason: 'frozen' });
    expect(lxcGuestState('STOPPED')).toEqual({ state: 'shutoff' });
    expect(lxcGuestState('STOPPING')).toEqual({ state: 'shutdown', reason: 'stopping' });
    expect(lxcGuestState('ABORTING').state).toBe('crashed');
    expect(lxcGuestState('')).toEqual({ state: 'unknown' });
    expect(lxcGuestState('WEIRD')).toEqual({ state: 'unknown', reason: 'weird' });
  });
});

describe('LXC config', () => {
  it('details of the lab container: rootfs, network, mounts, cgroup limits, consoles, raw text kept', () => {
    const raw = cap('config-ct-web.txt');
    const d = lxcConfigToDetails({ uuid: 'u', name: 'ct-web', raw, hostCpus: 2, hostMemoryKiB: 1 << 20, memoryBytes: 315392 });
    expect(d).toMatchObject({ toolstack: 'lxc', kind: 'container', rawFormat: 'lxc-config', raw, rootfs: 'dir:/var/lib/lxc/ct-web/rootfs', vcpus: 1, maxMemoryKiB: 65536, memoryKiB: 308 });
    expect(d.nics).toEqual([{ type: 'empty' }]);
    expect(d.mounts).toEqual([
      { source: 'cgroup:mixed proc:mixed sys:ro', target: '', fstype: 'auto', options: '' },
      { source: 'shm', target: 'dev/shm', fstype: 'tmpfs', options: 'defaults,create=dir' },
    ]);
    expect(d.limits).toEqual([
      { key: 'memory.limit_in_bytes', value: '67108864', hierarchy: 'cgroup' },
      { key: 'cpuset.cpus', value: '0', hierarchy: 'cgroup' },
    ]);
    expect(d.consoles.map((c) => c.devName)).toEqual(['console', 'tty:1', 'shell']);
  });

  it('quotes, legacy lxc.network.*, cgroup2, comments and junk', () => {
    const entries = parseLxcConfig(
      [
        '# comment',
        'lxc.uts.name = "quoted"',
        'lxc.network.type = veth',
        'lxc.network.link = lxcbr0',
        'lxc.network.type = macvlan',
        'lxc.net.1.type = veth',
        'lxc.net.1.hwaddr = 00:16:3e:aa:bb:cc',
        'lxc.net.0.type = phys',
        'lxc.cgroup2.memory.max = 1G',
        'lxc.cgroup2.cpuset.cpus = 0-3,6',
        'not a line',
        'other.key = x',
      ].join('\n'),
    );
    expect(entries.find((e) => e.key === 'lxc.uts.name')?.value).toBe('quoted');
    const d = lxcConfigToDetails({ uuid: 'u', name: 'n', raw: entries.map((e) => `${e.key} = ${e.value}`).join('\n'), hostCpus: 8, hostMemoryKiB: 8 << 20 });
    expect(d.nics.map((n) => n.type)).toEqual(['phys', 'veth', 'veth', 'macvlan']);
    expect(d.nics[1]?.mac).toBe('00:16:3e:aa:bb:cc');
    expect(d.vcpus).toBe(5);
    expect(d.maxMemoryKiB).toBe(1 << 20);
    expect(entries.some((e) => e.key === 'other.key')).toBe(false);
  });

  it('sizes and cpusets', () => {
    expect(parseLxcSize('64M')).toBe(64 << 20);
    expect(parseLxcSize('512K')).toBe(512 << 10);
    expect(parseLxcSize('1GiB')).toBe(1 << 30);
    expect(parseLxcSize('max')).toBeNull();
    expect(cpusetCount('0-3,6')).toBe(5);
    expect(cpusetCount('0,0')).toBe(1);
    expect(cpusetCount('3-1')).toBeNull();
    expect(cpusetCount('')).toBeNull();
  });
});

describe('lxc-monitor lines', () => {
  it('captured freeze / thaw / stop', () => {
    const events = cap('monitor.txt').split('\n').map(parseLxcMonitorLine).filter((e) => e !== null);
    expect(events.map((e) => `${e.name} ${e.kind} ${e.value}`)).toEqual([
      'ct-web state FREEZING',
      'ct-web state FROZEN',
      'ct-web state FROZEN',
      'ct-web state THAWED',
      'ct-web state THAWED',
      'ct-web state RUNNING',
      'vmdeck-capture-stubborn exit 0',
      'vmdeck-capture-stubborn state STOPPING',
      'vmdeck-capture-stubborn state STOPPED',
    ]);
  });

  it("names with quotes and the tail text inside them", () => {
    expect(parseLxcMonitorLine(`'${HOSTILE}' changed state to [RUNNING]`)?.name).toBe(HOSTILE);
    expect(parseLxcMonitorLine("'a' changed state to [X]' changed state to [STOPPED]")?.name).toBe("a' changed state to [X]");
    expect(parseLxcMonitorLine('garbage')).toBeNull();
    expect(parseLxcMonitorLine("'x' something else")).toBeNull();
  });
});

describe('LXC failures', () => {
  const expected: Record<string, string> = {
    'err-info-missing': 'NOT_FOUND',
    'err-start-missing': 'NOT_FOUND',
    'err-stop-stopped': 'INVALID_STATE',
    'err-freeze-stopped': 'INVALID_STATE',
    'err-attach-stopped': 'INVALID_STATE',
    'err-console-stopped': 'INVALID_STATE',
    'err-stop-nokill-timeout': 'COMMAND_FAILED',
  };
  it('every captured err-* sample has its code', () => {
    const names = fixtureNames('lxc/captured')
      .filter((f) => f.startsWith('err-') && f.endsWith('.exit.txt'))
      .map((f) => f.replace('.exit.txt', ''));
    expect(names.sort()).toEqual(Object.keys(expected).sort());
    for (const n of names) {
      const stderr = fixtureNames('lxc/captured').includes(`${n}.stderr.txt`) ? cap(`${n}.stderr.txt`) : '';
      const exitCode = Number(cap(`${n}.exit.txt`).trim());
      const e = classifyFailure('lxc', { argv: ['lxc-x'], stderr, exitCode });
      expect([n, e.code]).toEqual([n, expected[n]]);
      expect(e.details?.stderr).toBe(stderr);
    }
  });
});
