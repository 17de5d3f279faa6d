/**
 * The numbers behind console output batching and flow control (architecture pattern 11).
 *
 * Memory bound per session, whatever the guest prints: at most `highWatermark` bytes emitted to the
 * renderer and not yet acknowledged, plus at most `maxBatchBytes` plus one channel chunk waiting in the
 * batch. Once the high watermark is reached the channel is paused, so the SSH window stops growing and the
 * remote `virsh console` / `xl console` blocks on its write.
 */
export interface ConsoleLimits {
  /** While output keeps coming, how long chunks are collected into one batch (the first chunk after a quiet spell goes at once). */
  batchMs: number;
  /** A batch is emitted at once when it reaches this many bytes. */
  maxBatchBytes: number;
  /** Pause the channel when this many emitted bytes are unacknowledged (>=). */
  highWatermark: number;
  /** Resume the channel when unacknowledged bytes fall to this many (<=). */
  lowWatermark: number;
}

export const DEFAULT_CONSOLE_LIMITS: Readonly<ConsoleLimits> = Object.freeze({
  batchMs: 5,
  maxBatchBytes: 64 * 1024,
  highWatermark: 1024 * 1024,
  lowWatermark: 256 * 1024,
});

export function consoleLimits(overrides: Partial<ConsoleLimits> = {}): ConsoleLimits {
  const limits = { ...DEFAULT_CONSOLE_LIMITS, ...overrides };
  if (!(limits.lowWatermark < limits.highWatermark)) throw new RangeError('lowWatermark must be below highWatermark');
  if (limits.batchMs < 0 || limits.maxBatchBytes < 1) throw new RangeError('invalid batch limits');
  return limits;
}
