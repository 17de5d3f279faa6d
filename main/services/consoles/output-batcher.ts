/**
 * Groups a channel's output chunks for a few milliseconds (or until a size cap) and emits them as one
 * tightly-sized Uint8Array. The first chunk after a quiet spell goes out at once (a keystroke's echo must
 * not wait for the window); while output keeps coming, it is collected and emitted once per window. Bytes are never decoded: a UTF-8 character split across chunks reaches the
 * terminal intact because xterm decodes the stream.
 *
 * Every emitted array owns its ArrayBuffer: structured clone (Electron IPC) copies a view's whole backing
 * buffer, and Node's small Buffers share 8 KiB pools.
 */
import type { Disposable } from '../../core/lifecycle';
import type { Clock, TimerHandle } from '../../core/clock';

export class OutputBatcher implements Disposable {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private timer: TimerHandle | undefined;
  private disposed = false;

  constructor(
    private readonly emit: (batch: Uint8Array) => void,
    private readonly clock: Clock,
    private readonly batchMs: number,
    private readonly maxBatchBytes: number,
  ) {}

  /** Bytes collected and not yet emitted. */
  get pendingBytes(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    if (this.disposed || chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    if (this.timer === undefined) {
      // Quiet until now: emit at once and open a window that collects whatever follows.
      this.emitPending();
      this.openWindow();
    } else if (this.size >= this.maxBatchBytes) {
      this.emitPending();
    }
  }

  /** Emits whatever is collected now and closes the window. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.emitPending();
  }

  private openWindow(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // Output kept coming during the window: send it and keep batching; otherwise go quiet.
      if (this.size > 0) {
        this.emitPending();
        this.openWindow();
      }
    }, this.batchMs);
  }

  private emitPending(): void {
    if (this.size === 0) return;
    const batch = new Uint8Array(this.size);
    let offset = 0;
    for (const c of this.chunks) {
      batch.set(c, offset);
      offset += c.byteLength;
    }
    this.chunks = [];
    this.size = 0;
    this.emit(batch);
  }

  /** Drops anything pending and cancels the timer. */
  dispose(): void {
    this.disposed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.chunks = [];
    this.size = 0;
  }
}
