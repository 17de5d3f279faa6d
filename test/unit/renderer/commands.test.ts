/** The renderer's command registry: shortcuts as data, scopes, enabled-by-state, the palette's guest arguments. */
import { describe, expect, it } from 'vitest';
import type { LifecycleAction } from '../../../main/core/models';
import { actionTargets, buildCommands, type CommandHost } from '../../../renderer/src/lib/commands/catalog';
import { fuzzyScore, searchPalette } from '../../../renderer/src/lib/commands/palette';
import type { GuestTarget } from '../../../renderer/src/lib/commands/registry';
import { formatChord, keycaps, matchesChord, parseChord, type KeyLike } from '../../../renderer/src/lib/commands/shortcut';

const ev = (key: string, o: Partial<KeyLike> = {}): KeyLike => ({ key, code: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o });

function fakeHost() {
  const calls: string[] = [];
  const host: CommandHost = {
    runAction: (t, a: LifecycleAction) => void calls.push(`${a}:${t.map((x) => x.name).join(',')}`),
    openConsole: (t) => void calls.push(`console:${t.name}`),
    openDisplay: (t) => void calls.push(`display:${t.name}`),
    goTo: (t) => void calls.push(`goto:${t.name}`),
    openDialog: (n) => void calls.push(`dialog:${n}`),
    toggleActivity: () => void calls.push('activity'),
    toggleTasks: () => void calls.push('tasks'),
    toggleGroupByHost: () => void calls.push('group'),
    focusFilter: () => void calls.push('filter'),
    cycleConsole: (d) => void calls.push(`cycle:${d}`),
    hasConsoles: () => true,
    copyText: (t) => void calls.push(`copy:${t}`),
  };
  return { host, calls };
}

const g = (name: string, state: GuestTarget['state'], o: Partial<GuestTarget> = {}): GuestTarget => ({
  key: `h\u0000${name}`,
  name,
  hostId: 'h',
  hostName: 'kvm1',
  state,
  kind: 'vm',
  isControlDomain: false,
  busy: false,
  ...o,
});

