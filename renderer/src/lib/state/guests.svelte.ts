/* eslint-disable svelte/prefer-svelte-reactivity -- these Maps/Sets are immutable snapshots held in $state.raw/$derived: every change builds a new one and assigns it, which is what triggers updates */
import type { Guest, GuestDiff } from '../../../../main/core/models';
import { parseFilter, matchesFilter } from '../logic/filter';
import { guestKey, type GuestKey } from '../logic/keys';
import { SampleRing } from '../logic/ring';
import { clickSelect, pruneSelection, type ClickModifiers, type SelectionState } from '../logic/selection';
import { compareGuests, nextSort, type SortColumn, type SortSpec } from '../logic/sort';

export interface GuestRow {
  kind: 'guest';
  key: GuestKey;
  guest: Guest;
  hostName: string;
}
export interface GroupRow {
  kind: 'group';
  key: string;
  hostId: string;
  hostName: string;
  count: number;
  collapsed: boolean;
}
export type ListRow = GuestRow | GroupRow;

export interface GuestHistory {
  cpu: SampleRing;
  memKiB: SampleRing;
}

/** Samples kept per guest: at the default 5 s interval, 10 minutes. */
export const HISTORY_SAMPLES = 120;

/**
 * Every guest of every host, keyed by host + UUID. The map itself is not deeply reactive (5,000 guests
 * would mean 5,000 proxies); `version` is bumped once per applied diff and derived views depend on it.
 */
export class GuestsState {
  readonly #guests = new Map<GuestKey, Guest>();
  readonly #history = new Map<GuestKey, GuestHistory>();
  readonly #hostName: (hostId: string) => string;

  version = $state(0);
  loaded = $state(false);
  filterText = $state('');
  sort = $state<SortSpec>({ column: 'name', direction: 'asc' });
  groupByHost = $state(false);
  collapsedHosts = $state.raw<ReadonlySet<string>>(new Set());
  selection = $state.raw<SelectionState>({ selected: new Set(), anchor: null, focus: null });

  constructor(hostName: (hostId: string) => string = (id) => id) {
    this.#hostName = hostName;
  }

  filter = $derived(parseFilter(this.filterText));

