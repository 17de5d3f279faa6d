import { describe, expect, it } from 'vitest';
import {
  parseXenstoreWatchLine,
  parseXentop,
  parseXlInfo,
  parseXlList,
  parseXlListJson,
  XEN_CONTROL_DOMAIN_UUID,
  xlConfigToDetails,
  xlStateFromFlags,
} from '../../../main/core/parsers';
import { fixture } from './fixtures';

describe('xl list', () => {
  it('parses the TAB header and rows from the right', () => {
    const rows = parseXlList(fixture('xl/xl-list.txt'));
    expect(rows.map((r) => [r.name, r.domId, r.memoryMiB, r.vcpus, r.state, r.cpuTimeSec])).toEqual([
      ['Domain-0', 0, 4096, 4, 'running', 3418.2],
      ['web01', 3, 2048, 2, 'blocked', 912.6],
      ['mail', 5, 1024, 1, 'paused', 38.9],
      ['win2019-test-02', 7, 4094, 2, 'running', 1450.3],
    ]);
  });

  it('reads UUIDs from xl list -v', () => {
    const rows = parseXlList(fixture('xl/xl-list-v.txt'));
    expect(rows.map((r) => r.uuid)).toEqual([
      XEN_CONTROL_DOMAIN_UUID,
      '5a9d3f7e-8c1b-4f2a-9e63-1d2c7b4a8f01',
      'c3e1a7b2-44d9-4b6e-8f0a-7e2d95b1c6a4',
      '0f7b2c9e-3d4a-4e8b-b1c5-92a6e8d4f370',
    ]);
    expect(rows[1]?.name).toBe('web01');
  });

  it.each(['xl-list-c.txt', 'xl-list-n.txt', 'xl-list-web01.txt'])('tolerates extra columns: %s', (file) => {
    const rows = parseXlList(fixture(`xl/${file}`));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.uuid === undefined && r.name !== '' && !r.name.includes('Pool'))).toBe(true);
  });

  it('maps shutdown reasons and dying domains', () => {
    const rows = parseXlList(fixture('xl/xl-list-other-states.txt'));
    expect(rows.map((r) => [r.name, r.state, r.stateReason])).toEqual([
      ['Domain-0', 'running', undefined],
      ['web01', 'shutoff', 'poweroff'],
      ['mail', 'crashed', 'crash'],
      ['win2019-test-02', 'shutdown', 'reboot'],
      ['(null)', 'dying', undefined],
    ]);
  });

  it('keeps names with spaces and names longer than 40 characters', () => {
    const long = 'a-very-long-guest-name-that-exceeds-forty-characters';
    const text =
      'Name                                        ID   Mem VCPUs\tState\tTime(s)\n' +
      `${long} 12   512     1     -b----      1.0\n` +
      'name with  spaces 7                         13   512     1     r-----      2.5\n';
    expect(parseXlList(text).map((r) => [r.name, r.domId])).toEqual([
      [long, 12],
      ['name with  spaces 7', 13],
    ]);
  });

  it('state flags: paused+blocked is paused, runnable is running', () => {
    expect(xlStateFromFlags('-bp---').state).toBe('paused');
    expect(xlStateFromFlags('------')).toEqual({ state: 'running', stateReason: 'runnable' });
    expect(xlStateFromFlags('---sw-')).toEqual({ state: 'crashed', stateReason: 'watchdog' });
  });
});

