/**
 * CommandRunner over a host's shared SshConnection. Every argument is quoted for the remote POSIX shell
 * (shell-quote.ts); each command is one session channel. Failures are typed:
 *   timeout -> channel closed (dropped if the peer never confirms) + TIMEOUT; abort -> CANCELLED; output cap -> OUTPUT_TOO_LARGE;
 *   exit code not in okExitCodes -> COMMAND_FAILED {exitCode, stderr (truncated), command};
 *   connection lost mid-command -> DISCONNECTED.
 * Streams (consoles, event streams) map pause/resume onto the channel stream, so a paused consumer stops the
 * SSH window from growing and the remote side blocks.
 */
import type { ClientChannel } from 'ssh2';
import { VmdeckError } from '../core/errors';
import type { Disposable } from '../core/lifecycle';
import { CommandStreamBase } from './command-stream-base';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../core/runner';
import type { Clock } from '../core/clock';
import { RecordingRunner, type ExecAttempt, type ExecDefaults } from './exec-policy';
import { quoteCommand } from './shell-quote';
import type { OpenedChannel, SshConnection } from './ssh-connection';

export interface SshRunnerOptions extends ExecDefaults {
  label?: string;
  /** How long a stream's channel may take to open (default 30 s). */
  defaultOpenTimeoutMs?: number;
  clock?: Clock;
}

export class SshCommandRunner extends RecordingRunner implements CommandRunner, Disposable {
  constructor(
    private readonly connection: SshConnection,
    private readonly options: SshRunnerOptions = {},
  ) {
    super(options.label ?? connection.hostId, options.clock, () => connection.hostId);
  }

  dispose(): void {
    this.disposeRecords();
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = quoteCommand(argv, options.env ? { env: options.env } : {});
    // One attempt covers queueing, opening and running: the deadline counts from the call.
    return this.recorded(argv, options, this.options, (attempt) => this.run(command, options, attempt));
  }

  private async run(command: string, options: ExecOptions, attempt: ExecAttempt): Promise<ExecResult> {
    let opened: OpenedChannel;
    try {
      opened = await this.connection.openExec(command, {
        signal: attempt.signal,
        attach: ({ channel }) => {
          channel.on('data', (chunk: Buffer) => attempt.addStdout(chunk));
          channel.stderr.on('data', (chunk: Buffer) => attempt.addStderr(chunk));
        },
      });
    } catch (e) {
      throw attempt.failure ?? e;
    }
    const { channel, closed } = opened;
    // A stop closes the channel; a peer that never confirms is dropped after the grace (the slot is freed).
    const onStop = () => opened.shutdown();
    attempt.signal.addEventListener('abort', onStop, { once: true });
    if (attempt.signal.aborted) onStop();
    if (options.stdin !== undefined) channel.end(typeof options.stdin === 'string' ? options.stdin : Buffer.from(options.stdin));
    else channel.end();
    const { lost } = await closed;
    attempt.signal.removeEventListener('abort', onStop);
    if (attempt.failure) throw attempt.failure;
    const exitCode = opened.exit?.code ?? null;
    if (lost && exitCode === null) {
      throw new VmdeckError('DISCONNECTED', `Connection lost while running: ${attempt.details.command.join(' ')}`, attempt.details);
    }
    return attempt.result(exitCode, opened.exit?.signal);
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    const command = quoteCommand(argv, options.env ? { env: options.env } : {});
    const startedAt = this.clock.now();
    const openTimeoutMs = options.openTimeoutMs ?? this.options.defaultOpenTimeoutMs ?? 30_000;
    const controller = new AbortController();
    let failure: VmdeckError | undefined;
    const stop = (e: VmdeckError) => {
      failure ??= e;
      controller.abort();
    };
    const timer = this.clock.setTimeout(() => stop(new VmdeckError('TIMEOUT', `Opening a channel for ${argv.join(' ')} timed out after ${openTimeoutMs} ms.`, { command: [...argv], host: this.label })), openTimeoutMs);
    const onAbort = () => stop(new VmdeckError('CANCELLED', `Cancelled: ${argv.join(' ')}`, { command: [...argv], host: this.label }));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    let stream: SshCommandStream | undefined;
    try {
      await this.connection.openExec(command, {
        signal: controller.signal,
        ...(options.pty ? { pty: options.pty } : {}),
        attach: (opened) => {
          stream = new SshCommandStream(opened);
        },
      });
    } catch (e) {
      const error = failure ?? e;
      this.record(argv, startedAt, 'stream', { exitCode: null, error });
      throw error;
    } finally {
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (!stream) throw new VmdeckError('INTERNAL', 'channel opened without a stream');
    stream.onClose((exitCode) => {
      this.record(argv, startedAt, 'stream', { exitCode });
    });
    return stream;
  }
}

/** A long-lived channel with explicit flow control. */
export class SshCommandStream extends CommandStreamBase implements CommandStream {
  private readonly channel: ClientChannel;

  constructor(private readonly opened: OpenedChannel) {
    super();
    const channel = (this.channel = opened.channel);
    channel.on('data', (chunk: Buffer) => this.dataEmitter.fire(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    channel.stderr.on('data', (chunk: Buffer) => this.stderrEmitter.fire(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    channel.on('error', () => undefined);
    void opened.closed.then(() => this.markClosed(this.opened.exit?.code ?? null));
  }

  write(data: Uint8Array | string): void {
    if (this.isClosed) return;
    this.channel.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  pause(): void {
    this.channel.pause();
  }
  resume(): void {
    this.channel.resume();
  }
  resize(rows: number, cols: number): void {
    if (!this.isClosed) this.channel.setWindow(rows, cols, 0, 0);
  }

  close(): void {
    if (this.isClosed) return;
    this.opened.shutdown();
  }

  dispose(): void {
    this.close();
  }
}
