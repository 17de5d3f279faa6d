/**
 * Test support: a CommandRunner over the OpenSSH client, so the driver lab tests do not depend on the ssh2
 * transport. `ssh -F $LAB/ssh_config -o BatchMode=yes HOST -- <argv quoted for the remote POSIX shell>`;
 * commands run with `-T`, streams with `-tt`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { VmdeckError } from '../../../main/core/errors';
import { Emitter, type Disposable } from '../../../main/core/lifecycle';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../../../main/core/runner';
import { sshArgs } from '../lab';

/** POSIX single-quoting: 'it'\''s'. Plain words stay bare for readable logs. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function remoteCommand(argv: readonly string[], env?: Readonly<Record<string, string>>): string {
  const prefix = env && Object.keys(env).length > 0 ? ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)] : [];
  return [...prefix, ...argv].map(quoteArg).join(' ');
}

export class OpenSshRunner implements CommandRunner {
  constructor(readonly label: string) {}

  private sshArgv(extra: string[], command: string): string[] {
    const [f, config, host] = sshArgs(this.label);
    return [f as string, config as string, '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', ...extra, host as string, '--', command];
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const child = spawn('ssh', this.sshArgv(['-T'], remoteCommand(argv, options.env)), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    const max = options.maxOutputBytes ?? 256 * 1024 * 1024;
    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false;
      const fail = (e: VmdeckError) => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(e);
      };
      const timer = setTimeout(() => fail(new VmdeckError('TIMEOUT', `${argv.join(' ')} timed out`, { command: argv })), options.timeoutMs ?? 120_000);
      options.signal?.addEventListener('abort', () => fail(new VmdeckError('CANCELLED', 'cancelled', { command: argv })), { once: true });
      const count = (sink: Buffer[]) => (chunk: Buffer) => {
        sink.push(chunk);
        bytes += chunk.length;
        if (bytes > max) fail(new VmdeckError('OUTPUT_TOO_LARGE', `more than ${max} bytes`, { command: argv }));
      };
      child.stdout.on('data', count(out));
      child.stderr.on('data', count(err));
      child.on('error', (e) => fail(new VmdeckError('UNREACHABLE', e.message, { command: argv })));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const result: ExecResult = {
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exitCode: code ?? -1,
          durationMs: Date.now() - started,
        };
        if (code === 255) reject(new VmdeckError('UNREACHABLE', `ssh to ${this.label} failed: ${result.stderr.trim()}`, { command: argv, stderr: result.stderr }));
        else if (!(options.okExitCodes ?? [0]).includes(result.exitCode)) {
          reject(new VmdeckError('COMMAND_FAILED', `${argv.join(' ')} exited with ${result.exitCode}`, { command: argv, exitCode: result.exitCode, stderr: result.stderr }));
        } else resolve(result);
      });
      if (options.stdin !== undefined) child.stdin.end(options.stdin);
      else child.stdin.end();
    });
  }

  async stream(argv: readonly string[], options: StreamOptions = {}): Promise<CommandStream> {
    // Always a PTY (-tt): when the channel closes the remote command gets SIGHUP instead of lingering until
    // its next write. Line-oriented readers accept the CRLF that comes with it.
    const child = spawn('ssh', this.sshArgv(['-tt', '-e', 'none'], remoteCommand(argv, options.env)), { stdio: ['pipe', 'pipe', 'pipe'] });
    return new ChildStream(child);
  }
}

class ChildStream implements CommandStream {
  private readonly data = new Emitter<Uint8Array>();
  private readonly err = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<number | null>();
  closed = false;

  constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => this.data.fire(new Uint8Array(c)));
    child.stderr?.on('data', (c: Buffer) => this.err.fire(new Uint8Array(c)));
    child.on('close', (code) => {
      this.closed = true;
      this.closeEmitter.fire(code);
      this.data.dispose();
      this.err.dispose();
      this.closeEmitter.dispose();
    });
  }

  onData(l: (c: Uint8Array) => void): Disposable {
    return this.data.event(l);
  }
  onStderr(l: (c: Uint8Array) => void): Disposable {
    return this.err.event(l);
  }
  onClose(l: (code: number | null) => void): Disposable {
    return this.closeEmitter.event(l);
  }
  write(d: Uint8Array | string): void {
    this.child.stdin?.write(d);
  }
  pause(): void {
    this.child.stdout?.pause();
  }
  resume(): void {
    this.child.stdout?.resume();
  }
  resize(): void {}
  close(): void {
    if (!this.closed) this.child.kill('SIGTERM');
  }
  dispose(): void {
    this.close();
  }
}

/** Wraps a runner: counts exec calls and can rewrite results (to inject faults). */
export class CountingRunner implements CommandRunner {
  execCount = 0;
  readonly argvs: string[][] = [];
  transform: ((argv: readonly string[], r: ExecResult) => ExecResult) | undefined;

  constructor(private readonly inner: CommandRunner) {}

  get label(): string {
    return this.inner.label;
  }

  async exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.execCount++;
    this.argvs.push([...argv]);
    const r = await this.inner.exec(argv, options);
    return this.transform ? this.transform(argv, r) : r;
  }

  stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream> {
    return this.inner.stream(argv, options);
  }
}
