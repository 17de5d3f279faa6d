/**
 * Batches flow-control acknowledgements: xterm's write callback reports each parsed chunk; the backend
 * hears about them every `threshold` bytes or once per frame, whichever comes first.
 */
export class AckBatcher {
  #pending = 0;
  #scheduled = false;
  #disposed = false;
  readonly #send: (bytes: number) => void;
  readonly #threshold: number;
  readonly #schedule: (fn: () => void) => void;

  constructor(send: (bytes: number) => void, threshold = 64 * 1024, schedule: (fn: () => void) => void = defaultSchedule) {
    this.#send = send;
    this.#threshold = threshold;
    this.#schedule = schedule;
  }

  get pending(): number {
    return this.#pending;
  }

  add(bytes: number): void {
    if (this.#disposed || bytes <= 0) return;
    this.#pending += bytes;
    if (this.#pending >= this.#threshold) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.#pending <= 0 || this.#disposed) return;
    const n = this.#pending;
    this.#pending = 0;
    this.#send(n);
  }

  /** Flushes what was written, then stops. */
  dispose(): void {
    this.flush();
    this.#disposed = true;
  }
}

function defaultSchedule(fn: () => void): void {
  // requestAnimationFrame does not run in hidden windows; a timeout keeps acks flowing there too.
  if (typeof document !== 'undefined' && document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') {
    requestAnimationFrame(fn);
  } else setTimeout(fn, 16);
}
