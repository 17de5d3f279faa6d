/* eslint-disable svelte/prefer-svelte-reactivity -- these Maps/Sets are immutable snapshots held in $state.raw/$derived: every change builds a new one and assigns it, which is what triggers updates */
import type { ConsoleInfo } from '../../../../main/core/contract';

/** Open console sessions as tabs. A closed session keeps its tab (and its output) until the user closes it. */
export class ConsolesState {
  list = $state.raw<ConsoleInfo[]>([]);
  activeId = $state<string | null>(null);
  /** Guest keys whose console is being opened (the row's console button shows progress). */
  opening = $state.raw<ReadonlySet<string>>(new Set());

  active = $derived(this.list.find((c) => c.id === this.activeId) ?? null);

  upsert(info: ConsoleInfo, activate = false): void {
    const i = this.list.findIndex((c) => c.id === info.id);
    if (i < 0) this.list = [...this.list, info];
    else this.list = this.list.map((c, j) => (j === i ? info : c));
    if (activate || this.activeId === null) this.activeId = info.id;
  }

  /** Only refreshes sessions we already show (events for other windows' sessions are ignored). */
  update(info: ConsoleInfo): void {
    if (this.list.some((c) => c.id === info.id)) this.upsert(info);
  }

  remove(id: string): void {
    const i = this.list.findIndex((c) => c.id === id);
    if (i < 0) return;
    this.list = this.list.filter((c) => c.id !== id);
    if (this.activeId === id) this.activeId = this.list[Math.min(i, this.list.length - 1)]?.id ?? null;
  }

  get(id: string): ConsoleInfo | undefined {
    return this.list.find((c) => c.id === id);
  }

  /** Puts a new session in the place of an old tab (a reconnect keeps the tab's position and focus). */
  replace(oldId: string, info: ConsoleInfo): void {
    const i = this.list.findIndex((c) => c.id === oldId);
    if (i < 0) return this.upsert(info, true);
    this.list = this.list.map((c, j) => (j === i ? info : c)).filter((c, j) => j === i || c.id !== info.id);
    this.activeId = info.id;
  }

  /** The tab for this guest (and device), open or closed: "Console" focuses it instead of opening a second one. */
  findTab(hostId: string, uuid: string, device?: string): ConsoleInfo | undefined {
    const u = uuid.toLowerCase();
    const mine = this.list.filter((c) => c.hostId === hostId && c.uuid.toLowerCase() === u && (device === undefined || c.device === device));
    return mine.find((c) => c.status !== 'closed') ?? mine[0];
  }

  /**
   * An open (not closed) session for this guest, to focus instead of opening a second one; with `device`,
   * only a session on that console device.
   */
  findOpen(hostId: string, uuid: string, device?: string): ConsoleInfo | undefined {
    const u = uuid.toLowerCase();
    return this.list.find((c) => c.hostId === hostId && c.uuid.toLowerCase() === u && c.status !== 'closed' && (device === undefined || c.device === device));
  }

  setOpening(key: string, on: boolean): void {
    const s = new Set(this.opening);
    if (on) s.add(key);
    else s.delete(key);
    this.opening = s;
  }

  activate(id: string): void {
    if (this.list.some((c) => c.id === id)) this.activeId = id;
  }

  cycle(delta: number): void {
    if (this.list.length === 0) return;
    const i = this.list.findIndex((c) => c.id === this.activeId);
    const n = (i + delta + this.list.length) % this.list.length;
    this.activeId = this.list[n]!.id;
  }
}
