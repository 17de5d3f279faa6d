/**
 * Counts output bytes emitted to the terminal and not yet acknowledged, and says when to pause and resume
 * the channel: pause at `high` or more, resume at `low` or less (hysteresis, so the channel does not flap).
 */
export interface FlowListener {
  pause(): void;
  resume(): void;
}

export class FlowControl {
  private unacked = 0;
  private isPaused = false;

  constructor(
    private readonly high: number,
    private readonly low: number,
    private readonly listener: FlowListener,
  ) {}

  get unacknowledged(): number {
    return this.unacked;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (!this.isPaused && this.unacked >= this.high) {
      this.isPaused = true;
      this.listener.pause();
    }
  }

  /** The terminal has written `bytes` more bytes. Acknowledging more than was sent counts as all of it. */
  ack(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - Math.max(0, bytes));
    if (this.isPaused && this.unacked <= this.low) {
      this.isPaused = false;
      this.listener.resume();
    }
  }

  /** Forget everything outstanding (the terminal was reset or reloaded) and resume. */
  reset(): void {
    this.ack(Number.MAX_SAFE_INTEGER);
  }
}
