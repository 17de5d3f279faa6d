/**
 * CommandRunner over a host's shared SshConnection. Every argument is quoted for the remote POSIX shell
 * (shell-quote.ts); each command is one session channel. Failures are typed:
 *   timeout -> channel closed + TIMEOUT; abort -> CANCELLED; output cap -> OUTPUT_TOO_LARGE;
 *   exit code not in okExitCodes -> COMMAND_FAILED {exitCode, stderr (truncated), command};
 *   connection lost mid-command -> DISCONNECTED.
 * Streams (consoles, event streams) map pause/resume onto the channel stream, so a paused consumer stops the
 * SSH window from growing and the remote side blocks.
 */
import type { ClientChannel } from 'ssh2';
import { VmdeckError, isVmdeckError } from '../core/errors';
import { Emitter, type Disposable, type Event } from '../core/lifecycle';
import { CommandStreamBase } from './command-stream-base';
import type { CommandRecord, CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../core/runner';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { OutputCollector, truncateForDetails } from './output-collector';
import { quoteCommand } from './shell-quote';
import type { OpenedChannel, SshConnection } from './ssh-connection';

export interface SshRunnerOptions {
  label?: string;
  defaultTimeoutMs?: number;
  defaultMaxOutputBytes?: number;
  clock?: Clock;
}

export class SshCommandRunner implements CommandRunner, Disposable {
  readonly label: string;
  private readonly commandEmitter = new Emitter<CommandRecord>();
  readonly onCommand: Event<CommandRecord> = this.commandEmitter.event;
  private readonly clock: Clock;

  constructor(
    private readonly connection: SshConnection,
    private readonly options: SshRunnerOptions = {},
  ) {
    this.label = options.label ?? connection.hostId;
    this.clock = options.clock ?? systemClock;
  }

  dispose(): void {
    this.commandEmitter.dispose();
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = quoteCommand(argv, options.env ? { env: options.env } : {});
    const startedAt = this.clock.now();
    const record = (exitCode: number | null, error?: string) => {
      const r: CommandRecord = { hostId: this.connection.hostId, argv: [...argv], startedAt, durationMs: this.clock.now() - startedAt, exitCode, kind: 'exec' };
      if (error !== undefined) r.error = error;
      this.commandEmitter.fire(r);
    };
    try {
      const result = await this.run(argv, command, options, startedAt);
      record(result.exitCode);
      return result;
    } catch (e) {
      const exitCode = isVmdeckError(e) && typeof e.details?.exitCode === 'number' ? e.details.exitCode : null;
      record(exitCode, isVmdeckError(e) ? e.code : 'INTERNAL');
      throw e;
    }
  }

  private async run(argv: readonly string[], command: string, options: ExecOptions, startedAt: number): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 60_000;
    const maxBytes = options.maxOutputBytes ?? this.options.defaultMaxOutputBytes ?? 64 * 1024 * 1024;
    const okExitCodes = options.okExitCodes ?? [0];
    const details = { command: [...argv], host: this.label };

    // One controller covers queueing, opening and running: the timeout counts from the call.
    const controller = new AbortController();
    let failure: VmdeckError | undefined;
    const stop = (e: VmdeckError) => {
      failure ??= e;
      controller.abort();
    };
    const timer = this.clock.setTimeout(() => stop(new VmdeckError('TIMEOUT', `Command timed out after ${timeoutMs} ms: ${argv.join(' ')}`, details)), timeoutMs);
    const onAbort = () => stop(new VmdeckError('CANCELLED', `Command cancelled: ${argv.join(' ')}`, details));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const output = new OutputCollector(maxBytes);
      const tooLarge = () => stop(new VmdeckError('OUTPUT_TOO_LARGE', `Command output exceeded ${maxBytes} bytes: ${argv.join(' ')}`, details));
      let opened: OpenedChannel;
      try {
        opened = await this.connection.openExec(command, {
          signal: controller.signal,
          attach: ({ channel }) => {
            channel.on('data', (chunk: Buffer) => {
              if (!output.addStdout(chunk)) tooLarge();
            });
            channel.stderr.on('data', (chunk: Buffer) => {
              if (!output.addStderr(chunk)) tooLarge();
            });
          },
        });
      } catch (e) {
        throw failure ?? e;
      }
      const { channel, closed } = opened;
      const onStop = () => closeChannel(channel);
      controller.signal.addEventListener('abort', onStop, { once: true });
      if (controller.signal.aborted) onStop();
      if (options.stdin !== undefined) channel.end(typeof options.stdin === 'string' ? options.stdin : Buffer.from(options.stdin));
      else channel.end();
      const { lost } = await closed;
      controller.signal.removeEventListener('abort', onStop);
      if (failure) throw failure;
      const exitCode = opened.exit?.code ?? null;
      const exitSignal = opened.exit?.signal;
      if (lost && exitCode === null) {
        throw new VmdeckError('DISCONNECTED', `Connection lost while running: ${argv.join(' ')}`, details);
      }
      const stderr = output.stderr();
      if (exitCode === null || !okExitCodes.includes(exitCode)) {
        throw new VmdeckError('COMMAND_FAILED', `Command failed (${exitCode === null ? `signal ${exitSignal ?? 'unknown'}` : `exit ${exitCode}`}): ${argv.join(' ')}`, {
          ...details,
          exitCode,
          stderr: truncateForDetails(stderr),
          ...(exitSignal ? { signal: exitSignal } : {}),
        });
      }
      return { stdout: output.stdout(), stderr, exitCode, durationMs: this.clock.now() - startedAt };
    } finally {
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    const command = quoteCommand(argv, options.env ? { env: options.env } : {});
    const startedAt = this.clock.now();
    let stream: SshCommandStream | undefined;
    try {
      await this.connection.openExec(command, {
        ...(options.pty ? { pty: options.pty } : {}),
        attach: (opened) => {
          stream = new SshCommandStream(opened);
        },
      });
    } catch (e) {
      this.commandEmitter.fire({ hostId: this.connection.hostId, argv: [...argv], startedAt, durationMs: this.clock.now() - startedAt, exitCode: null, error: isVmdeckError(e) ? e.code : 'INTERNAL', kind: 'stream' });
      throw e;
    }
    if (!stream) throw new VmdeckError('INTERNAL', 'channel opened without a stream');
    stream.onClose((exitCode) => {
      this.commandEmitter.fire({ hostId: this.connection.hostId, argv: [...argv], startedAt, durationMs: this.clock.now() - startedAt, exitCode, kind: 'stream' });
    });
    return stream;
  }
}

function closeChannel(channel: ClientChannel): void {
  try {
    channel.close();
  } catch {
    channel.destroy();
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
    closeChannel(this.channel);
  }

  dispose(): void {
    this.close();
  }
}
