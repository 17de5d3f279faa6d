/**
 * The toolstack's known noise in a console's output: whole lines that the console command prints about
 * itself (virsh's polkit complaint on every attach) rather than guest output. They are cut from what the
 * terminal shows; the session log and the activity log keep them.
 *
 * Works on bytes, line by line, without decoding: at each line start the following bytes are compared with
 * the known lines. A line start that could still become a noise line (the chunk ended inside it) is held
 * back until the next chunk, or until `flush()` (the caller flushes after a short quiet time, so a guest
 * that prints "Auth" and waits is not held back for long).
 */

/** Lines the toolstack prints around a console that are not the guest's (exact text, without line end). */
export const CONSOLE_NOISE_LINES: readonly string[] = [
  // libvirt's client when polkit is not running (every `virsh console` on such hosts).
  'Authorization not available. Check if polkit service is running or see debug message for more information.',
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CR = 0x0d;
const LF = 0x0a;

export interface FilteredOutput {
  /** What the terminal should show. */
  shown: Uint8Array;
  /** Noise lines cut from it (text, without line end). */
  noise: string[];
  /** Bytes cut (the line and its line end). */
  droppedBytes: number;
}

export class ConsoleNoiseFilter {
  private readonly lines: Uint8Array[];
  private held: Uint8Array = new Uint8Array(0);
  private atLineStart = true;

  constructor(lines: readonly string[] = CONSOLE_NOISE_LINES) {
    this.lines = lines.map((l) => encoder.encode(l));
  }

  /** Bytes held back because they may begin a noise line. */
  get heldBytes(): number {
    return this.held.byteLength;
  }

  push(chunk: Uint8Array): FilteredOutput {
    const data = this.held.byteLength === 0 ? chunk : concat(this.held, chunk);
    this.held = new Uint8Array(0);
    const out: Uint8Array[] = [];
    const noise: string[] = [];
    let dropped = 0;
    let from = 0; // start of the bytes not yet copied to `out`
    let i = 0;
    while (i < data.length) {
      if (this.atLineStart) {
        const m = this.matchAt(data, i);
        if (m.kind === 'partial') {
          out.push(data.subarray(from, i));
          this.held = data.slice(i);
          return { shown: join(out), noise, droppedBytes: dropped };
        }
        if (m.kind === 'full') {
          out.push(data.subarray(from, i));
          noise.push(decoder.decode(m.line));
          dropped += m.end - i;
          i = m.end;
          from = i;
          continue; // still at a line start
        }
      }
      const b = data[i]!;
      this.atLineStart = b === LF;
      i++;
    }
    if (from === 0 && data === chunk) return { shown: chunk, noise, droppedBytes: 0 }; // nothing cut: the batch as it came
    out.push(data.subarray(from));
    return { shown: join(out), noise, droppedBytes: dropped };
  }

  /** Releases held bytes as output (after a quiet spell, or when the session ends). */
  flush(): Uint8Array {
    const h = this.held;
    this.held = new Uint8Array(0);
    if (h.byteLength > 0) this.atLineStart = h[h.byteLength - 1] === LF;
    return h;
  }

  private matchAt(data: Uint8Array, at: number): { kind: 'none' } | { kind: 'partial' } | { kind: 'full'; end: number; line: Uint8Array } {
    let partial = false;
    for (const line of this.lines) {
      const avail = data.length - at;
      const n = Math.min(avail, line.length);
      let same = true;
      for (let k = 0; k < n; k++) {
        if (data[at + k] !== line[k]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (avail < line.length) {
        partial = true;
        continue;
      }
      // The whole line is there: it must end the line (CR LF, LF, or CR CR LF as a PTY may print).
      let end = at + line.length;
      while (end < data.length && data[end] === CR) end++;
      if (end === data.length) {
        partial = true; // the line end has not arrived yet
        continue;
      }
      if (data[end] === LF) return { kind: 'full', end: end + 1, line };
    }
    return partial ? { kind: 'partial' } : { kind: 'none' };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.byteLength > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!.slice();
  let n = 0;
  for (const p of nonEmpty) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of nonEmpty) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
