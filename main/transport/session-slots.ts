/**
 * Counts the session channels open on one SSH connection and queues requests beyond the server's limit
 * (OpenSSH's MaxSessions, 10 by default). A request waits in FIFO order until a channel closes; it can be
 * aborted while waiting. If the server refuses a channel before the limit is reached (a lower MaxSessions),
 * the limit is lowered to what is actually open (`learnLimit`).
 */
import { VmdeckError } from '../core/errors';

export type ReleaseSlot = () => void;

interface Waiter {
  resolve: (release: ReleaseSlot) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

export class SessionSlots {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private limitValue = 10) {}

  get inUse(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiters.length;
  }
  get limit(): number {
    return this.limitValue;
  }

  /** Resolves with a release function once a slot is free. */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(new VmdeckError('CANCELLED', 'cancelled while waiting for a session channel'));
    if (this.active < this.limitValue && this.waiters.length === 0) return Promise.resolve(this.take());
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new VmdeckError('CANCELLED', 'cancelled while waiting for a session channel'));
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The server refused a channel while `inUse` were open: never exceed that again on this connection. */
  learnLimit(): void {
    this.limitValue = Math.max(1, Math.min(this.limitValue, this.active));
  }

  /** Rejects every waiter (connection gone). */
  rejectAll(error: unknown): void {
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(error);
    }
  }

  private take(): ReleaseSlot {
    this.active++;
    let released = false;
    const generation = this.generation;
    return () => {
      if (released) return;
      released = true;
      if (generation !== this.generation) return;
      this.active--;
      this.pump();
    };
  }

  private generation = 0;

  /** Start counting afresh for a new transport connection; queued waiters stay queued. */
  newGeneration(limit: number): void {
    this.generation++;
    this.active = 0;
    this.limitValue = limit;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limitValue && this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      w.cleanup();
      w.resolve(this.take());
    }
  }
}
