/**
 * One serialised refresh per host. Requests made while a refresh runs are coalesced into one follow-up,
 * so a burst of events costs at most two refreshes. A priority request (after a lifecycle action) skips
 * the debounce.
 */
import type { Disposable } from '../core/lifecycle';

export interface RefreshQueueOptions {
  /** Debounce for non-priority requests (events tend to arrive in bursts). */
  debounceMs?: number;
  setTimeout?: typeof setTimeout;
  clearTimeout?: typeof clearTimeout;
}

export class RefreshQueue implements Disposable {
  private running: Promise<void> | undefined;
  private pending = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly debounceMs: number;
  private readonly setTimer: typeof setTimeout;
  private readonly clearTimer: typeof clearTimeout;

  constructor(
    private readonly work: () => Promise<void>,
    options: RefreshQueueOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 50;
    this.setTimer = options.setTimeout ?? setTimeout;
    this.clearTimer = options.clearTimeout ?? clearTimeout;
  }

  /** Resolves when a refresh that started after this call has finished. */
  request(priority = false): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (priority || this.debounceMs === 0) {
      if (this.timer) this.clearTimer(this.timer);
      this.timer = undefined;
      this.kick();
    } else if (!this.timer) {
      this.timer = this.setTimer(() => {
        this.timer = undefined;
        this.kick();
      }, this.debounceMs);
    }
    return done;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  private kick(): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    this.running = this.work().then(
      () => waiters.forEach((w) => w.resolve()),
      (e: unknown) => waiters.forEach((w) => w.reject(e)),
    );
    void this.running.finally(() => {
      this.running = undefined;
      if (this.pending && !this.disposed) {
        this.pending = false;
        this.kick();
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) this.clearTimer(this.timer);
    this.timer = undefined;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}