describe('xl list -l JSON', () => {
  it.each(['xl-list-l.json', 'xl-list-l.json-c-xen4.21.json'])('%s: both pretty-printers give the same domains', (file) => {
    const configs = parseXlListJson(fixture(`xl/${file}`));
    expect(configs.map((c) => [c.domId, c.name, c.uuid, c.type, c.maxVcpus, c.maxMemoryKiB])).toEqual([
      [0, 'Domain-0', XEN_CONTROL_DOMAIN_UUID, 'pv', undefined, 4194304],
      [3, 'web01', '5a9d3f7e-8c1b-4f2a-9e63-1d2c7b4a8f01', 'pvh', 2, 2097152],
      [5, 'mail', 'c3e1a7b2-44d9-4b6e-8f0a-7e2d95b1c6a4', 'pv', 1, 1048576],
      [7, 'win2019-test-02', '0f7b2c9e-3d4a-4e8b-b1c5-92a6e8d4f370', 'hvm', 2, 4194304],
    ]);
  });

  it('turns a PVH guest into details (json-c escapes "/")', () => {
    const web01 = parseXlListJson(fixture('xl/xl-list-l.json-c-xen4.21.json'))[1]!;
    const d = xlConfigToDetails(web01);
    expect(d).toMatchObject({
      toolstack: 'xen',
      osType: 'pvh',
      vcpus: 2,
      maxVcpus: 2,
      memoryKiB: 2097152,
      firmware: 'direct kernel',
      disks: [{ device: 'disk', target: 'xvda', source: '/dev/vg0/web01-disk', format: 'raw' }],
      nics: [{ mac: '00:16:3e:5a:12:01', source: 'xenbr0', type: 'vif' }],
      consoles: [{ kind: 'pv', devName: 'pv' }],
      rawFormat: 'json',
    });
    expect(d.disks[0]?.readonly).toBeUndefined();
  });

  it('turns an HVM guest into details: cdrom, serial console, VNC, boot order', () => {
    const win = parseXlListJson(fixture('xl/xl-list-l.json'))[3]!;
    const d = xlConfigToDetails(win);
    expect(d.bootOrder).toEqual(['cdrom', 'disk']);
    expect(d.firmware).toBe('bios');
    expect(d.disks.map((x) => [x.device, x.target, x.readonly])).toEqual([
      ['disk', 'hda', undefined],
      ['cdrom', 'hdc', true],
    ]);
    expect(d.nics[0]).toMatchObject({ model: 'e1000', type: 'vif_ioemu' });
    expect(d.consoles.map((c) => c.devName)).toEqual(['serial', 'pv']);
    expect(d.graphics).toEqual([{ type: 'vnc', listen: '127.0.0.1' }]);
    expect(JSON.parse(d.raw)).toMatchObject({ domid: 7 });
  });

  it('parses a single-domain listing and the dry-run object form', () => {
    expect(parseXlListJson(fixture('xl/xl-list-l-web01.json')).map((c) => c.domId)).toEqual([3]);
    expect(() => parseXlListJson(fixture('xl/xl-N-create-web01.stdout.json'))).toThrow(/domid/);
  });

  it('ignores unknown keys', () => {
    const text = JSON.stringify([{ domid: 9, future: { x: 1 }, config: { c_info: { name: 'n', uuid: 'AB', new_key: 1 }, b_info: { xenstore_quota: {} } } }]);
    expect(parseXlListJson(text)[0]).toMatchObject({ domId: 9, name: 'n', uuid: 'ab' });
  });
});

describe('xentop -b', () => {
  it('uses the last block of a two-iteration run', () => {
    const rows = parseXentop(fixture('xl/xentop-b-d1-i2.txt'));
    expect(rows.map((r) => [r.name, r.state, r.cpuPercent])).toEqual([
      ['Domain-0', 'running', 3.2],
      ['mail', 'paused', 0],
      ['web01', 'blocked', 1.4],
      ['win2019-te', 'running', 48.7],
    ]);
  });

  it('parses single and full-name runs', () => {
    expect(parseXentop(fixture('xl/xentop-b-i1.txt'))).toHaveLength(4);
    const full = parseXentop(fixture('xl/xentop-b-f-i1.txt'));
    expect(full.map((r) => r.name)).toContain('win2019-test-02');
    expect(full.find((r) => r.name === 'web01')).toMatchObject({ memoryKiB: 2097152, maxMemoryKiB: 2098176, vcpus: 2, cpuSec: 912 });
  });

  it('reads "no limit" and "n/a"', () => {
    const header = '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID';
    const row = '  Domain-0 -----r       3418    0.0    4194304    6.3   no limit       n/a     4    0        0        0    0        -        -        -          -          -    0';
    expect(parseXentop(`${header}\n${row}\n`)[0]).toMatchObject({ name: 'Domain-0', maxMemoryKiB: null, vcpus: 4 });
  });
});

describe('xl info', () => {
  it('reads host facts', () => {
    const info = parseXlInfo(fixture('xl/xl-info.txt'));
    expect(info).toMatchObject({ host: 'xenhost01', nrCpus: 8, totalMemoryMiB: 65373, freeMemoryMiB: 53688, xenVersion: '4.20.0', xenScheduler: 'credit2' });
    expect(info.virtCaps).toContain('hvm');
    expect(info.fields.hw_caps).toContain(':');
    expect(info.fields.xen_changeset).toBe('');
  });
});

describe('xenstore-watch', () => {
  it('reports the fired paths', () => {
    const events = fixture('xl/xenstore-watch-special.stdout.txt').split('\n').map(parseXenstoreWatchLine).filter((e) => e !== null);
    expect(events.map((e) => e.path)).toEqual(['@introduceDomain', '@releaseDomain', '@introduceDomain', '@releaseDomain', '@releaseDomain']);
    expect(parseXenstoreWatchLine('@releaseDomain/7')).toEqual({ path: '@releaseDomain/7', domId: 7 });
    expect(parseXenstoreWatchLine('/local/domain/3/control/shutdown')).toEqual({ path: '/local/domain/3/control/shutdown', domId: 3 });
    expect(parseXenstoreWatchLine('')).toBeNull();
  });
});
