/**
 * `vmdeck console HOST/GUEST`: the user's terminal attached to a guest console through the same
 * ConsoleSession the app uses (batching, flow control, reattach on reboot, markers).
 *
 *  - the local TTY goes to raw mode, so every key (Ctrl-C included) reaches the guest;
 *  - output is acknowledged when the terminal has taken it (stdout's write callback), so a slow terminal
 *    pauses the SSH channel exactly like a slow xterm.js does;
 *  - the terminal's size follows SIGWINCH (stdout 'resize') onto the channel's PTY;
 *  - Ctrl-] typed locally detaches: the session closes (nothing is typed into the guest), the terminal
 *    is restored, and the promise resolves with reason 'detached'. End of input detaches as well, and
 *    so does `signal` aborting (the caller's SIGTERM/SIGHUP handling).
 */
import type { ErrorData } from '../core/errors';
import type { ConsoleLimits } from '../services/consoles/console-limits';
import type { ConsoleLog } from '../services/consoles/console-log';
import { ConsoleSession, type ReattachPolicy } from '../services/consoles/console-session';
import type { ConsoleTarget } from '../services/consoles/console-target';
import { DETACH_ESCAPE } from '../services/consoles/console-text';
import type { Clock } from '../core/clock';
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
  clock?: Clock;
  limits?: Partial<ConsoleLimits>;
  reattach?: Partial<ReattachPolicy>;
  /** Write the session to this log as well. */
  log?: ConsoleLog;
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
export async function runConsoleInTerminal(target: ConsoleTarget, io: TerminalIo, options: ConsoleTtyOptions = {}): Promise<ConsoleTtyResult> {
  const notices = io.stderr ?? io.stdout;
  const session = new ConsoleSession(target, {
    size: terminalSize(io.stdout),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.reattach ? { reattach: options.reattach } : {}),
  });
  const log = options.log;
  const dataSub = session.onData((batch) => {
    log?.output(batch);
    io.stdout.write(batch, () => session.ack(batch.byteLength));
  });
  try {
    log?.mark(`console ${target.label}: session started`);
    await session.start();
  } catch (e) {
    dataSub.dispose();
    session.close();
    log?.mark('session failed to start');
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
      changeSub.dispose();
      session.close(); // emits the last output, then closes the channel without typing anything
      dataSub.dispose();
      log?.mark(result.reason === 'closed' ? `session ended: ${result.error?.message ?? 'closed'}` : `session ${result.reason}`);
      if (io.stdin.isTTY && io.stdin.setRawMode) io.stdin.setRawMode(wasRaw);
      io.stdin.pause();
      notices.write(`\r\n[detached from ${terminalSafe(target.label)}${result.error ? `: ${terminalSafe(result.error.message)}` : ''}]\r\n`);
      resolve(result);
    };
    const onInput = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const escape = bytes.indexOf(DETACH_ESCAPE);
      if (escape < 0) {
        session.input(bytes);
        return;
      }
      if (escape > 0) session.input(bytes.subarray(0, escape));
      finish({ reason: 'detached' });
    };
    const onEnd = () => finish({ reason: 'input-ended' });
    const onResize = () => {
      const { rows, cols } = terminalSize(io.stdout);
      session.resize(rows, cols);
    };
    const onAbort = () => finish({ reason: 'aborted' });
    const changeSub = session.onDidChange(() => {
      if (session.status === 'closed') finish(session.error ? { reason: 'closed', error: session.error } : { reason: 'closed' });
    });
    io.stdin.on('data', onInput);
    io.stdin.on('end', onEnd);
    io.stdout.on('resize', onResize);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    io.stdin.resume();
  });
}
