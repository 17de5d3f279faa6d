import { describe, expect, it } from 'vitest';
import type { Guest } from '../../../main/core/models';
import { GuestsState, HISTORY_SAMPLES } from '../../../renderer/src/lib/state/guests.svelte';
import { ConsolesState } from '../../../renderer/src/lib/state/consoles.svelte';
import { PromptsState } from '../../../renderer/src/lib/state/prompts.svelte';
import { ActivityState, ACTIVITY_LIMIT } from '../../../renderer/src/lib/state/activity.svelte';
import { SettingsState, sanitizePrefs } from '../../../renderer/src/lib/state/settings.svelte';
import { guestKey } from '../../../renderer/src/lib/logic/keys';
import { SampleRing } from '../../../renderer/src/lib/logic/ring';
import { isActionEnabled } from '../../../renderer/src/lib/logic/actions';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';

function guest(hostId: string, uuid: string, p: Partial<Guest> = {}): Guest {
  return {
    hostId, uuid, name: `g-${uuid.slice(0, 4)}`, domId: 1, state: 'running', vcpus: 2, memoryKiB: 2048, maxMemoryKiB: 2048,
    cpuTimeNs: 0, cpuPercent: 10, autostart: false, persistent: true, ...p,
  };
}

describe('GuestsState diffs', () => {
  const hostNames: Record<string, string> = { h1: 'kvm1', h2: 'xen1' };
  const make = () => new GuestsState((id) => hostNames[id] ?? id);

  it('keys by host + UUID: the same UUID on two hosts is two guests', () => {
    const s = make();
    s.load([guest('h1', U1), guest('h2', U1)]);
    expect(s.count).toBe(2);
    expect(s.get(guestKey('h1', U1))?.hostId).toBe('h1');
  });

  it('applies added, changed (including a rename) and removed', () => {
    const s = make();
    s.load([guest('h1', U1, { name: 'old' })], 1000);
    s.applyDiff({ hostId: 'h1', added: [guest('h1', U2, { name: 'new-guest' })], changed: [], removed: [] }, 2000);
    expect(s.count).toBe(2);
    s.applyDiff({ hostId: 'h1', added: [], changed: [guest('h1', U1, { name: 'renamed', state: 'paused', cpuPercent: 0 })], removed: [] }, 3000);
    expect(s.get(guestKey('h1', U1))?.name).toBe('renamed');
    expect(s.get(guestKey('h1', U1))?.state).toBe('paused');
    s.applyDiff({ hostId: 'h1', added: [], changed: [], removed: [U2] }, 4000);
    expect(s.count).toBe(1);
    expect(s.has(guestKey('h1', U2))).toBe(false);
  });

  it('a diff for one host never touches another host with the same UUID', () => {
    const s = make();
    s.load([guest('h1', U1), guest('h2', U1)]);
    s.applyDiff({ hostId: 'h2', added: [], changed: [], removed: [U1] });
    expect(s.has(guestKey('h1', U1))).toBe(true);
    expect(s.has(guestKey('h2', U1))).toBe(false);
  });

  it('UUID case does not create duplicates', () => {
    const s = make();
    s.load([guest('h1', U1.toUpperCase())]);
    s.applyDiff({ hostId: 'h1', added: [], changed: [guest('h1', U1)], removed: [] });
    expect(s.count).toBe(1);
  });

  it('keeps a bounded CPU history per guest from the diffs', () => {
    const s = make();
    s.load([guest('h1', U1, { cpuPercent: null })], 0);
    for (let i = 1; i <= HISTORY_SAMPLES + 10; i++) {
      s.applyDiff({ hostId: 'h1', added: [], changed: [guest('h1', U1, { cpuPercent: i })], removed: [] }, i * 1000);
    }
    const series = s.cpuSeries(guestKey('h1', U1));
    expect(series.length).toBe(HISTORY_SAMPLES);
    expect(series[series.length - 1]).toBe(HISTORY_SAMPLES + 10);
    expect(series[0]).toBe(11);
  });

  it('filters and sorts the visible rows; groups by host', () => {
    const s = make();
    s.load([
      guest('h1', U1, { name: 'web-02', state: 'paused' }),
      guest('h2', U2, { name: 'web-01', state: 'running' }),
      guest('h1', '33333333-3333-3333-3333-333333333333', { name: 'db', state: 'paused' }),
    ]);
    expect(s.visible.map((r) => r.guest.name)).toEqual(['db', 'web-01', 'web-02']);
    s.filterText = 'state:paused web';
    expect(s.visible.map((r) => r.guest.name)).toEqual(['web-02']);
    s.filterText = '';
    s.groupByHost = true;
    expect(s.rows.map((r) => (r.kind === 'group' ? `[${r.hostName}]` : r.guest.name))).toEqual(['[kvm1]', 'db', 'web-02', '[xen1]', 'web-01']);
    s.toggleGroup('h1');
    expect(s.rows.map((r) => (r.kind === 'group' ? `[${r.hostName}]` : r.guest.name))).toEqual(['[kvm1]', '[xen1]', 'web-01']);
  });

  it('removing a guest prunes it from the selection; removing a host drops its guests', () => {
    const s = make();
    s.load([guest('h1', U1), guest('h2', U2)]);
    s.select(guestKey('h1', U1));
    s.applyDiff({ hostId: 'h1', added: [], changed: [], removed: [U1] });
    expect(s.selection.selected.size).toBe(0);
    expect(s.current).toBeNull();
    s.removeHost('h2');
    expect(s.count).toBe(0);
  });

  it('moves focus and extends selection with the keyboard', () => {
    const s = make();
    s.load(['a', 'b', 'c'].map((n, i) => guest('h1', `${i}${U1.slice(1)}`, { name: n })));
    s.moveFocus(1);
    expect(s.current?.guest.name).toBe('a');
    s.moveFocus(1, true);
    expect(s.selectedRows.map((r) => r.guest.name)).toEqual(['a', 'b']);
    s.moveFocus(1e9);
    expect(s.current?.guest.name).toBe('c');
  });
});

