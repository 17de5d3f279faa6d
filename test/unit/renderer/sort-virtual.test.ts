import { describe, expect, it } from 'vitest';
import type { Guest } from '../../../main/core/models';
import { compareGuests, nextSort, sortGuests, type SortableGuest } from '../../../renderer/src/lib/logic/sort';
import { computeWindow, scrollIntoView } from '../../../renderer/src/lib/logic/virtual';
import { clickSelect } from '../../../renderer/src/lib/logic/selection';

function guest(p: Partial<Guest> & { name: string }): Guest {
  return {
    hostId: 'h1', uuid: `uuid-${p.name}`, domId: null, state: 'running', vcpus: 1, memoryKiB: 1024, maxMemoryKiB: 1024,
    cpuTimeNs: 0, cpuPercent: null, autostart: false, persistent: true, ...p,
  };
}
const row = (g: Guest, hostName = 'kvm1'): SortableGuest => ({ key: `${g.hostId}/${g.uuid}`, guest: g, hostName });

describe('sorting', () => {
  it('sorts names naturally (web-2 before web-10)', () => {
    const rows = ['web-10', 'web-2', 'Web-1'].map((n) => row(guest({ name: n })));
    expect(sortGuests(rows, { column: 'name', direction: 'asc' }).map((r) => r.guest.name)).toEqual(['Web-1', 'web-2', 'web-10']);
  });

  it('puts unknown CPU last in both directions', () => {
    const rows = [row(guest({ name: 'a', cpuPercent: null })), row(guest({ name: 'b', cpuPercent: 5 })), row(guest({ name: 'c', cpuPercent: 50 }))];
    expect(sortGuests(rows, { column: 'cpu', direction: 'desc' }).map((r) => r.guest.name)).toEqual(['c', 'b', 'a']);
    expect(sortGuests(rows, { column: 'cpu', direction: 'asc' }).map((r) => r.guest.name)).toEqual(['b', 'c', 'a']);
  });

  it('orders states by liveliness and breaks ties by name', () => {
    const rows = [
      row(guest({ name: 'z', state: 'shutoff' })),
      row(guest({ name: 'b', state: 'running' })),
      row(guest({ name: 'a', state: 'running' })),
      row(guest({ name: 'p', state: 'paused' })),
    ];
    expect(sortGuests(rows, { column: 'state', direction: 'asc' }).map((r) => r.guest.name)).toEqual(['a', 'b', 'p', 'z']);
  });

  it('is deterministic for identical names on different hosts', () => {
    const a = row(guest({ name: 'x', hostId: 'h1' }), 'kvm1');
    const b = row(guest({ name: 'x', hostId: 'h2' }), 'kvm2');
    expect(compareGuests(a, b, { column: 'name', direction: 'asc' })).toBeLessThan(0);
    expect(compareGuests(b, a, { column: 'name', direction: 'desc' })).toBeGreaterThan(0);
  });

  it('header clicks flip direction; numeric columns start descending', () => {
    expect(nextSort({ column: 'name', direction: 'asc' }, 'name')).toEqual({ column: 'name', direction: 'desc' });
    expect(nextSort({ column: 'name', direction: 'asc' }, 'cpu')).toEqual({ column: 'cpu', direction: 'desc' });
    expect(nextSort({ column: 'cpu', direction: 'desc' }, 'host')).toEqual({ column: 'host', direction: 'asc' });
  });
});

describe('virtual window', () => {
  it('renders only the visible rows plus overscan', () => {
    const w = computeWindow(0, 260, 26, 5000, 5);
    expect(w).toEqual({ start: 0, end: 16, offsetTop: 0, totalHeight: 130000 });
  });

  it('scrolled to the middle', () => {
    const w = computeWindow(26 * 2500 + 13, 260, 26, 5000, 5);
    expect(w.start).toBe(2495);
    expect(w.end).toBe(2500 + 11 + 5);
    expect(w.offsetTop).toBe(2495 * 26);
    expect(w.end - w.start).toBeLessThan(30);
  });

  it('clamps overscroll at the end and beyond', () => {
    const w = computeWindow(1e9, 260, 26, 5000, 5);
    expect(w.end).toBe(5000);
    expect(w.start).toBe(5000 - 10 - 5);
  });

  it('handles empty lists and tiny viewports', () => {
    expect(computeWindow(100, 500, 26, 0)).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
    const w = computeWindow(0, 0, 26, 3, 0);
    expect(w.start).toBe(0);
    expect(w.end).toBe(1);
  });

  it('scrollIntoView moves minimally', () => {
    expect(scrollIntoView(0, 0, 260, 26)).toBeNull();
    expect(scrollIntoView(20, 0, 260, 26)).toBe(21 * 26 - 260);
    expect(scrollIntoView(5, 26 * 10, 260, 26)).toBe(5 * 26);
  });
});

describe('selection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];
  const empty = { selected: new Set<string>(), anchor: null, focus: null };
  it('click selects one, ctrl toggles, shift selects a range from the anchor', () => {
    let s = clickSelect(empty, order, 'b', {});
    expect([...s.selected]).toEqual(['b']);
    s = clickSelect(s, order, 'd', { shift: true });
    expect([...s.selected]).toEqual(['b', 'c', 'd']);
    s = clickSelect(s, order, 'c', { toggle: true });
    expect([...s.selected].sort()).toEqual(['b', 'd']);
    expect(s.anchor).toBe('c');
    s = clickSelect(s, order, 'a', { shift: true });
    expect([...s.selected]).toEqual(['a', 'b', 'c']);
  });
});
