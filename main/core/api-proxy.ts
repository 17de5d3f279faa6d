/**
 * The one client-side shape of the contract, shared by every transport: the preload bridge (Electron IPC),
 * the browser-mode WebSocket client and the CLI's in-process client. Each transport supplies only `call`
 * (how a request travels and how its failure looks); this builds the method table and the event fan-out.
 *
 * Listener isolation: a listener that throws never keeps the other listeners of that event from running
 * and never escapes into the transport (it goes to `onListenerError`).
 *
 * Imports no schema: the sandboxed preload bundles this file, and zod stays out of it.
 */
import type { EventName, MethodName, VmdeckApi } from './contract';
import { reportListenerError } from './lifecycle';

export interface ApiProxyOptions {
  methods: readonly MethodName[];
  events: readonly EventName[];
  /** Sends one request; resolves with the result or rejects with the transport's error shape. */
  call(method: MethodName, args: unknown[]): Promise<unknown>;
  /** Where a throwing event listener's exception goes (default: the one sink, reportListenerError). */
  onListenerError?(error: unknown, event: EventName): void;
}

export interface ApiProxy {
  /** Frozen: exactly the contract's methods plus `on`. */
  readonly api: VmdeckApi;
  /** Hands one pushed event to its listeners; unknown names are ignored. */
  deliver(event: string, payload: unknown): void;
  /** Number of listeners, for tests and leak checks. */
  readonly listenerCount: number;
}

export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const known: ReadonlySet<string> = new Set(options.events);
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const report = options.onListenerError ?? ((e: unknown) => reportListenerError(e));

  const api: Record<string, unknown> = {};
  for (const method of options.methods) {
    api[method] = (...args: unknown[]): Promise<unknown> => options.call(method, args);
  }
  api.on = (event: unknown, listener: unknown): (() => void) => {
    if (typeof event !== 'string' || !known.has(event)) throw new TypeError(`unknown event ${String(event).slice(0, 80)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const name = event as EventName;
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const fn = listener as (payload: unknown) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  };

  return {
    api: Object.freeze(api) as unknown as VmdeckApi,
    deliver(event, payload) {
      if (!known.has(event)) return;
      const set = listeners.get(event as EventName);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(payload);
        } catch (e) {
          try {
            report(e, event as EventName);
          } catch {
            // The error sink itself failed: nothing more can be done without risking the transport.
          }
        }
      }
    },
    get listenerCount() {
      let n = 0;
      for (const set of listeners.values()) n += set.size;
      return n;
    },
  };
}

/** The state of a client's link to the backend, for a status bar: `restored` follows a `lost`. */
export type BackendConnectionState = 'connected' | 'lost' | 'restored';

/** An observable connection state (the WebSocket client's; the preload bridge is always `connected`). */
export interface BackendConnection {
  readonly state: BackendConnectionState;
  /** Calls `listener` on every change (not with the current state); returns the unsubscribe function. */
  onDidChange(listener: (state: BackendConnectionState) => void): () => void;
}

/** A connection that never changes (Electron IPC, the CLI in-process). */
export const alwaysConnected: BackendConnection = {
  state: 'connected',
  onDidChange: () => () => undefined,
};
