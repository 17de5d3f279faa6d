/**
 * Console flow control as an addon: output is written into xterm and acknowledged to the backend once xterm has
 * parsed it, batched by AckBatcher (every `threshold` bytes or once per frame). The backend stops reading from the
 * guest when unacknowledged output passes its watermark, so a flood cannot grow the renderer's memory.
 */
import type { IDisposable } from '@xterm/xterm';
import { AckBatcher } from '../acks';

export interface WriteHost {
  write(data: Uint8Array | string, callback?: () => void): void;
}

export class FlowControlAddon implements IDisposable {
  readonly #acks: AckBatcher;
  #term: WriteHost | null = null;

  constructor(onAck: (bytes: number) => void, threshold?: number, schedule?: (fn: () => void) => void) {
    this.#acks = new AckBatcher(onAck, threshold, schedule);
  }

  activate(terminal: WriteHost): void {
    this.#term = terminal;
  }

  /** Bytes written but not acknowledged yet. */
  get pending(): number {
    return this.#acks.pending;
  }

  /** Writes guest output; returns false once disposed (nothing written, nothing acknowledged). */
  write(bytes: Uint8Array): boolean {
    const t = this.#term;
    if (!t) return false;
    const n = bytes.length;
    t.write(bytes, () => this.#acks.add(n));
    return true;
  }

  /** Acknowledges what xterm has written so far, then stops. */
  dispose(): void {
    this.#term = null;
    this.#acks.dispose();
  }
}
