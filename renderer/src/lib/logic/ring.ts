/** A fixed-capacity ring of numeric samples with timestamps (CPU/memory history per guest). */
export class SampleRing {
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly values: Float32Array;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be >= 1');
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.values = new Float32Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(time: number, value: number): void {
    this.times[this.head] = time;
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest first. */
  toArray(): { t: number; v: number }[] {
    const out: { t: number; v: number }[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const j = (start + i) % this.capacity;
      out.push({ t: this.times[j]!, v: this.values[j]! });
    }
    return out;
  }

  /** Values only, oldest first. */
  valuesArray(): number[] {
    return this.toArray().map((s) => s.v);
  }

  last(): number | undefined {
    if (this.count === 0) return undefined;
    return this.values[(this.head - 1 + this.capacity) % this.capacity];
  }
}
