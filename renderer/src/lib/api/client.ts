/**
 * The renderer's view of the backend: the contract's methods as async functions plus typed events.
 * In Electron the preload exposes exactly this object as `window.vmdeck`; in browser mode the same shape
 * is built over the loopback WebSocket. Components never know which transport they run on.
 */
import { fromErrorData, isErrorData, VmdeckError } from '../../../../main/core/errors';
import { METHOD_NAMES, type EventName, type EventPayload, type VmdeckApi } from '../../../../main/core/contract';
import { decodeWire, encodeWire, type ServerMessage } from '../../../../main/core/rpc';

declare global {
  interface Window {
    vmdeck?: VmdeckApi;
  }
}

type AnyListener = (payload: unknown) => void;

/** Builds the API over a WebSocket speaking the wire format of main/core/rpc.ts. */
export function createWebSocketApi(url: string): Promise<VmdeckApi & { close(): void }> {
  const ws = new WebSocket(url);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<string, Set<AnyListener>>();
  let nextId = 1;

  ws.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    const msg = decodeWire(ev.data) as ServerMessage;
    if (msg.t === 'res') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.r);
      else p.reject(fromErrorData(msg.e));
    } else if (msg.t === 'evt') {
      for (const l of listeners.get(msg.e) ?? []) l(msg.p);
    }
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new VmdeckError('DISCONNECTED', 'connection to the vmdeck backend closed'));
    pending.clear();
    for (const l of listeners.get('__closed') ?? []) l(undefined);
  });

  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) {
    api[m] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) {
          reject(new VmdeckError('DISCONNECTED', 'not connected to the vmdeck backend'));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        // JSON turns `undefined` array items into null, which optional arguments reject: drop trailing ones
        // (the boundary pads omitted trailing arguments back to undefined).
        const a = args.slice();
        while (a.length > 0 && a[a.length - 1] === undefined) a.pop();
        ws.send(encodeWire({ t: 'req', id, m, a }));
      });
  }
  api.on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  };
  api.close = () => ws.close();

  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(api as VmdeckApi & { close(): void }), { once: true });
    ws.addEventListener('error', () => reject(new VmdeckError('UNREACHABLE', 'cannot reach the vmdeck backend')), { once: true });
  });
}

/** The API for this page: the preload's bridge under Electron, the WebSocket in browser mode. */
export async function connectApi(): Promise<VmdeckApi> {
  if (window.vmdeck) return withTypedErrors(window.vmdeck);
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWebSocketApi(`${proto}//${location.host}/api`);
}

/**
 * contextBridge keeps only plain data across worlds: the preload rejects with `{ code, message, details }`
 * objects, turned back into VmdeckError here so callers can rely on `instanceof` and `.code`.
 */
export function withTypedErrors(bridge: VmdeckApi): VmdeckApi {
  const api: Record<string, unknown> = { on: bridge.on.bind(bridge) };
  for (const m of METHOD_NAMES) {
    const call = bridge[m] as (...a: unknown[]) => Promise<unknown>;
    api[m] = (...args: unknown[]) =>
      call(...args).catch((e: unknown) => {
        throw isErrorData(e) ? fromErrorData(e) : e;
      });
  }
  return api as VmdeckApi;
}