  /** All guests as rows, unsorted. */
  all = $derived.by((): GuestRow[] => {
    void this.version;
    const out: GuestRow[] = [];
    for (const [key, guest] of this.#guests) out.push({ kind: 'guest', key, guest, hostName: this.#hostName(guest.hostId) });
    return out;
  });

  /** Every guest in display order: re-sorted when guests or the sort change, not on each filter keystroke. */
  sorted = $derived.by((): GuestRow[] => {
    const spec = this.sort;
    return [...this.all].sort((a, b) => compareGuests(a, b, spec));
  });

  /** Filtered and sorted guests (no group headers); filtering keeps the sorted order. */
  visible = $derived.by((): GuestRow[] => {
    const f = this.filter;
    if (f.terms.length === 0) return this.sorted;
    return this.sorted.filter((r) =>
      matchesFilter(f, { name: r.guest.name, hostName: r.hostName, state: r.guest.state, uuid: r.guest.uuid, osType: r.guest.osType, kind: r.guest.kind ?? 'vm' }),
    );
  });

  /** What the list renders: guests, with one header per host when grouping. */
  rows = $derived.by((): ListRow[] => {
    if (!this.groupByHost) return this.visible;
    const groups = new Map<string, GuestRow[]>();
    for (const r of this.visible) {
      let g = groups.get(r.guest.hostId);
      if (!g) groups.set(r.guest.hostId, (g = []));
      g.push(r);
    }
    const ordered = [...groups.entries()].sort((a, b) => (a[1][0]!.hostName < b[1][0]!.hostName ? -1 : 1));
    const out: ListRow[] = [];
    for (const [hostId, members] of ordered) {
      const collapsed = this.collapsedHosts.has(hostId);
      out.push({ kind: 'group', key: `group:${hostId}`, hostId, hostName: members[0]!.hostName, count: members.length, collapsed });
      if (!collapsed) out.push(...members);
    }
    return out;
  });

  /** Keys in display order (for shift-selection and keyboard navigation). */
  order = $derived(this.rows.filter((r): r is GuestRow => r.kind === 'guest').map((r) => r.key));

  count = $derived(this.all.length);

  selectedRows = $derived.by((): GuestRow[] => {
    void this.version;
    const out: GuestRow[] = [];
    for (const k of this.selection.selected) {
      const g = this.#guests.get(k);
      if (g) out.push({ kind: 'guest', key: k, guest: g, hostName: this.#hostName(g.hostId) });
    }
    return out;
  });

  /** The guest the details pane shows: the focused row, else the only selected one. */
  current = $derived.by((): GuestRow | null => {
    void this.version;
    const k = this.selection.focus ?? (this.selection.selected.size === 1 ? [...this.selection.selected][0]! : null);
    if (k === null) return null;
    const g = this.#guests.get(k);
    return g ? { kind: 'guest', key: k, guest: g, hostName: this.#hostName(g.hostId) } : null;
  });

  /** Replaces everything (initial `guests.list()`). */
  load(guests: readonly Guest[], now = Date.now()): void {
    this.#guests.clear();
    for (const g of guests) this.#put(g, now);
    for (const k of [...this.#history.keys()]) if (!this.#guests.has(k)) this.#history.delete(k);
    this.#prune();
    this.loaded = true;
    this.version++;
  }

  /** Applies one host's `guests.diff`: added and changed by host+UUID, removed by UUID. */
  applyDiff(diff: GuestDiff, now = Date.now()): void {
    for (const g of diff.added) this.#put({ ...g, hostId: diff.hostId }, now);
    for (const g of diff.changed) this.#put({ ...g, hostId: diff.hostId }, now);
    for (const uuid of diff.removed) {
      const k = guestKey(diff.hostId, uuid);
      this.#guests.delete(k);
      this.#history.delete(k);
    }
    if (diff.removed.length > 0) this.#prune();
    this.version++;
  }

  /** A host was removed: its guests go with it. */
  removeHost(hostId: string): void {
    for (const [k, g] of this.#guests) {
      if (g.hostId === hostId) {
        this.#guests.delete(k);
        this.#history.delete(k);
      }
    }
    this.#prune();
    this.version++;
  }

  get(key: GuestKey): Guest | undefined {
    void this.version;
    return this.#guests.get(key);
  }

  has(key: GuestKey): boolean {
    return this.#guests.has(key);
  }

  history(key: GuestKey): GuestHistory | undefined {
    void this.version;
    return this.#history.get(key);
  }

  cpuSeries(key: GuestKey): number[] {
    void this.version;
    return this.#history.get(key)?.cpu.valuesArray() ?? [];
  }

  findByName(name: string): GuestRow[] {
    const n = name.toLowerCase();
    return this.all.filter((r) => r.guest.name.toLowerCase() === n);
  }

  setSort(column: SortColumn): void {
    this.sort = nextSort(this.sort, column);
  }

  toggleGroup(hostId: string): void {
    const s = new Set(this.collapsedHosts);
    if (s.has(hostId)) s.delete(hostId);
    else s.add(hostId);
    this.collapsedHosts = s;
  }

  click(key: GuestKey, mods: ClickModifiers = {}): void {
    this.selection = clickSelect(this.selection, this.order, key, mods);
  }

  select(key: GuestKey): void {
    this.selection = { selected: new Set([key]), anchor: key, focus: key };
  }

  /** Moves the focused row by `delta` in display order; `extend` grows the selection like shift+arrow. */
  moveFocus(delta: number, extend = false): GuestKey | null {
    const order = this.order;
    if (order.length === 0) return null;
    const cur = this.selection.focus !== null ? order.indexOf(this.selection.focus) : -1;
    // With no focused row, moving down starts above the first row and moving up below the last one.
    const from = cur >= 0 ? cur : delta > 0 ? -1 : order.length;
    const next = Math.min(order.length - 1, Math.max(0, from + delta));
    const key = order[next]!;
    if (extend) this.selection = clickSelect(this.selection, order, key, { shift: true });
    else this.select(key);
    return key;
  }

  selectAll(): void {
    const order = this.order;
    this.selection = { selected: new Set(order), anchor: order[0] ?? null, focus: this.selection.focus ?? order[0] ?? null };
  }

  clearSelection(): void {
    this.selection = { selected: new Set(), anchor: null, focus: null };
  }

  #put(g: Guest, now: number): void {
    const k = guestKey(g.hostId, g.uuid);
    this.#guests.set(k, g);
    let h = this.#history.get(k);
    if (!h) this.#history.set(k, (h = { cpu: new SampleRing(HISTORY_SAMPLES), memKiB: new SampleRing(HISTORY_SAMPLES) }));
    if (g.cpuPercent !== null && g.cpuPercent !== undefined) h.cpu.push(now, g.cpuPercent);
    h.memKiB.push(now, g.memoryKiB);
  }

  #prune(): void {
    const s = this.selection;
    if ([...s.selected].every((k) => this.#guests.has(k)) && (s.focus === null || this.#guests.has(s.focus))) return;
    this.selection = pruneSelection(s, (k) => this.#guests.has(k));
  }
}