describe('shortcuts', () => {
  it('parses, matches (Ctrl also as Cmd; [ ] by code under Shift) and shows keycaps', () => {
    expect(parseChord('Ctrl+Shift+]')).toEqual({ ctrl: true, shift: true, alt: false, key: ']' });
    expect(matchesChord(parseChord('Ctrl+K'), ev('k', { ctrlKey: true }))).toBe(true);
    expect(matchesChord(parseChord('Ctrl+K'), ev('K', { metaKey: true }))).toBe(true);
    expect(matchesChord(parseChord('Ctrl+K'), ev('k', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(matchesChord(parseChord('Ctrl+K'), ev('k'))).toBe(false);
    expect(matchesChord(parseChord('Ctrl+Shift+]'), ev('}', { ctrlKey: true, shiftKey: true, code: 'BracketRight' }))).toBe(true);
    expect(matchesChord(parseChord('?'), ev('?', { shiftKey: true }))).toBe(true);
    expect(matchesChord(parseChord('Delete'), ev('Delete'))).toBe(true);
    expect(keycaps('Ctrl+Shift+[')).toEqual(['Ctrl', 'Shift', '[']);
    expect(keycaps('Delete')).toEqual(['Del']);
    expect(formatChord('Ctrl+J')).toBe('Ctrl+J');
  });
});

describe('command registry', () => {
  it('declares every command once with a unique id; guest commands carry toolbar/menu flags', () => {
    const { host } = fakeHost();
    const r = buildCommands(host);
    const ids = r.all.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(r.all.filter((c) => c.toolbar).map((c) => c.id)).toEqual([
      'guest.start', 'guest.shutdown', 'guest.reboot', 'guest.pause', 'guest.resume', 'guest.save', 'guest.destroy', 'guest.reset', 'guest.console',
    ]);
    expect(() => r.add({ id: 'app.help', title: 'x', group: 'App', enabled: () => true, run: () => {} })).toThrow(/duplicate/);
  });

  it('enables guest commands from the targets’ states and skips guests with an action in progress', () => {
    const { host, calls } = fakeHost();
    const r = buildCommands(host);
    const shutdown = r.get('guest.shutdown')!;
    expect(shutdown.enabled([g('a', 'shutoff')])).toBe(false);
    expect(shutdown.enabled([g('a', 'running')])).toBe(true);
    expect(shutdown.enabled([g('a', 'running', { busy: true })])).toBe(false); // no second shutdown
    expect(shutdown.enabled([g('dom0', 'running', { isControlDomain: true })])).toBe(false);
    shutdown.run([g('a', 'running'), g('b', 'shutoff'), g('c', 'blocked'), g('d', 'running', { busy: true })]);
    expect(calls).toEqual(['shutdown:a,c']);
    expect(actionTargets('start', [g('a', 'shutoff'), g('b', 'running')]).map((t) => t.name)).toEqual(['a']);
  });

  it('offers the console for a shut-off guest too (it waits for the guest), not for dom0', () => {
    const { host, calls } = fakeHost();
    const r = buildCommands(host);
    const c = r.get('guest.console')!;
    expect(c.enabled([g('a', 'shutoff')])).toBe(true);
    expect(c.enabled([g('a', 'running')])).toBe(true);
    expect(c.enabled([g('dom0', 'running', { isControlDomain: true })])).toBe(false);
    c.run([g('a', 'shutoff')]);
    expect(calls).toEqual(['console:a']);
  });

  it('runs shortcuts by scope: global chords anywhere (a console too), page keys not while typing, list keys only in the list', () => {
    const { host, calls } = fakeHost();
    const r = buildCommands(host);
    expect(r.handleKey(ev('k', { ctrlKey: true }), 'console')).toBe(true);
    expect(r.handleKey(ev('j', { ctrlKey: true }), 'typing')).toBe(true);
    expect(r.handleKey(ev('}', { ctrlKey: true, shiftKey: true, code: 'BracketRight' }), 'console')).toBe(true);
    expect(calls).toEqual(['dialog:palette', 'activity', 'cycle:1']);
    calls.length = 0;
    expect(r.handleKey(ev('?'), 'console')).toBe(false); // a guest needs '?'
    expect(r.handleKey(ev('/'), 'typing')).toBe(false);
    expect(r.handleKey(ev('?'), 'other')).toBe(true);
    expect(r.handleKey(ev('h'), 'other', [g('a', 'running')])).toBe(false); // list keys only in the list
    expect(r.handleKey(ev('h'), 'list', [g('a', 'running')])).toBe(true);
    // P pauses a running guest and resumes a paused one.
    expect(r.handleKey(ev('p'), 'list', [g('a', 'running')])).toBe(true);
    expect(r.handleKey(ev('p'), 'list', [g('b', 'paused')])).toBe(true);
    expect(r.handleKey(ev('Delete'), 'list', [g('a', 'running')])).toBe(true);
    expect(r.handleKey(ev('s'), 'list', [g('a', 'running')])).toBe(false); // start: not enabled for a running guest
    expect(calls).toEqual(['dialog:help', 'shutdown:a', 'pause:a', 'resume:b', 'destroy:a']);
    expect(r.isGlobal(ev('k', { ctrlKey: true }))).toBe(true);
    expect(r.isGlobal(ev('c', { ctrlKey: true }))).toBe(false);
  });
});

describe('palette search', () => {
  const { host } = fakeHost();
  const commands = buildCommands(host).all;
  const guests = [g('alpha', 'running'), g('beta', 'shutoff'), g('web01', 'running', { hostName: 'xen1', key: 'x\u0000web01' }), g('web02', 'paused', { key: 'x\u0000web02' })];

  it('fuzzy scores prefix < word start < substring < subsequence', () => {
    expect(fuzzyScore('alpha', 'al')).toBe(0);
    expect(fuzzyScore('fleet-0001', '0001')).toBe(1);
    expect(fuzzyScore('alpha', 'ph')).toBe(2);
    expect(fuzzyScore('alpha', 'aa')).toBe(3);
    expect(fuzzyScore('alpha', 'x')).toBe(-1);
  });

  it('takes a guest argument: "pause alpha", "console web", "shut be" (disabled when the state does not allow it)', () => {
    const first = (q: string) => searchPalette({ commands, guests, selection: [] }, q)[0];
    expect(first('pause alpha')).toMatchObject({ label: 'Pause alpha', disabled: false, command: { id: 'guest.pause' } });
    const cw = searchPalette({ commands, guests, selection: [] }, 'console web');
    expect(cw.slice(0, 2).map((e) => e.label).sort()).toEqual(['Open console web01', 'Open console web02']);
    expect(first('shut be')).toMatchObject({ label: 'Shut down beta', disabled: true });
    expect(first('start be')).toMatchObject({ label: 'Start beta', disabled: false });
    expect(first('alpha')).toMatchObject({ label: 'alpha', id: 'go:h\u0000alpha' });
    expect(first('activity')).toMatchObject({ command: { id: 'app.activity' } });
  });

  it('puts recently used guests and commands first among equal matches', () => {
    const plain = searchPalette({ commands, guests, selection: [] }, 'console web');
    expect(plain[0]!.label).toBe('Open console web01');
    const recent = searchPalette({ commands, guests, selection: [], recentGuests: ['x\u0000web02'] }, 'console web');
    expect(recent[0]!.label).toBe('Open console web02');
    const empty = searchPalette({ commands, guests, selection: [], recentGuests: ['x\u0000web02'], recentCommands: ['app.settings'] }, '');
    expect(empty[0]!.label).toBe('web02');
    expect(empty.findIndex((e) => e.label === 'Settings')).toBeLessThan(empty.findIndex((e) => e.label === 'Add host'));
  });

  it('without an argument, guest commands apply to the selection', () => {
    const sel = [g('alpha', 'running')];
    const r = searchPalette({ commands, guests, selection: sel }, 'reboot');
    expect(r[0]).toMatchObject({ label: 'Reboot alpha', disabled: false });
    const e = searchPalette({ commands, guests, selection: [g('alpha', 'running'), g('beta', 'shutoff')] }, '');
    expect(e.some((x) => x.label === 'Start 2 selected guests' && !x.disabled)).toBe(true);
  });
});
