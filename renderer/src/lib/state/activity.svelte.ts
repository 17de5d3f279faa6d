/* eslint-disable svelte/prefer-svelte-reactivity -- a local Set used once while merging, never state */
import { isUserAction, type CommandRecord } from '../../../../main/core/runner';
import { formatArgv } from '../logic/format';

/** Background commands kept (polling makes hundreds a minute on a fleet). */
export const ACTIVITY_LIMIT = 5000;
/** User actions kept, apart from the commands, so polling never pushes them out. */
export const ACTION_LIMIT = 1000;

export type ActivityKind = 'actions' | 'commands' | 'all';

/**
 * The activity log: what the user did (actions: guest names, who, what, when, result) and, apart from it,
 * every command run on every host. Newest last; each kind capped on its own.
 */
export class ActivityState {
  actions = $state.raw<CommandRecord[]>([]);
  commands = $state.raw<CommandRecord[]>([]);
  /** Which kind the panel shows; the user's actions first, the background on request. */
  kindFilter = $state<ActivityKind>('actions');
  hostFilter = $state<string>('');
  textFilter = $state('');
  onlyFailures = $state(false);
  /** Unseen failures since the panel was last opened. */
  unseenFailures = $state(0);

  /** Both kinds, oldest first. */
  records = $derived(mergeByTime(this.actions, this.commands));

  /** The records of the chosen kind (what "N of M" counts against). */
  ofKind = $derived(this.kindFilter === 'actions' ? this.actions : this.kindFilter === 'commands' ? this.commands : this.records);

  filtered = $derived.by(() => {
    const text = textMatcher(this.textFilter);
    return this.ofKind.filter((r) => (this.hostFilter === '' || r.hostId === this.hostFilter) && (!this.onlyFailures || isFailure(r)) && text(r));
  });

  /** Merges the initial list with records that arrived as events meanwhile (each kept once). */
  load(records: readonly CommandRecord[]): void {
    const id = (r: CommandRecord) => `${r.hostId}\u0000${r.startedAt}\u0000${r.kind}\u0000${r.argv.join('\u0000')}`;
    const seen = new Set<string>();
    const merged: CommandRecord[] = [];
    for (const r of [...records, ...this.records]) {
      const k = id(r);
      if (seen.has(k)) continue;
      seen.add(k);
      merged.push(r);
    }
    merged.sort((a, b) => a.startedAt - b.startedAt);
    this.actions = merged.filter(isUserAction).slice(-ACTION_LIMIT);
    this.commands = merged.filter((r) => !isUserAction(r)).slice(-ACTIVITY_LIMIT);
  }

  add(r: CommandRecord): void {
    if (isUserAction(r)) this.actions = appendCapped(this.actions, r, ACTION_LIMIT);
    else this.commands = appendCapped(this.commands, r, ACTIVITY_LIMIT);
    if (isFailure(r)) this.unseenFailures++;
  }
}

export function isFailure(r: CommandRecord): boolean {
  return r.error !== undefined || (r.exitCode !== null && r.exitCode !== 0);
}

/**
 * Text filter: the words must start a word of the record (its command or action, guest name, error, note), so
 * `start` finds "start beta" and `virsh start` but not every poll's "--autostart".
 */
export function textMatcher(text: string): (r: CommandRecord) => boolean {
  const t = text.trim().toLowerCase();
  if (t === '') return () => true;
  const re = new RegExp(`(^|[^\\p{L}\\p{N}])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'u');
  return (r) => re.test([formatArgv(r.argv), r.action ?? '', r.guestName ?? '', r.error ?? '', r.message ?? '', r.note ?? '', r.user ?? ''].join('\n').toLowerCase());
}

function appendCapped(list: CommandRecord[], r: CommandRecord, cap: number): CommandRecord[] {
  const next = list.length >= cap ? list.slice(list.length - cap + 1) : list.slice();
  next.push(r);
  return next;
}

function mergeByTime(a: readonly CommandRecord[], b: readonly CommandRecord[]): CommandRecord[] {
  const out: CommandRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.startedAt <= b[j]!.startedAt)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
