/* eslint-disable svelte/prefer-svelte-reactivity -- a local Set used once while merging, never state */
import type { CommandRecord } from '../../../../main/core/runner';
import { formatArgv } from '../logic/format';

export const ACTIVITY_LIMIT = 5000;

/** Every command run on every host, newest last, capped. */
export class ActivityState {
  records = $state.raw<CommandRecord[]>([]);
  hostFilter = $state<string>('');
  textFilter = $state('');
  onlyFailures = $state(false);
  /** Unseen failures since the panel was last opened. */
  unseenFailures = $state(0);

  filtered = $derived.by(() => {
    const t = this.textFilter.trim().toLowerCase();
    return this.records.filter(
      (r) =>
        (this.hostFilter === '' || r.hostId === this.hostFilter) &&
        (!this.onlyFailures || isFailure(r)) &&
        (t === '' || formatArgv(r.argv).toLowerCase().includes(t) || (r.error ?? '').toLowerCase().includes(t)),
    );
  });

  /** Merges the initial list with records that arrived as events meanwhile (each kept once). */
  load(records: readonly CommandRecord[]): void {
    const id = (r: CommandRecord) => `${r.hostId}\u0000${r.startedAt}\u0000${r.argv.join('\u0000')}`;
    const seen = new Set<string>();
    const merged: CommandRecord[] = [];
    for (const r of [...records, ...this.records]) {
      const k = id(r);
      if (seen.has(k)) continue;
      seen.add(k);
      merged.push(r);
    }
    merged.sort((a, b) => a.startedAt - b.startedAt);
    this.records = merged.slice(-ACTIVITY_LIMIT);
  }

  add(r: CommandRecord): void {
    const next = this.records.length >= ACTIVITY_LIMIT ? this.records.slice(1) : this.records.slice();
    next.push(r);
    this.records = next;
    if (isFailure(r)) this.unseenFailures++;
  }
}

export function isFailure(r: CommandRecord): boolean {
  return r.error !== undefined || (r.exitCode !== null && r.exitCode !== 0);
}
