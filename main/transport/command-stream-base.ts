/**
 * The event half of a CommandStream, shared by the SSH and local streams: data, stderr and a close that
 * fires exactly once (late subscribers still hear it). Subclasses feed it and call `markClosed`.
 */
import { Emitter, toDisposable, type Disposable } from '../core/lifecycle';

export abstract class CommandStreamBase {
  protected readonly dataEmitter = new Emitter<Uint8Array>();
  protected readonly stderrEmitter = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<number | null>();
  private exitCode: number | null = null;
  protected isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  onData(listener: (chunk: Uint8Array) => void): Disposable {
    return this.dataEmitter.event(listener);
  }

  onStderr(listener: (chunk: Uint8Array) => void): Disposable {
    return this.stderrEmitter.event(listener);
  }

  onClose(listener: (exitCode: number | null) => void): Disposable {
    if (this.isClosed) {
      queueMicrotask(() => listener(this.exitCode));
      return toDisposable(() => undefined);
    }
    return this.closeEmitter.event(listener);
  }

  /** Records the end of the stream once, tells the listeners, and drops them. */
  protected markClosed(exitCode: number | null): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.exitCode = exitCode;
    this.closeEmitter.fire(exitCode);
    this.dataEmitter.dispose();
    this.stderrEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
