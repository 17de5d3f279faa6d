/**
 * A minimal CommandRunner over the OpenSSH client, for console lab tests independent of the app's own
 * transport: every command is a separate `ssh` process (one connection each). Streams run under
 * `ssh -tt` (a remote PTY); flow control pauses the child's stdout, so the pipe fills, ssh stops reading
 * the channel, the SSH window closes and the remote blocks, like a paused ssh2 channel.
 * The remote PTY's size is set with `stty` before the command; resizing later is not possible without a
 * local PTY, so resize() only records the request.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { VmdeckError } from '../../../main/core/errors';
import { Emitter, type Disposable } from '../../../main/core/lifecycle';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../../../main/core/runner';
import { quoteArg, quoteCommand } from '../../../main/transport/shell-quote';

export class OpenSshStreamRunner implements CommandRunner {
  readonly streams = new Set<OpenSshCommandStream>();

  constructor(
    /** From the lab's sshArgs(host): ['-F', config, host]; the host comes last. */
    private readonly sshArgs: readonly string[],
    readonly label: string,
  ) {}

  private argsFor(remote: string, tty: boolean): string[] {
    const host = this.sshArgs.at(-1) ?? '';
    const opts = this.sshArgs.slice(0, -1);
    return [...opts, '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', ...(tty ? ['-tt', '-e', 'none'] : ['-T']), host, remote];
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const child = spawn('ssh', this.argsFor(quoteCommand(argv, options.env ? { env: options.env } : {}), false), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new VmdeckError('TIMEOUT', `timed out: ${argv.join(' ')}`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: code ?? -1, durationMs: Date.now() - started };
        if (!(options.okExitCodes ?? [0]).includes(result.exitCode)) {
          reject(new VmdeckError('COMMAND_FAILED', `exit ${result.exitCode}: ${argv.join(' ')}`, { exitCode: result.exitCode, stderr: result.stderr, command: [...argv] }));
        } else resolve(result);
      });
    });
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    const command = quoteCommand(argv, options.env ? { env: options.env } : {});
    const pty = options.pty;
    const remote = pty
      ? `stty rows ${pty.rows} cols ${pty.cols} 2>/dev/null; TERM=${quoteArg(pty.term ?? 'xterm-256color')}; export TERM; exec ${command}`
      : command;
    const child = spawn('ssh', this.argsFor(remote, true), { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const stream = new OpenSshCommandStream(child, argv);
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
    return stream;
  }

  /** Open streams running a console command (the driver's event stream runs here too). */
  get consoleStreams(): OpenSshCommandStream[] {
    return [...this.streams].filter((s) => s.argv.includes('console'));
  }

  /** Closes every stream still open. */
  dispose(): void {
    for (const s of this.streams) s.close();
  }
}

export class OpenSshCommandStream implements CommandStream {
  private readonly data = new Emitter<Uint8Array>();
  private readonly stderr = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<number | null>();
  private isClosed = false;
  readonly resizes: [number, number][] = [];

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly argv: readonly string[],
  ) {
    child.stdout.on('data', (c: Buffer) => this.data.fire(c));
    child.stderr.on('data', (c: Buffer) => this.stderr.fire(c));
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      this.isClosed = true;
      this.closeEmitter.fire(code);
      this.data.dispose();
      this.stderr.dispose();
      this.closeEmitter.dispose();
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  onData(listener: (chunk: Uint8Array) => void): Disposable {
    return this.data.event(listener);
  }
  onStderr(listener: (chunk: Uint8Array) => void): Disposable {
    return this.stderr.event(listener);
  }
  onClose(listener: (exitCode: number | null) => void): Disposable {
    return this.closeEmitter.event(listener);
  }
  write(data: Uint8Array | string): void {
    if (!this.isClosed) this.child.stdin.write(data);
  }
  pause(): void {
    this.child.stdout.pause();
  }
  resume(): void {
    this.child.stdout.resume();
  }
  resize(rows: number, cols: number): void {
    this.resizes.push([rows, cols]);
  }
  close(): void {
    if (!this.isClosed) this.child.kill('SIGTERM');
  }
  dispose(): void {
    this.close();
  }
}
