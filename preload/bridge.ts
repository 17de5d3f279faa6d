/**
 * Builds the object the preload exposes as `window.vmdeck`: exactly the contract's methods plus `on`, through
 * the client-side proxy every transport shares (main/core/api-proxy.ts: listener isolation included).
 * Kept apart from index.ts (which only calls contextBridge) so tests can build it with a fake ipcRenderer.
 *
 * Errors: contextBridge copies a thrown Error's message only (custom fields such as `code` are lost), so a
 * failed call rejects with a plain ErrorData-shaped object `{ name: 'VmdeckError', code, message, details }`.
 * Plain objects cross the bridge intact; the renderer's api layer turns them back into VmdeckError.
 */
import type { ErrorData } from '../main/core/errors';
import { createApiProxy } from '../main/core/api-proxy';
import type { MethodName, VmdeckApi } from '../main/core/contract';
import { EVENT_CHANNEL, methodChannel } from '../main/electron/channels';
import { BRIDGE_EVENTS, BRIDGE_METHODS } from './names';

/** The slice of ipcRenderer the bridge uses (nothing else of it is reachable from the page). */
export interface BridgeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BridgeEnv {
  /** Whether the page currently has transient user activation (a click or key press just happened). */
  hasUserActivation(): boolean;
  reportListenerError(error: unknown): void;
}

export type BridgeError = ErrorData & { name: 'VmdeckError' };

/** Methods that the page may call only in response to a user action. */
const USER_ACTION_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['app.openExternal']);

function bridgeError(code: ErrorData['code'], message: string, details?: ErrorData['details']): BridgeError {
  return details === undefined ? { name: 'VmdeckError', code, message } : { name: 'VmdeckError', code, message, details };
}

function isOutcome(v: unknown): v is { ok: true; result: unknown } | { ok: false; error: ErrorData } {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export function createBridgeApi(ipc: BridgeIpc, env: BridgeEnv): VmdeckApi {
  const proxy = createApiProxy({
    methods: BRIDGE_METHODS,
    events: BRIDGE_EVENTS,
    onListenerError: (e) => env.reportListenerError(e),
    call: async (method, args) => {
      if (USER_ACTION_METHODS.has(method) && !env.hasUserActivation()) {
        throw bridgeError('PERMISSION_DENIED', `${method} is only allowed in response to a user action`);
      }
      let outcome: unknown;
      try {
        outcome = await ipc.invoke(methodChannel(method), ...args);
      } catch (e) {
        // invoke itself failed (no handler, arguments that cannot be cloned, ...).
        throw bridgeError('INTERNAL', e instanceof Error ? e.message : String(e));
      }
      if (!isOutcome(outcome)) throw bridgeError('INTERNAL', `${method}: malformed reply`);
      if (outcome.ok) return outcome.result;
      throw bridgeError(outcome.error.code, outcome.error.message, outcome.error.details);
    },
  });

  // One IPC listener for every event; the page's listeners never see the IpcRendererEvent (it has `sender`).
  ipc.on(EVENT_CHANNEL, (_event, name, payload) => {
    if (typeof name === 'string') proxy.deliver(name, payload);
  });

  return proxy.api;
}
