/** Wraps a CommandRunner to keep track of the streams it opened that are still open (for leak checks). */
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../../../main/core/runner';

export interface TrackedStream {
  argv: readonly string[];
  stream: CommandStream;
}

export class TrackingRunner implements CommandRunner {
  readonly open = new Set<TrackedStream>();

  constructor(readonly inner: CommandRunner) {}

  get label(): string {
    return this.inner.label;
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.inner.exec(argv, options);
  }

  async stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream> {
    const stream = await this.inner.stream(argv, options);
    const tracked = { argv, stream };
    this.open.add(tracked);
    stream.onClose(() => this.open.delete(tracked));
    if (stream.closed) this.open.delete(tracked);
    return stream;
  }

  /** Open streams running a console command (the driver's event stream runs here too). */
  get consoleStreams(): TrackedStream[] {
    return [...this.open].filter((s) => s.argv.includes('console'));
  }
}