describe('SampleRing', () => {
  it('keeps the newest samples oldest-first', () => {
    const r = new SampleRing(3);
    for (let i = 1; i <= 5; i++) r.push(i, i * 10);
    expect(r.valuesArray()).toEqual([30, 40, 50]);
    expect(r.last()).toBe(50);
  });
});

describe('ConsolesState', () => {
  const info = (id: string, status: 'attached' | 'closed' = 'attached') => ({ id, hostId: 'h1', uuid: U1, guestName: 'g', status, owned: true });
  it('tracks tabs and the active one', () => {
    const s = new ConsolesState();
    s.upsert(info('a'));
    s.upsert(info('b'), true);
    expect(s.activeId).toBe('b');
    s.update(info('zzz')); // not ours: ignored
    expect(s.list.length).toBe(2);
    s.update(info('b', 'closed'));
    expect(s.get('b')?.status).toBe('closed');
    expect(s.findOpen('h1', U1.toUpperCase())?.id).toBe('a');
    s.remove('b');
    expect(s.activeId).toBe('a');
    s.remove('a');
    expect(s.activeId).toBeNull();
  });
  it('finds an open session by console device', () => {
    const s = new ConsolesState();
    s.upsert({ ...info('a'), device: 'serial0' });
    s.upsert({ ...info('b'), device: 'serial1' });
    expect(s.findOpen('h1', U1)?.id).toBe('a');
    expect(s.findOpen('h1', U1, 'serial1')?.id).toBe('b');
    expect(s.findOpen('h1', U1, 'serial2')).toBeUndefined();
  });
});

describe('PromptsState', () => {
  it('queues prompts, dedupes, closes by id', () => {
    const s = new PromptsState();
    const p = (id: string) => ({ id, hostId: 'h1', kind: 'password' as const, title: '', message: '' });
    s.add(p('1'));
    s.addAll([p('1'), p('2')]);
    expect(s.queue.map((q) => q.id)).toEqual(['1', '2']);
    expect(s.current?.id).toBe('1');
    s.close('1');
    expect(s.current?.id).toBe('2');
  });
});

describe('ActivityState', () => {
  const rec = (i: number, exitCode: number | null = 0) => ({ hostId: i % 2 ? 'h1' : 'h2', argv: ['virsh', 'list', `n${i}`], startedAt: i, durationMs: 5, exitCode, kind: 'exec' as const });
  it('caps, filters by host/text/failure and counts unseen failures', () => {
    const s = new ActivityState();
    for (let i = 0; i < ACTIVITY_LIMIT + 5; i++) s.add(rec(i));
    expect(s.records.length).toBe(ACTIVITY_LIMIT);
    s.add(rec(999_999, 1));
    expect(s.unseenFailures).toBe(1);
    s.onlyFailures = true;
    expect(s.filtered.length).toBe(1);
    s.onlyFailures = false;
    s.hostFilter = 'h1';
    s.textFilter = 'n4999';
    expect(s.filtered.map((r) => r.startedAt)).toEqual([4999]);
  });
});

describe('SettingsState', () => {
  it('persists renderer prefs and sanitises what it reads back', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const s = new SettingsState(storage);
    s.setPrefs({ pasteChunkChars: 32 });
    expect(new SettingsState(storage).prefs.pasteChunkChars).toBe(32);
    expect(sanitizePrefs({ pasteChunkChars: -5, listFraction: 9 }).pasteChunkChars).toBe(1);
    expect(sanitizePrefs('garbage').pasteChunkDelayMs).toBe(20);
  });
});

describe('actions by state', () => {
  it('enables what the toolstacks accept', () => {
    expect(isActionEnabled('start', 'shutoff')).toBe(true);
    expect(isActionEnabled('start', 'running')).toBe(false);
    expect(isActionEnabled('pause', 'running')).toBe(true);
    expect(isActionEnabled('resume', 'paused')).toBe(true);
    expect(isActionEnabled('destroy', 'paused')).toBe(true);
    expect(isActionEnabled('reboot', 'paused')).toBe(false);
    expect(isActionEnabled('start', 'shutoff', true)).toBe(false);
  });
});

describe('keyboard focus from nothing', () => {
  it('End goes to the last row, Home to the first, even without a focused row', () => {
    const s = new GuestsState();
    s.load(['a', 'b', 'c'].map((n, i) => guest('h1', `${i}${U1.slice(1)}`, { name: n })));
    s.moveFocus(1e9);
    expect(s.current?.guest.name).toBe('c');
    s.clearSelection();
    s.moveFocus(-1e9);
    expect(s.current?.guest.name).toBe('a');
    s.clearSelection();
    s.moveFocus(-1);
    expect(s.current?.guest.name).toBe('c');
  });
});

describe('ActivityState.load', () => {
  it('merges the initial list with events that arrived first, once each', () => {
    const s = new ActivityState();
    const r = (t: number) => ({ hostId: 'h1', argv: ['xl', 'list'], startedAt: t, durationMs: 1, exitCode: 0, kind: 'exec' as const });
    s.add(r(3));
    s.load([r(1), r(2), r(3)]);
    expect(s.records.map((x) => x.startedAt)).toEqual([1, 2, 3]);
  });
});
