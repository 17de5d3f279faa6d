/** A scripted CommandRunner for driver tests: answers by argv, records every call, fakes streams. */
import { Emitter } from '../../../main/core/lifecycle';
import { VmdeckError } from '../../../main/core/errors';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../../../main/core/runner';

export interface Reply {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export type Responder = (argv: readonly string[], options?: ExecOptions) => Reply | Promise<Reply>;

export class FakeStream implements CommandStream {
  private readonly data = new Emitter<Uint8Array>();
  private readonly errData = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<number | null>();
  closed = false;
  readonly written: string[] = [];

  constructor(
    readonly argv: readonly string[],
    readonly options?: StreamOptions,
  ) {}

  onData = (l: (c: Uint8Array) => void) => this.data.event(l);
  onStderr = (l: (c: Uint8Array) => void) => this.errData.event(l);
  onClose = (l: (code: number | null) => void) => this.closeEmitter.event(l);

  emit(text: string): void {
    this.data.fire(new TextEncoder().encode(text));
  }

  end(code: number | null = 0): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire(code);
  }

  write(d: Uint8Array | string): void {
    this.written.push(typeof d === 'string' ? d : new TextDecoder().decode(d));
  }
  pause(): void {}
  resume(): void {}
  resize(): void {}
  close(): void {
    this.end(null);
  }
  dispose(): void {
    this.close();
  }
}

export class FakeRunner implements CommandRunner {
  readonly label = 'fake';
  readonly calls: { argv: readonly string[]; options?: ExecOptions }[] = [];
  readonly streams: FakeStream[] = [];

  constructor(private readonly respond: Responder) {}

  async exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.calls.push(options === undefined ? { argv } : { argv, options });
    const r = await this.respond(argv, options);
    const result = { stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode ?? 0, durationMs: 1 };
    const ok = options?.okExitCodes ?? [0];
    if (!ok.includes(result.exitCode)) {
      throw new VmdeckError('COMMAND_FAILED', `exit ${result.exitCode}`, { exitCode: result.exitCode, stderr: result.stderr, command: argv });
    }
    return result;
  }

  async stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream> {
    const s = new FakeStream(argv, options);
    this.streams.push(s);
    return s;
  }

  /** The argv of every exec, for assertions. */
  argvs(): string[][] {
    return this.calls.map((c) => [...c.argv]);
  }
}

/** A clock whose sleep advances time instantly. */
export function fakeClock(start = 0) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}
