/**
 * The renderer's view of the backend: the contract's methods as async functions plus typed events, and
 * the state of the link to the backend. In Electron the preload exposes the methods as `window.vmdeck`; in
 * browser mode the same shape is built over the loopback WebSocket. Both go through the one client-side
 * proxy (main/core/api-proxy.ts: method table, listener isolation). Components never know the transport.
 *
 * Connection state (`api.connection`): `connected` at first; `lost` when the WebSocket closes or stops
 * answering (a heartbeat notices a silent drop without waiting for a failed call); `restored` once a new
 * socket is open. Calls made while lost fail at once with DISCONNECTED. After `restored` the page is a new
 * client of the backend: it re-reads what it shows and re-adopts its consoles (`consoles.adopt`).
 * Under Electron the state is always `connected` (IPC does not drop).
 */
import { alwaysConnected, createApiProxy, type BackendConnection, type BackendConnectionState } from '../../../../main/core/api-proxy';
import { EVENT_NAMES, METHOD_NAMES, type VmdeckApi } from '../../../../main/core/contract';
import { fromErrorData, isErrorData, VmdeckError } from '../../../../main/core/errors';
import { reportListenerError } from '../../../../main/core/lifecycle';
import { decodeWire, encodeWire, type ServerMessage } from '../../../../main/core/rpc';

declare global {
  interface Window {
    vmdeck?: VmdeckApi;
  }
}

/** The API plus the observable connection state, as the UI receives it. */
export type ClientApi = VmdeckApi & { readonly connection: BackendConnection };

export interface WebSocketApiOptions {
  /** Reconnection delays: first, then doubled up to max (ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** After this long without any message, a heartbeat call checks the link (ms). */
  heartbeatMs?: number;
  /** How long the heartbeat waits for its answer before the link counts as lost (ms). */
  heartbeatTimeoutMs?: number;
  onListenerError?(error: unknown): void;
}

class ConnectionState implements BackendConnection {
  private current: BackendConnectionState = 'connected';
  private readonly listeners = new Set<(s: BackendConnectionState) => void>();

  get state(): BackendConnectionState {
    return this.current;
  }

  onDidChange(listener: (s: BackendConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  set(next: BackendConnectionState): void {
    if (next === this.current) return;
    this.current = next;
    for (const l of [...this.listeners]) {
      try {
        l(next);
      } catch (e) {
        reportListenerError(e);
      }
    }
  }
}

/** Builds the API over a WebSocket speaking the wire format of main/core/rpc.ts; reconnects by itself. */
export function createWebSocketApi(url: string, options: WebSocketApiOptions = {}): Promise<ClientApi & { close(): void }> {
  const minDelay = options.reconnectMinMs ?? 250;
  const maxDelay = options.reconnectMaxMs ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 5000;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const connection = new ConnectionState();
  let nextId = 1;
  let ws: WebSocket | undefined;
  let closedByUser = false;
  let delay = minDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let lastMessageAt = Date.now();
  let heartbeatInFlight = false;

  const proxy = createApiProxy({
    methods: METHOD_NAMES,
    events: EVENT_NAMES,
    call: (method, args) =>
      new Promise((resolve, reject) => {
        const socket = ws;
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          reject(new VmdeckError('DISCONNECTED', 'not connected to the vmdeck backend'));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        // JSON turns `undefined` array items into null, which optional arguments reject: drop trailing ones
        // (the boundary pads omitted trailing arguments back to undefined).
        const a = args.slice();
        while (a.length > 0 && a[a.length - 1] === undefined) a.pop();
        socket.send(encodeWire({ t: 'req', id, m: method, a }));
      }),
    ...(options.onListenerError ? { onListenerError: (e: unknown) => options.onListenerError!(e) } : {}),
  });

  function failPending(): void {
    for (const p of pending.values()) p.reject(new VmdeckError('DISCONNECTED', 'connection to the vmdeck backend closed'));
    pending.clear();
  }

  /** The socket is gone (closed, or silent past the heartbeat): report it once and try again later. */
  function lost(socket: WebSocket): void {
    if (ws !== socket) return;
    ws = undefined;
    failPending();
    if (closedByUser) return;
    connection.set('lost');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      open(false);
    }, delay);
    delay = Math.min(maxDelay, delay * 2);
  }

  function open(first: boolean): Promise<void> {
    const socket = new WebSocket(url);
    ws = socket;
    return new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => {
        delay = minDelay;
        lastMessageAt = Date.now();
        if (!first) connection.set('restored');
        resolve();
      });
      socket.addEventListener('message', (ev) => {
        lastMessageAt = Date.now();
        if (typeof ev.data !== 'string') return;
        const msg = decodeWire(ev.data) as ServerMessage;
        if (msg.t === 'res') {
          const p = pending.get(msg.id);
          if (!p) return;
          pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.r);
          else p.reject(fromErrorData(msg.e));
        } else if (msg.t === 'evt') {
          proxy.deliver(msg.e, msg.p);
        }
      });
      socket.addEventListener('close', () => {
        if (first && socket.readyState !== WebSocket.OPEN) reject(new VmdeckError('UNREACHABLE', 'cannot reach the vmdeck backend'));
        lost(socket);
      });
      socket.addEventListener('error', () => {
        // 'close' follows; the first connection's failure is reported there.
      });
    });
  }

  // A dropped link that no close event reports (a sleeping laptop, a dead tunnel): ask, and give up in time.
  const heartbeat = setInterval(() => {
    const socket = ws;
    if (!socket || socket.readyState !== WebSocket.OPEN || heartbeatInFlight) return;
    if (Date.now() - lastMessageAt < heartbeatMs) return;
    heartbeatInFlight = true;
    const timer = setTimeout(() => {
      socket.close();
      lost(socket);
    }, heartbeatTimeoutMs);
    void proxy.api['app.info']()
      .catch(() => undefined)
      .finally(() => {
        heartbeatInFlight = false;
        clearTimeout(timer);
      });
  }, Math.max(250, Math.min(heartbeatMs, heartbeatTimeoutMs) / 2));

  const api = Object.assign(Object.create(null) as object, proxy.api, {
    connection,
    close() {
      closedByUser = true;
      clearInterval(heartbeat);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const socket = ws;
      ws = undefined;
      failPending();
      socket?.close();
    },
  }) as ClientApi & { close(): void };

  return open(true).then(
    () => api,
    (e: unknown) => {
      api.close();
      throw e;
    },
  );
}

/** The API for this page: the preload's bridge under Electron, the WebSocket in browser mode. */
export async function connectApi(): Promise<ClientApi> {
  if (window.vmdeck) return Object.assign(Object.create(null) as object, withTypedErrors(window.vmdeck), { connection: alwaysConnected }) as ClientApi;
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
