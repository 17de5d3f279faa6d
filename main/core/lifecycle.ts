/**
 * Explicit lifetimes (pattern from VS Code): everything that must be released implements Disposable and
 * belongs to an owner. `Emitter` is the typed event primitive used by models and services.
 *
 * Listener exceptions have one sink (`reportListenerError`, replaceable with `setListenerErrorSink`):
 * an exception in a listener is reported there and never rethrown, so a bug in one subscriber can neither
 * starve the others nor end `serve` or the CLI through an unhandled error.
 */

type ListenerErrorSink = (error: unknown) => void;
const defaultListenerErrorSink: ListenerErrorSink = (e) => console.error('vmdeck: an event listener failed:', e);
let listenerErrorSink: ListenerErrorSink = defaultListenerErrorSink;

/** Where every listener exception goes (Emitter, the client-side API proxy). Never throws. */
export function reportListenerError(error: unknown): void {
  try {
    listenerErrorSink(error);
  } catch {
    // A failing sink must not become the next unhandled error.
  }
}

/** Replaces the sink (the app logs to stderr, tests collect); dispose restores the previous one. */
export function setListenerErrorSink(sink: ListenerErrorSink): Disposable {
  const previous = listenerErrorSink;
  listenerErrorSink = sink;
  return toDisposable(() => {
    listenerErrorSink = previous;
  });
}
export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Owns a set of disposables; disposing it disposes all of them once, in reverse order of addition. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.items.size;
  }

  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      d.dispose();
      return d;
    }
    this.items.add(d);
    return d;
  }

  /** Dispose and forget one item early. */
  delete(d: Disposable): void {
    if (this.items.delete(d)) d.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const list = [...this.items].reverse();
    this.items.clear();
    const errors: unknown[] = [];
    for (const d of list) {
      try {
        d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'errors while disposing');
  }
}

export type Listener<T> = (value: T) => void;
export type Event<T> = (listener: Listener<T>) => Disposable;

/** A typed event source. `event` is handed out; `fire` stays with the owner. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (e) {
        // A failing listener must not starve the others, nor escape: one sink for all of them.
        reportListenerError(e);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
