import { describe, expect, it } from 'vitest';
import { cpuPercent, diffGuests } from '../../../main/core/guest-diff';
import type { Guest } from '../../../main/core/models';

const g = (uuid: string, over: Partial<Guest> = {}): Guest => ({
  hostId: 'h',
  uuid,
  name: uuid,
  domId: 1,
  state: 'running',
  vcpus: 1,
  memoryKiB: 1024,
  maxMemoryKiB: 1024,
  cpuTimeNs: 0,
  cpuPercent: null,
  autostart: false,
  persistent: true,
  ...over,
});

describe('diffGuests', () => {
  it('keys by UUID: a rename is a change, not a remove plus add', () => {
    const prev = new Map([['u1', g('u1', { name: 'old' })]]);
    const d = diffGuests('h', prev, [g('u1', { name: 'new' })]);
    expect(d).toEqual({ hostId: 'h', added: [], removed: [], changed: [g('u1', { name: 'new' })] });
  });

  it('reports added, removed and changed guests and ignores CPU time alone', () => {
    const prev = new Map([
      ['a', g('a')],
      ['b', g('b')],
      ['c', g('c')],
    ]);
    const d = diffGuests('h', prev, [g('a', { cpuTimeNs: 99 }), g('c', { state: 'paused' }), g('d')]);
    expect(d.added.map((x) => x.uuid)).toEqual(['d']);
    expect(d.removed).toEqual(['b']);
    expect(d.changed.map((x) => x.uuid)).toEqual(['c']);
  });

  it('a new Xen domid (reboot) is a change', () => {
    const d = diffGuests('h', new Map([['a', g('a', { domId: 3 })]]), [g('a', { domId: 9 })]);
    expect(d.changed).toHaveLength(1);
  });
});

describe('cpuPercent', () => {
  it('is CPU time over wall time, null without a usable previous sample', () => {
    expect(cpuPercent(undefined, undefined, 5e9, 1000)).toBeNull();
    expect(cpuPercent(0, 0, 0.5e9, 1000)).toBe(50);
    expect(cpuPercent(0, 0, 2e9, 1000)).toBe(200);
    expect(cpuPercent(5e9, 0, 1e9, 1000)).toBeNull(); // counter went backwards: guest restarted
  });
});
