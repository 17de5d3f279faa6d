/**
 * Transport-neutral plumbing for the contract: argument validation at the boundary, dispatch to handlers
 * with errors turned into data, and the wire format of the browser-mode WebSocket. Electron IPC and the
 * WebSocket both use these functions, so both transports behave the same for the same call.
 */
import { VmdeckError, toErrorData, type ErrorData } from './errors';
import {
  events,
  methods,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodParsedArgs,
  type MethodResult,
  type VmdeckHandlers,
} from './contract';

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** Validates a call's arguments against the contract; throws INVALID_ARGUMENT with the issues. */
export function parseArgs<M extends MethodName>(method: M, args: unknown): MethodParsedArgs<M> {
  if (!Array.isArray(args)) throw new VmdeckError('INVALID_ARGUMENT', `${method}: arguments must be an array`);
  const schema = methods[method].args;
  // Optional trailing arguments may be omitted by callers: pad with undefined up to the tuple's length.
  const items = schema.def.items.length;
  const padded = args.length < items ? [...args, ...new Array<undefined>(items - args.length)] : args;
  const result = schema.safeParse(padded);
  if (!result.success) {
    const notes = result.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`);
    throw new VmdeckError('INVALID_ARGUMENT', `${method}: invalid arguments (${notes[0] ?? 'unknown'})`, { notes });
  }
  return result.data as MethodParsedArgs<M>;
}

export type CallOutcome<R = unknown> = { ok: true; result: R } | { ok: false; error: ErrorData };

/** Validates and runs one call; never throws: failures come back as ErrorData. */
export async function dispatch(handlers: VmdeckHandlers, method: unknown, args: unknown): Promise<CallOutcome> {
  try {
    if (!isMethodName(method)) throw new VmdeckError('INVALID_ARGUMENT', `unknown method ${String(method).slice(0, 80)}`);
    const parsed = parseArgs(method, args);
    const handler = handlers[method] as (...a: unknown[]) => unknown;
    const result = await handler(...(parsed as unknown[]));
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: toErrorData(e) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Browser-mode wire format (JSON text frames). Uint8Array values are carried as {"$b64": "..."}.

export type ClientMessage = { t: 'req'; id: number; m: string; a: unknown[] };
export type ServerMessage =
  | { t: 'res'; id: number; ok: true; r: unknown }
  | { t: 'res'; id: number; ok: false; e: ErrorData }
  | { t: 'evt'; e: EventName; p: unknown };

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $b64: bytesToBase64(v) } : v));
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$b64 === 'string' && Object.keys(o).length === 1) return base64ToBytes(o.$b64);
    }
    return v;
  });
}

export function parseClientMessage(text: string): ClientMessage {
  let msg: unknown;
  try {
    msg = decodeWire(text);
  } catch {
    throw new VmdeckError('INVALID_ARGUMENT', 'message is not JSON');
  }
  const m = msg as Partial<ClientMessage> | null;
  if (!m || m.t !== 'req' || typeof m.id !== 'number' || typeof m.m !== 'string' || !Array.isArray(m.a)) {
    throw new VmdeckError('INVALID_ARGUMENT', 'malformed request');
  }
  return m as ClientMessage;
}

export function eventMessage<E extends EventName>(event: E, payload: EventPayload<E>): string {
  return encodeWire({ t: 'evt', e: event, p: payload } satisfies ServerMessage);
}

export type { MethodResult };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c.charCodeAt(0), i]));

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64_INDEX.get(clean.charCodeAt(i));
    if (v === undefined) throw new VmdeckError('INVALID_ARGUMENT', 'bad base64');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
