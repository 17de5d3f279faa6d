/**
 * A console session's log file: guest output (which includes the echo of what was typed) as readable,
 * timestamped lines, plus marks for session start, stop and reattach.
 *
 *  - one line per output line: `2026-11-25T19:30:01.123Z <text>`, the time being when the line's first
 *    byte arrived; escape sequences and carriage returns stripped (terminal-text.ts);
 *  - a partial line (a shell prompt) is written after `partialLineMs` without a newline, or at `maxLineChars`;
 *  - size cap: before a write would pass `maxBytes` the file rotates to `.1`, `.2` ... keeping `keep` files;
 *  - files are created with mode 0600 in directories created with mode 0700.
 * Writes are synchronous and happen in batches (every `flushMs` or past 64 KiB), so at most one batch of
 * text is held in memory. A failed write closes the log and reports through `onError`.
 */
import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, writeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Disposable } from '../../core/lifecycle';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock';
import { safeFileName, stripTerminalControls } from './terminal-text';

export const DEFAULT_LOG_KEEP = 5;
const FLUSH_BYTES = 64 * 1024;

export interface ConsoleLogOptions {
  path: string;
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep?: number;
  clock?: Clock;
  partialLineMs?: number;
  flushMs?: number;
  onError?: (error: unknown) => void;
}

/** `<logDir>/<host>/<guest>-<YYYY-MM-DD>.log`, names made file-safe (a changed name gets the UUID's start). */
export function consoleLogPath(logDir: string, hostLabel: string, guestName: string, uuid: string, epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  let guest = safeFileName(guestName);
  if (guest !== guestName) guest = `${guest}-${uuid.slice(0, 8)}`;
  return join(logDir, safeFileName(hostLabel), `${guest}-${date}.log`);
}

export class ConsoleLog implements Disposable {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly clock: Clock;
  private readonly partialLineMs: number;
  private readonly flushMs: number;
  private readonly maxLineChars: number;
  private readonly onError: ((error: unknown) => void) | undefined;
  private readonly decoder = new TextDecoder('utf-8');
  private fd: number | undefined;
  private fileSize: number;
  private partial = '';
  private partialSince = 0;
  private partialTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private queued: string[] = [];
  private queuedBytes = 0;

  private constructor(options: ConsoleLogOptions, fd: number, size: number) {
    this.path = options.path;
    this.maxBytes = options.maxBytes;
    this.keep = Math.max(0, options.keep ?? DEFAULT_LOG_KEEP);
    this.clock = options.clock ?? systemClock;
    this.partialLineMs = options.partialLineMs ?? 1000;
    this.flushMs = options.flushMs ?? 200;
    this.maxLineChars = Math.max(80, Math.min(64 * 1024, Math.floor(options.maxBytes / 4)));
    this.onError = options.onError;
    this.fd = fd;
    this.fileSize = size;
  }

  /** Opens (appends to) the log file, creating its directory. Throws on failure. */
  static open(options: ConsoleLogOptions): ConsoleLog {
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    const { fd, size } = openPrivate(options.path);
    return new ConsoleLog(options, fd, size);
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Guest output, as the terminal receives it. */
  output(bytes: Uint8Array): void {
    if (this.fd === undefined) return;
    this.addText(this.decoder.decode(bytes, { stream: true }));
  }

  /** A session event on a line of its own: `<time> ---- <text> ----`. */
  mark(text: string): void {
    if (this.fd === undefined) return;
    this.endPartialLine();
    this.enqueue(`${this.stamp(this.clock.now())} ---- ${text} ----\n`);
  }

  /** Writes everything held, including a partial line. */
  flush(): void {
    this.endPartialLine();
    this.writeQueued();
  }

  dispose(): void {
    if (this.fd === undefined) return;
    this.addText(this.decoder.decode());
    this.flush();
    this.closeFile();
  }

  // -------------------------------------------------------------------------------------------------

  private stamp(epochMs: number): string {
    return new Date(epochMs).toISOString();
  }

  private addText(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      if (this.partial.length === 0) this.partialSince = this.clock.now();
      const nl = rest.indexOf('\n');
      if (nl < 0) {
        this.partial += rest;
        rest = '';
      } else {
        this.partial += rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        this.endLine();
        continue;
      }
      if (this.partial.length >= this.maxLineChars) this.endLine();
    }
    if (this.partial.length > 0) this.partialTimer ??= this.clock.setTimeout(() => this.partialTimedOut(), this.partialLineMs);
    else this.cancelPartialTimer();
  }

  private partialTimedOut(): void {
    this.partialTimer = undefined;
    this.endPartialLine();
  }

  private endPartialLine(): void {
    if (this.partial.length > 0) this.endLine();
    this.cancelPartialTimer();
  }

  private cancelPartialTimer(): void {
    this.partialTimer?.cancel();
    this.partialTimer = undefined;
  }

  private endLine(): void {
    const text = stripTerminalControls(this.partial);
    const since = this.partialSince;
    this.partial = '';
    this.enqueue(`${this.stamp(since)} ${text}\n`);
  }

  private enqueue(line: string): void {
    if (this.fd === undefined) return;
    this.queued.push(line);
    this.queuedBytes += Buffer.byteLength(line);
    if (this.queuedBytes >= FLUSH_BYTES) this.writeQueued();
    else this.flushTimer ??= this.clock.setTimeout(() => this.writeQueued(), this.flushMs);
  }

  private writeQueued(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const lines = this.queued;
    this.queued = [];
    this.queuedBytes = 0;
    try {
      let piece = '';
      let pieceBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.fileSize + pieceBytes + bytes > this.maxBytes && this.fileSize + pieceBytes > 0) {
          this.writeRaw(piece);
          piece = '';
          pieceBytes = 0;
          this.rotate();
        }
        piece += line;
        pieceBytes += bytes;
      }
      this.writeRaw(piece);
    } catch (e) {
      this.closeFile();
      this.onError?.(e);
    }
  }

  private writeRaw(text: string): void {
    if (text.length === 0 || this.fd === undefined) return;
    const buf = Buffer.from(text);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    this.fileSize += buf.length;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (this.keep > 0) {
      for (let i = this.keep - 1; i >= 1; i--) {
        const from = `${this.path}.${i}`;
        if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    const { fd, size } = openPrivate(this.path, this.keep === 0);
    this.fd = fd;
    this.fileSize = size;
  }

  private closeFile(): void {
    this.cancelPartialTimer();
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    this.queued = [];
    this.queuedBytes = 0;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already unusable; nothing more to release
      }
    }
  }
}

/** Opens for appending (or truncating) with mode 0600, also tightening an existing file's mode. */
function openPrivate(path: string, truncate = false): { fd: number; size: number } {
  const fd = openSync(path, truncate ? 'w' : 'a', 0o600);
  try {
    fchmodSync(fd, 0o600);
    return { fd, size: fstatSync(fd).size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
