/**
 * The guests of one host (virt-manager's model/poll/event split): a driver refresh yields a snapshot, the
 * inventory turns it into a UUID-keyed diff and fires it. Pushed events trigger debounced refreshes; a poll
 * timer stays as the fallback and for statistics. A failing refresh (polled, event-triggered or the
 * stream itself) is reported on `onRefreshError` and retried on the next tick without taking the host
 * down; `onRefreshOk` says when refreshes work again.
 */
import { cpuPercent, diffGuests, isEmptyDiff } from '../core/guest-diff';
import { DisposableStore, Emitter, type Disposable, type Event } from '../core/lifecycle';
import { toErrorData, type ErrorData } from '../core/errors';
import type { Guest, GuestDiff, HostFacts } from '../core/models';
import type { HypervisorDriver } from '../hypervisors/driver';
import { RefreshQueue } from './refresh-queue';

export interface HostInventoryOptions {
  pollIntervalMs: number;
  now?: () => number;
  debounceMs?: number;
  /** false: no event stream and no poll timer; refreshes happen only when asked (the CLI). Default true. */
  live?: boolean;
}

interface CpuSample {
  cpuNs: number;
  atMs: number;
}

export class HostInventory implements Disposable {
  private readonly store = new DisposableStore();
  private readonly guests = new Map<string, Guest>();
  private readonly samples = new Map<string, CpuSample>();
  private hostSample: { cpuNsTotal: number; atMs: number } | undefined;
  private readonly queue: RefreshQueue;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private watchRetry: ReturnType<typeof setTimeout> | undefined;
  private watching = false;
  private disposed = false;
  private lastFacts: HostFacts | undefined;
  private refreshCount = 0;
  private pollMs: number;

  private readonly diffEmitter = this.store.add(new Emitter<GuestDiff>());
  private readonly factsEmitter = this.store.add(new Emitter<HostFacts>());
  private readonly errorEmitter = this.store.add(new Emitter<ErrorData>());
  private readonly okEmitter = this.store.add(new Emitter<void>());
  readonly onDidChangeGuests: Event<GuestDiff> = this.diffEmitter.event;
  readonly onDidChangeFacts: Event<HostFacts> = this.factsEmitter.event;
  readonly onRefreshError: Event<ErrorData> = this.errorEmitter.event;
  /** A refresh succeeded (after any number of failures). */
  readonly onRefreshOk: Event<void> = this.okEmitter.event;

  constructor(
    readonly hostId: string,
    private readonly driver: HypervisorDriver,
    private readonly options: HostInventoryOptions,
  ) {
    this.queue = this.store.add(new RefreshQueue(() => this.refreshNow(), { debounceMs: options.debounceMs ?? 50 }));
    this.pollMs = options.pollIntervalMs;
  }

  get pollIntervalMs(): number {
    return this.pollMs;
  }

  /** A new polling interval (the host's own or the changed default) takes effect at once. */
  setPollInterval(ms: number): void {
    if (ms === this.pollMs) return;
    this.pollMs = ms;
    if (this.pollTimer !== undefined) {
      clearTimeout(this.pollTimer);
      this.schedulePoll();
    }
  }

  get snapshot(): Guest[] {
    return [...this.guests.values()];
  }

  get facts(): HostFacts | undefined {
    return this.lastFacts;
  }

  get refreshes(): number {
    return this.refreshCount;
  }

  get isWatching(): boolean {
    return this.watching;
  }

  guest(uuid: string): Guest | undefined {
    return this.guests.get(uuid);
  }

  /** First refresh (awaited, errors thrown), then events and polling. */
  async start(): Promise<void> {
    await this.queue.request(true);
    if (this.options.live === false) return;
    await this.startWatch();
    this.schedulePoll();
  }

  /** Refresh now (after a lifecycle action) and resolve when the result has been applied. */
  refresh(priority = true): Promise<void> {
    return this.queue.request(priority);
  }

  private async startWatch(): Promise<void> {
    if (this.disposed) return;
    try {
      const watch = await this.driver.watch(() => {
        // Event-triggered refreshes fail the same way polled ones do: shown on the host, retried.
        void this.queue.request(false).catch((e: unknown) => this.errorEmitter.fire(toErrorData(e)));
      });
      if (this.disposed) {
        watch.dispose();
        return;
      }
      this.watching = true;
      // One live stream at a time: a stream that ended is released before its successor starts.
      const current = new DisposableStore();
      current.add(watch);
      current.add(
        watch.onDidClose(() => {
          this.watching = false;
          this.store.delete(current);
          // The stream ended (connection blip, daemon restart): keep polling, try the stream again later.
          if (!this.disposed) {
            clearTimeout(this.watchRetry);
            this.watchRetry = setTimeout(() => void this.startWatch(), Math.max(2000, this.pollMs));
          }
        }),
      );
      this.store.add(current);
    } catch (e) {
      this.watching = false;
      this.errorEmitter.fire(toErrorData(e));
    }
  }

  private schedulePoll(): void {
    if (this.disposed) return;
    this.pollTimer = setTimeout(() => {
      this.queue
        .request(true)
        .catch((e: unknown) => this.errorEmitter.fire(toErrorData(e)))
        .finally(() => this.schedulePoll());
    }, this.pollMs);
  }

  private async refreshNow(): Promise<void> {
    if (this.disposed) return;
    const now = this.options.now ?? Date.now;
    const result = await this.driver.refresh();
    const at = now();
    this.refreshCount++;
    const next: Guest[] = result.guests.map((g) => {
      const prev = this.samples.get(g.uuid);
      const pct = g.cpuPercent ?? (g.state === 'running' || g.state === 'blocked' ? cpuPercent(prev?.cpuNs, prev?.atMs, g.cpuTimeNs, at) : 0);
      this.samples.set(g.uuid, { cpuNs: g.cpuTimeNs, atMs: at });
      return { ...g, hostId: this.hostId, cpuPercent: pct };
    });
    for (const uuid of [...this.samples.keys()]) if (!next.some((g) => g.uuid === uuid)) this.samples.delete(uuid);
    const diff = diffGuests(this.hostId, this.guests, next);
    this.guests.clear();
    for (const g of next) this.guests.set(g.uuid, g);
    this.applyFacts(result.facts, next, at);
    if (!isEmptyDiff(diff)) this.diffEmitter.fire(diff);
    this.okEmitter.fire();
  }

  private applyFacts(facts: HostFacts, guests: Guest[], at: number): void {
    let pct = facts.cpuPercent;
    if (pct === null && facts.cpus > 0) {
      // Host utilisation from the guests' CPU time when the toolstack does not report it directly.
      const total = guests.reduce((s, g) => s + g.cpuTimeNs, 0);
      const prev = this.hostSample;
      this.hostSample = { cpuNsTotal: total, atMs: at };
      const raw = cpuPercent(prev?.cpuNsTotal, prev?.atMs, total, at);
      pct = raw === null ? null : Math.min(100, Math.round((raw / facts.cpus) * 10) / 10);
    }
    const memPct =
      facts.memoryUsedPercent ?? (facts.memoryKiB > 0 ? Math.round((1 - facts.freeMemoryKiB / facts.memoryKiB) * 1000) / 10 : null);
    const merged: HostFacts = { ...facts, cpuPercent: pct, memoryUsedPercent: memPct };
    this.lastFacts = merged;
    this.factsEmitter.fire(merged);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.watchRetry);
    this.store.dispose();
  }
}
