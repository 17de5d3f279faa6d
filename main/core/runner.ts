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

/** Every command run on a host, as shown in the activity log. */
export interface CommandRecord {
  hostId: string;
  argv: readonly string[];
  startedAt: number;
  durationMs: number;
  exitCode: number | null;
  /** Error code when the command did not complete normally. */
  error?: string;
  /** `notice`: not a command but something vmdeck tells the user (a corrupt store moved aside); see `message`. */
  kind: 'exec' | 'stream' | 'notice';
  message?: string;
}

export interface CommandRunner {
  /** A short label for messages and the activity log ("kvm1", "local"). */
  readonly label: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream>;
}
