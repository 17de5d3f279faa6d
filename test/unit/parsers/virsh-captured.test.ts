import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  parseDomstats,
  parseVirshDomInfo,
  parseVirshIdUuidNameList,
  parseVirshListTable,
  parseVirshNodeCpuStats,
  parseVirshNodeInfo,
  parseVirshNodeMemStats,
  parseVirshUuidList,
  parseVirshUuidNameList,
  parseVirshVersion,
} from '../../../main/core/parsers';
import { fixture, fixtureNames } from './fixtures';

const T = 'libvirt/captured';
const Q = 'libvirt/captured-qemu';

describe('virsh domstats --raw', () => {
  it('test driver: states of every kind, names with quotes, spaces, unicode, leading dashes', () => {
    const stats = parseDomstats(fixture(`${T}/domstats-raw.txt`));
    const byName = Object.fromEntries(stats.map((s) => [s.name, s.state]));
    expect(byName).toEqual({
      '2024': 'crashed',
      'ünïcode-名前': 'pmsuspended',
      'web one': 'running',
      'kitchen-sink': 'running',
      'off\'quote "dq" $(x)': 'shutoff',
      'paused-db': 'paused',
      '-dash --all': 'shutdown',
    });
  });

  it('QEMU: balloon, vcpu, cpu time and reasons in words', () => {
    const text = fixture(`${Q}/refresh.stdout.txt`);
    const section = text.slice(text.indexOf('@@vmdeck:stats@@') + 17, text.indexOf('@@vmdeck:hostname@@'));
    const [alpha, beta] = parseDomstats(section);
    expect(alpha).toMatchObject({ name: 'alpha', state: 'running', reason: 'booted', balloonCurrentKiB: 163840, balloonMaximumKiB: 163840, vcpuCurrent: 1, vcpuMaximum: 1 });
    expect(alpha?.cpuTimeNs).toBeGreaterThan(0);
    expect(beta).toMatchObject({ name: 'beta', state: 'shutoff', reason: 'shutdown' });
  });
});

describe('virsh list', () => {
  it('uuid + name, uuid + id + name, uuid only', () => {
    const named = parseVirshUuidNameList(fixture(`${T}/list-uuid-name.txt`));
    expect(named).toHaveLength(7);
    expect(named.find((d) => d.uuid.endsWith('03'))?.name).toBe('off\'quote "dq" $(x)');
    const ids = parseVirshIdUuidNameList(fixture(`${T}/list-id-uuid-name.txt`));
    expect(ids.find((d) => d.name === 'web one')?.id).toBe(1);
    expect(ids.find((d) => d.uuid.endsWith('03'))?.id).toBeNull();
    expect(parseVirshUuidList(fixture(`${T}/list-persistent-uuid.txt`))).toHaveLength(6);
  });

  it('the human table, parsed from the right', () => {
    const rows = parseVirshListTable(fixture(`${T}/list-all.txt`));
    expect(rows.map((r) => [r.id, r.name, r.state])).toContainEqual([null, 'off\'quote "dq" $(x)', 'shutoff']);
    expect(rows.map((r) => [r.id, r.name, r.state])).toContainEqual([5, '-dash --all', 'shutdown']);
  });
});

describe('virsh key/value outputs', () => {
  it('dominfo', () => {
    expect(parseVirshDomInfo(fixture(`${T}/dominfo-web-one.txt`))).toMatchObject({
      id: 1, name: 'web one', uuid: '11111111-2222-3333-4444-555555555501', state: 'running', vcpus: 1, maxMemoryKiB: 2097152, memoryKiB: 1048576, persistent: true, autostart: false, hasManagedSave: false,
    });
    expect(parseVirshDomInfo(fixture(`${T}/dominfo-off-quote.txt`))).toMatchObject({ id: null, state: 'shutoff', hasManagedSave: true });
  });

  it('nodeinfo, nodecpustats, nodememstats, version', () => {
    expect(parseVirshNodeInfo(fixture(`${T}/nodeinfo.txt`))).toEqual({ cpuModel: 'x86_64', cpus: 8, mhz: 2400, memoryKiB: 16777216 });
    expect(parseVirshNodeCpuStats(fixture(`${T}/nodecpustats.txt`))).toHaveProperty('idle');
    expect(parseVirshNodeMemStats('total  :             24684092 KiB\nfree   :             22970780 KiB\n')).toEqual({ totalKiB: 24684092, freeKiB: 22970780 });
    expect(parseVirshVersion(fixture(`${T}/version.txt`))).toMatchObject({ hypervisor: 'TEST', hypervisorVersion: '0.0.2' });
  });
});

describe('virsh failures', () => {
  const expected: Record<string, string> = {
    'already-running': 'INVALID_STATE',
    'bad-option': 'UNSUPPORTED',
    connect: 'UNREACHABLE',
    'no-such-domain': 'NOT_FOUND',
    'not-paused': 'INVALID_STATE',
    'not-running': 'INVALID_STATE',
    unsupported: 'UNSUPPORTED',
  };
  const captured = fixtureNames(T).filter((f) => f.startsWith('err-') && f.endsWith('.stderr.txt')).map((f) => f.slice(4, -'.stderr.txt'.length));

  it('every captured failure has an expectation', () => expect(captured.sort()).toEqual(Object.keys(expected).sort()));

  it.each(captured)('%s', (name) => {
    const stderr = fixture(`${T}/err-${name}.stderr.txt`);
    const exitCode = Number(fixture(`${T}/err-${name}.exit.txt`).trim());
    expect(classifyFailure('virsh', { argv: ['virsh'], stderr, exitCode }).code).toBe(expected[name]);
  });

  it.each([
    ["error: failed to get domain 'x'\n", 'NOT_FOUND'],
    ["error: Failed to start domain 'x'\nerror: Requested operation is not valid: domain is not running\n", 'INVALID_STATE'],
    ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied\n", 'PERMISSION_DENIED'],
    ["error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/virtqemud-sock': No such file or directory\n", 'UNREACHABLE'],
    ["error: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'\n", 'PERMISSION_DENIED'],
    ['error: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainSuspend)\n', 'TIMEOUT'],
    ['error: this function is not supported by the connection driver: virDomainManagedSave\n', 'UNSUPPORTED'],
    ["error: operation failed: domain 'x' already exists with uuid 1234\n", 'ALREADY_EXISTS'],
    ['error: Failed to restore domain from /nope\nerror: Failed to open file \'/nope\': No such file or directory\n', 'NOT_FOUND'],
    ['error: operation failed: Active console session exists for this domain\n', 'INVALID_STATE'],
  ])('known libvirt message %#', (stderr, code) => {
    expect(classifyFailure('virsh', { argv: ['virsh'], stderr, exitCode: 1 }).code).toBe(code);
  });
});
