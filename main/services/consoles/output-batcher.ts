/**
 * Groups a channel's output chunks for a few milliseconds (or until a size cap) and emits them as one
 * tightly-sized Uint8Array. Bytes are never decoded: a UTF-8 character split across chunks reaches the
 * terminal intact because xterm decodes the stream.
 *
 * Every emitted array owns its ArrayBuffer: structured clone (Electron IPC) copies a view's whole backing
 * buffer, and Node's small Buffers share 8 KiB pools.
 */
import type { Disposable } from '../../core/lifecycle';
import type { Clock, TimerHandle } from '../../transport/clock';

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
    if (this.size >= this.maxBatchBytes) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), this.batchMs);
  }

  /** Emits whatever is collected now. */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
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
