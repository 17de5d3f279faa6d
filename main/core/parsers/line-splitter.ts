/**
 * Cuts a byte stream into complete lines, in linear time and bounded memory. Shared by every line-oriented
 * stream (virsh event, xenstore-watch).
 *
 * Each chunk is decoded once and scanned once from its own start: the unfinished tail is kept as a list of
 * pieces and joined only when its line ends, so a stream without newlines costs O(bytes), not O(bytes^2).
 * The tail is capped at `maxLineLength` characters: past it `push()` throws OUTPUT_TOO_LARGE (a typed error;
 * the caller closes the stream) and the splitter drops what it held. `flush()` returns the tail when the
 * stream ends. A trailing CR is removed (PTY line ends).
 */
import { VmdeckError } from '../errors';

/** Longer than any event line a host sends (virsh event lines are < 1 KiB). */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

export interface LineSplitterOptions {
  maxLineLength?: number;
  /** Names the stream in the error. */
  source?: string;
}

export class LineSplitter {
  private pieces: string[] = [];
  private pendingLength = 0;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly maxLineLength: number;
  /** Characters examined so far (scanned for a newline or copied into a line), for linearity checks. */
  work = 0;

  constructor(private readonly options: LineSplitterOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  /** Characters held for the unfinished line. */
  get pending(): number {
    return this.pendingLength;
  }

  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      this.work += nl - start + 1;
      let line = text.slice(start, nl);
      if (this.pieces.length > 0) {
        this.pieces.push(line);
        line = this.pieces.join('');
        this.work += line.length;
        this.pieces = [];
        this.pendingLength = 0;
      }
      this.checkLength(line.length);
      lines.push(stripCr(line));
      start = nl + 1;
    }
    if (start < text.length) {
      this.work += text.length - start;
      this.checkLength(this.pendingLength + text.length - start);
      this.pieces.push(text.slice(start));
      this.pendingLength += text.length - start;
    }
    return lines;
  }

  flush(): string[] {
    const rest = this.pieces.join('') + this.decoder.decode();
    this.pieces = [];
    this.pendingLength = 0;
    return rest === '' ? [] : [stripCr(rest)];
  }

  private checkLength(length: number): void {
    if (length <= this.maxLineLength) return;
    this.pieces = [];
    this.pendingLength = 0;
    throw new VmdeckError('OUTPUT_TOO_LARGE', `${this.options.source ?? 'A stream'} sent a line longer than ${this.maxLineLength} characters.`, {
      notes: [`limit: ${this.maxLineLength} characters per line`],
    });
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
