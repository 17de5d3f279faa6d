import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { displayLabel, endpointEquals, parseLibvirtDisplays, parseXenstoreDisplays } from '../../../main/core/parsers/display-endpoints';
import { fixture } from './fixtures';

describe('parseLibvirtDisplays', () => {
  it('reads a running guest VNC on TCP (captured from the lab)', () => {
    const [d, ...rest] = parseLibvirtDisplays(fixture('libvirt/captured-qemu/alpha-live-vnc-tcp.xml'));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ index: 0, protocol: 'vnc', autoport: true, hasPassword: false, endpoint: { kind: 'tcp', host: '127.0.0.1' } });
    expect(d!.endpoint!.kind === 'tcp' && d!.endpoint!.port).toBeGreaterThanOrEqual(5900);
    expect(d!.label).toMatch(/^VNC 127\.0\.0\.1:59\d\d$/);
  });

  it('reads a VNC UNIX socket (captured from the lab)', () => {
    const [d] = parseLibvirtDisplays(fixture('libvirt/captured-qemu/gamma-live-vnc-socket.xml'));
    expect(d!.endpoint).toEqual({ kind: 'unix', path: expect.stringMatching(/\/domain-\d+-gamma\/vnc\.sock$/) as unknown as string });
    expect(d!.label).toMatch(/^VNC socket \//);
  });

  it('tells SPICE from VNC, maps wildcard listens to loopback, sees passwords, leaves unassigned ports without an endpoint', () => {
    const ds = parseLibvirtDisplays(fixture('libvirt/handwritten/graphics-mixed.xml'));
    expect(ds.map((d) => d.protocol)).toEqual(['spice', 'vnc', 'vnc']);
    expect(ds[0]!.endpoint).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5931 });
    expect(ds[1]!.endpoint).toBeUndefined();
    expect(ds[1]!.hasPassword).toBe(true);
    expect(ds[1]!.label).toBe('VNC (not listening)');
    expect(ds[2]).toMatchObject({ hasPassword: true, endpoint: { kind: 'tcp', host: '192.168.122.1', port: 5944 } });
  });

  it('a guest without graphics has no displays; bad XML is PARSE_ERROR', () => {
    expect(parseLibvirtDisplays('<domain><name>x</name><devices><serial type="pty"/></devices></domain>')).toEqual([]);
    try {
      parseLibvirtDisplays('<domain><devices><graphics type="vnc"');
      expect.unreachable();
    } catch (e) {
      expect(isVmdeckError(e) && e.code).toBe('PARSE_ERROR');
    }
  });
});

describe('parseXenstoreDisplays', () => {
  const ls = (domId: number, extra = '') =>
    [
      `/local/domain/${domId}/console/backend = "/local/domain/0/backend/console/${domId}/0"`,
      `/local/domain/${domId}/console/port = "2"`,
      `/local/domain/${domId}/console/vnc-port = "5901"`,
      extra,
    ].join('\n');

  it('reads vnc-port and vnc-listen as xl vncviewer does (listen defaults to localhost)', () => {
    expect(parseXenstoreDisplays(ls(3), 3)).toEqual([
      { index: 0, protocol: 'vnc', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 5901 }, hasPassword: false, label: 'VNC 127.0.0.1:5901' },
    ]);
    const [d] = parseXenstoreDisplays(ls(3, '/local/domain/3/console/vnc-listen = "10.0.0.5"\n/local/domain/3/console/vnc-pass = "pw"'), 3);
    expect(d).toMatchObject({ endpoint: { host: '10.0.0.5', port: 5901 }, hasPassword: true });
  });

  it('only reads the given domain, ignores permissions (-p), and no vnc-port means no display', () => {
    expect(parseXenstoreDisplays(ls(3), 4)).toEqual([]);
    const withPerms = '/local/domain/5/console/vnc-port = "5905"  (n0,r5)\n';
    expect(parseXenstoreDisplays(withPerms, 5)[0]!.endpoint).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5905 });
    expect(parseXenstoreDisplays('/local/domain/5/console/tty = "/dev/pts/3"\n', 5)).toEqual([]);
  });

  it('a garbled line or a bad port is PARSE_ERROR', () => {
    for (const text of ['/local/domain/5/console/vnc-port 5905', '/local/domain/5/console/vnc-port = "70000"']) {
      try {
        parseXenstoreDisplays(text, 5);
        expect.unreachable();
      } catch (e) {
        expect(isVmdeckError(e) && e.code).toBe('PARSE_ERROR');
      }
    }
  });
});

describe('display helpers', () => {
  it('labels and compares endpoints', () => {
    expect(displayLabel({ protocol: 'vnc', endpoint: { kind: 'tcp', host: 'fe80::1', port: 5900 } })).toBe('VNC [fe80::1]:5900');
    expect(endpointEquals({ kind: 'tcp', host: 'a', port: 1 }, { kind: 'tcp', host: 'a', port: 1 })).toBe(true);
    expect(endpointEquals({ kind: 'tcp', host: 'a', port: 1 }, { kind: 'tcp', host: 'a', port: 2 })).toBe(false);
    expect(endpointEquals({ kind: 'unix', path: '/x' }, { kind: 'tcp', host: '/x', port: 1 })).toBe(false);
  });
});
