/**
 * CommandRunner for the machine vmdeck runs on: child_process.spawn with the argument vector as is
 * (no shell, so nothing needs quoting). Streams run without a PTY (no native PTY dependency): consoles that
 * need a terminal (`virsh console`) work with line-oriented I/O only; resize() is a no-op. pause()/resume()
 * pause the child's stdout pipe, which blocks the child once the pipe buffer fills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { VmdeckError, isVmdeckError } from '../core/errors';
import { Emitter, type Disposable, type Event } from '../core/lifecycle';
import { CommandStreamBase } from './command-stream-base';
import type { CommandRecord, CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../core/runner';
import { systemClock, type Clock } from '../core/clock';
import { OutputCollector, truncateForDetails } from './output-collector';

export interface LocalRunnerOptions {
  label?: string;
  hostId?: string;
  defaultTimeoutMs?: number;
  defaultMaxOutputBytes?: number;
  /** The environment commands inherit (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
}

export class LocalCommandRunner implements CommandRunner, Disposable {
  readonly label: string;
  private readonly commandEmitter = new Emitter<CommandRecord>();
  readonly onCommand: Event<CommandRecord> = this.commandEmitter.event;
  private readonly clock: Clock;
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly options: LocalRunnerOptions = {}) {
    this.label = options.label ?? 'local';
    this.clock = options.clock ?? systemClock;
  }

  dispose(): void {
    for (const c of this.children) c.kill('SIGTERM');
    this.children.clear();
    this.commandEmitter.dispose();
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const startedAt = this.clock.now();
    try {
      const r = await this.run(argv, options, startedAt);
      this.record(argv, startedAt, r.exitCode, undefined, 'exec');
      return r;
    } catch (e) {
      const exitCode = isVmdeckError(e) && typeof e.details?.exitCode === 'number' ? e.details.exitCode : null;
      this.record(argv, startedAt, exitCode, isVmdeckError(e) ? e.code : 'INTERNAL', 'exec');
      throw e;
    }
  }

  private record(argv: readonly string[], startedAt: number, exitCode: number | null, error: string | undefined, kind: 'exec' | 'stream'): void {
    const r: CommandRecord = { hostId: this.options.hostId ?? this.label, argv: [...argv], startedAt, durationMs: this.clock.now() - startedAt, exitCode, kind };
    if (error !== undefined) r.error = error;
    this.commandEmitter.fire(r);
  }

  private spawnChild(argv: readonly string[], env: Readonly<Record<string, string>> | undefined): ChildProcess {
    const [file, ...args] = argv;
    if (file === undefined) throw new VmdeckError('INVALID_ARGUMENT', 'empty command');
    for (const a of argv) if (a.includes('\0')) throw new VmdeckError('INVALID_ARGUMENT', 'a command argument contains a NUL byte');
    const child = spawn(file, args, { shell: false, stdio: ['pipe', 'pipe', 'pipe'], env: { ...(this.options.env ?? process.env), ...(env ?? {}) } });
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    return child;
  }

  private run(argv: readonly string[], options: ExecOptions, startedAt: number): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 60_000;
    const maxBytes = options.maxOutputBytes ?? this.options.defaultMaxOutputBytes ?? 64 * 1024 * 1024;
    const okExitCodes = options.okExitCodes ?? [0];
    const details = { command: [...argv], host: this.label };
    return new Promise<ExecResult>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new VmdeckError('CANCELLED', `Command cancelled: ${argv.join(' ')}`, details));
      const child = this.spawnChild(argv, options.env);
      const output = new OutputCollector(maxBytes);
      let failure: VmdeckError | undefined;
      const stop = (e: VmdeckError) => {
        failure ??= e;
        child.kill('SIGKILL');
      };
      const timer = this.clock.setTimeout(() => stop(new VmdeckError('TIMEOUT', `Command timed out after ${timeoutMs} ms: ${argv.join(' ')}`, details)), timeoutMs);
      const onAbort = () => stop(new VmdeckError('CANCELLED', `Command cancelled: ${argv.join(' ')}`, details));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const tooLarge = () => stop(new VmdeckError('OUTPUT_TOO_LARGE', `Command output exceeded ${maxBytes} bytes: ${argv.join(' ')}`, details));
      child.stdout!.on('data', (c: Buffer) => {
        if (!output.addStdout(c)) tooLarge();
      });
      child.stderr!.on('data', (c: Buffer) => {
        if (!output.addStderr(c)) tooLarge();
      });
      child.stdin!.on('error', () => undefined);
      let spawnError: Error | undefined;
      child.once('error', (e) => (spawnError = e));
      child.once('close', (code, signal) => {
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        if (spawnError) {
          const notFound = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
          return reject(new VmdeckError(notFound ? 'NOT_FOUND' : 'COMMAND_FAILED', `Cannot run ${argv[0]}: ${spawnError.message}`, details));
        }
        const stderr = output.stderr();
        if (code === null || !okExitCodes.includes(code)) {
          return reject(
            new VmdeckError('COMMAND_FAILED', `Command failed (${code === null ? `signal ${signal}` : `exit ${code}`}): ${argv.join(' ')}`, {
              ...details,
              exitCode: code,
              stderr: truncateForDetails(stderr),
            }),
          );
        }
        resolve({ stdout: output.stdout(), stderr, exitCode: code, durationMs: this.clock.now() - startedAt });
      });
      if (options.stdin !== undefined) child.stdin!.end(options.stdin);
      else child.stdin!.end();
    });
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    const startedAt = this.clock.now();
    const child = this.spawnChild(argv, options.env);
    const stream = new LocalCommandStream(child);
    stream.onClose((code) => this.record(argv, startedAt, code, undefined, 'stream'));
    return stream;
  }
}

class LocalCommandStream extends CommandStreamBase implements CommandStream {
  constructor(private readonly child: ChildProcess) {
    super();
    child.stdout!.on('data', (c: Buffer) => this.dataEmitter.fire(new Uint8Array(c)));
    child.stderr!.on('data', (c: Buffer) => this.stderrEmitter.fire(new Uint8Array(c)));
    child.stdin!.on('error', () => undefined);
    child.once('error', () => undefined);
    child.once('close', (code) => this.markClosed(code));
  }

  write(data: Uint8Array | string): void {
    if (!this.isClosed) this.child.stdin!.write(data);
  }
  pause(): void {
    this.child.stdout!.pause();
  }
  resume(): void {
    this.child.stdout!.resume();
  }
  resize(): void {
    // No PTY for local streams.
  }
  close(): void {
    if (this.isClosed) return;
    this.child.stdin!.end();
    this.child.kill('SIGTERM');
  }
  dispose(): void {
    this.close();
  }
}
