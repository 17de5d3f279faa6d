/**
 * CommandRunner for the machine vmdeck runs on: child_process.spawn with the argument vector as is
 * (no shell, so nothing needs quoting). Streams run without a PTY (no native PTY dependency): consoles that
 * need a terminal (`virsh console`) work with line-oriented I/O only; resize() is a no-op. pause()/resume()
 * pause the child's stdout pipe, which blocks the child once the pipe buffer fills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { VmdeckError } from '../core/errors';
import type { Disposable } from '../core/lifecycle';
import { CommandStreamBase } from './command-stream-base';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../core/runner';
import type { Clock } from '../core/clock';
import { RecordingRunner, type ExecAttempt, type ExecDefaults } from './exec-policy';

export interface LocalRunnerOptions extends ExecDefaults {
  label?: string;
  hostId?: string;
  /** The environment commands inherit (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
}

export class LocalCommandRunner extends RecordingRunner implements CommandRunner, Disposable {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly options: LocalRunnerOptions = {}) {
    super(options.label ?? 'local', options.clock, () => options.hostId ?? options.label ?? 'local');
  }

  dispose(): void {
    for (const c of this.children) c.kill('SIGTERM');
    this.children.clear();
    this.disposeRecords();
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.recorded(argv, options, this.options, (attempt) => this.run(argv, options, attempt));
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

  private run(argv: readonly string[], options: ExecOptions, attempt: ExecAttempt): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      if (attempt.failure) return reject(attempt.failure);
      const child = this.spawnChild(argv, options.env);
      const onStop = () => child.kill('SIGKILL');
      attempt.signal.addEventListener('abort', onStop, { once: true });
      child.stdout!.on('data', (c: Buffer) => attempt.addStdout(c));
      child.stderr!.on('data', (c: Buffer) => attempt.addStderr(c));
      child.stdin!.on('error', () => undefined);
      let spawnError: Error | undefined;
      child.once('error', (e) => (spawnError = e));
      child.once('close', (code, signal) => {
        attempt.signal.removeEventListener('abort', onStop);
        if (attempt.failure) return reject(attempt.failure);
        if (spawnError) {
          const notFound = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
          return reject(new VmdeckError(notFound ? 'NOT_FOUND' : 'COMMAND_FAILED', `Cannot run ${argv[0]}: ${spawnError.message}`, attempt.details));
        }
        try {
          resolve(attempt.result(code, signal));
        } catch (e) {
          reject(e);
        }
      });
      if (options.stdin !== undefined) child.stdin!.end(options.stdin);
      else child.stdin!.end();
    });
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    const startedAt = this.clock.now();
    const child = this.spawnChild(argv, options.env);
    const stream = new LocalCommandStream(child);
    stream.onClose((code) => this.record(argv, startedAt, 'stream', { exitCode: code }));
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
