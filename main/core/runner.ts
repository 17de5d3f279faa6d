/**
 * The seam between hypervisor drivers and the transport. Commands are argument vectors: the transport
 * quotes each argument for the remote POSIX shell, so a caller can never build a shell string by accident.
 * Implemented by the SSH transport (one shared connection per host) and by the local runner.
 */
import type { Disposable } from './lifecycle';

export interface ExecOptions {
  /** Kill the command and reject with TIMEOUT after this many ms (default set by the runner). */
  timeoutMs?: number;
  /** Reject with CANCELLED and close the channel when aborted. */
  signal?: AbortSignal;
  /** Reject with OUTPUT_TOO_LARGE past this many bytes of stdout+stderr (default set by the runner). */
  maxOutputBytes?: number;
  /** Exit codes that count as success (default [0]); others reject with COMMAND_FAILED. */
  okExitCodes?: readonly number[];
  /** Written to the command's stdin, then stdin is closed. */
  stdin?: string | Uint8Array;
  /** Extra environment for the command, passed as `env NAME=value` arguments (quoted). */
  env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export interface StreamOptions {
  /** Allocate a PTY of this size (consoles). */
  pty?: { rows: number; cols: number; term?: string };
  env?: Readonly<Record<string, string>>;
  /** Reject with TIMEOUT if the channel is not open after this many ms (default set by the runner). */
  openTimeoutMs?: number;
  /** Reject with CANCELLED while opening. */
  signal?: AbortSignal;
}

/** A long-lived channel: a console or an event stream. Bytes in, bytes out, explicit flow control. */
export interface CommandStream extends Disposable {
  onData(listener: (chunk: Uint8Array) => void): Disposable;
  onStderr(listener: (chunk: Uint8Array) => void): Disposable;
  /** Fires once when the channel closes, with the exit code if the remote reported one. */
  onClose(listener: (exitCode: number | null) => void): Disposable;
  write(data: Uint8Array | string): void;
  /** Stop reading from the channel (SSH window stops growing: the remote blocks). */
  pause(): void;
  resume(): void;
  resize(rows: number, cols: number): void;
  /** Close the channel; onClose fires. Same as dispose(). */
  close(): void;
  readonly closed: boolean;
}

/**
 * One line of the activity log: a command run on a host (`exec`, `stream`: polling, events, probes, the
 * commands behind an action) or something the user asked for (`action`: a lifecycle action, a console
 * opened, a host added), recorded with who, what, on which guest (by name) and the result.
 */
export interface CommandRecord {
  hostId: string;
  /** The command as run; for an action, the action and its guest (`start alpha`), for searching. */
  argv: readonly string[];
  startedAt: number;
  durationMs: number;
  exitCode: number | null;
  /** Error code when the command or action did not complete normally. */
  error?: string;
  /** `notice`: not a command but something vmdeck tells the user (a corrupt store moved aside); see `message`. */
  kind: 'exec' | 'stream' | 'action' | 'notice';
  /** kind `action`: what was asked ("start", "console", "add host" ...). */
  action?: string;
  /** kind `action` on a guest: its name at the time and its UUID. */
  guestName?: string;
  guestUuid?: string;
  /** kind `action`: who asked (the local account running vmdeck). */
  user?: string;
  /** kind `action` that failed: the error message; kind `notice`: what the user is told. */
  message?: string;
  /** Something the command printed worth keeping, e.g. toolstack noise cut from a console's terminal. */
  note?: string;
}

/** A user action (as opposed to a background command). */
export const isUserAction = (r: Pick<CommandRecord, 'kind'>): boolean => r.kind === 'action';

export interface CommandRunner {
  /** A short label for messages and the activity log ("kvm1", "local"). */
  readonly label: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream>;
}
