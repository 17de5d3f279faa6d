/**
 * `vmdeck console HOST/GUEST`: the user's terminal attached to a console of the backend (the same
 * ConsoleService session a window gets: batching, flow control, reattach on reboot, markers), through the
 * contract (`TerminalConsole` is the console as seen by one client).
 *
 *  - the local TTY goes to raw mode, so every key (Ctrl-C included) reaches the guest;
 *  - output is acknowledged when the terminal has taken it (stdout's write callback), so a slow terminal
 *    pauses the SSH channel exactly like a slow xterm.js does;
 *  - the terminal's size follows SIGWINCH (stdout 'resize') onto the channel's PTY;
 *  - Ctrl-] typed locally detaches: the console closes (nothing is typed into the guest), the terminal
 *    is restored, and the promise resolves with reason 'detached'. End of input detaches as well, and
 *    so does `signal` aborting (the caller's SIGTERM/SIGHUP handling).
 */
import type { ErrorData } from '../core/errors';

/** The detach key typed locally (Ctrl-]); it never reaches the guest. */
export const DETACH_ESCAPE = 0x1d;

/** One console as the CLI's client sees it. */
export interface TerminalConsole {
  readonly label: string;
  /** Opens (attaches) at this size; rejects when the first attach fails. */
  open(size: { rows: number; cols: number }): Promise<void>;
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** The console ended by itself (gave up reattaching, host removed), with the reason if any. */
  onClosed(listener: (error: ErrorData | undefined) => void): () => void;
  input(bytes: Uint8Array): void;
  resize(rows: number, cols: number): void;
  ack(bytes: number): void;
  close(): void;
}
import { terminalSafe } from '../core/terminal-safe';

/** The parts of process.stdin / process.stdout used here (streams in tests). */
export interface TtyInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'end', listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface TtyOutput {
  write(data: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
  rows?: number;
  columns?: number;
}

export interface TerminalIo {
  stdin: TtyInput;
  stdout: TtyOutput;
  /** Where the connect/detach notices go (default: stdout). */
  stderr?: { write(data: string): unknown };
}

export interface ConsoleTtyOptions {
  /** Detaches when aborted (e.g. on SIGTERM or SIGHUP). */
  signal?: AbortSignal;
}

export type ConsoleTtyEnd = 'detached' | 'input-ended' | 'aborted' | 'closed';

export interface ConsoleTtyResult {
  reason: ConsoleTtyEnd;
  /** Why the session ended by itself (reason 'closed'). */
  error?: ErrorData;
}

export const DEFAULT_TTY_SIZE = { rows: 24, cols: 80 } as const;

function terminalSize(out: TtyOutput): { rows: number; cols: number } {
  const rows = out.rows && out.rows > 0 ? out.rows : DEFAULT_TTY_SIZE.rows;
  const cols = out.columns && out.columns > 0 ? out.columns : DEFAULT_TTY_SIZE.cols;
  return { rows, cols };
}

/**
 * Attaches the terminal to the console until the user detaches (Ctrl-]) or the session ends.
 * Rejects only when the first attach fails (the terminal is left untouched then).
 */
export async function runConsoleInTerminal(target: TerminalConsole, io: TerminalIo, options: ConsoleTtyOptions = {}): Promise<ConsoleTtyResult> {
  const notices = io.stderr ?? io.stdout;
  let closedBy: { error: ErrorData | undefined } | undefined;
  let onClosed: ((error: ErrorData | undefined) => void) | undefined;
  const offData = target.onData((batch) => {
    io.stdout.write(batch, () => target.ack(batch.byteLength));
  });
  const offClosed = target.onClosed((error) => {
    closedBy = { error };
    onClosed?.(error);
  });
  try {
    await target.open(terminalSize(io.stdout));
  } catch (e) {
    offData();
    offClosed();
    throw e;
  }
  notices.write(`Connected to ${terminalSafe(target.label)}. Escape character is ^]\r\n`);

  const wasRaw = io.stdin.isRaw === true;
  if (io.stdin.isTTY && io.stdin.setRawMode) io.stdin.setRawMode(true);

  return new Promise<ConsoleTtyResult>((resolve) => {
    let done = false;
    const finish = (result: ConsoleTtyResult) => {
      if (done) return;
      done = true;
      io.stdin.off('data', onInput);
      io.stdin.off('end', onEnd);
      io.stdout.off('resize', onResize);
      options.signal?.removeEventListener('abort', onAbort);
      offClosed();
      if (result.reason !== 'closed') target.close(); // closes the channel without typing anything
      offData();
      if (io.stdin.isTTY && io.stdin.setRawMode) io.stdin.setRawMode(wasRaw);
      io.stdin.pause();
      notices.write(`\r\n[detached from ${terminalSafe(target.label)}${result.error ? `: ${terminalSafe(result.error.message)}` : ''}]\r\n`);
      resolve(result);
    };
    const onInput = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const escape = bytes.indexOf(DETACH_ESCAPE);
      if (escape < 0) {
        target.input(bytes);
        return;
      }
      if (escape > 0) target.input(bytes.subarray(0, escape));
      finish({ reason: 'detached' });
    };
    const onEnd = () => finish({ reason: 'input-ended' });
    const onResize = () => {
      const { rows, cols } = terminalSize(io.stdout);
      target.resize(rows, cols);
    };
    const onAbort = () => finish({ reason: 'aborted' });
    onClosed = (error) => finish(error ? { reason: 'closed', error } : { reason: 'closed' });
    io.stdin.on('data', onInput);
    io.stdin.on('end', onEnd);
    io.stdout.on('resize', onResize);
    if (closedBy) onClosed(closedBy.error);
    else if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    io.stdin.resume();
  });
}
