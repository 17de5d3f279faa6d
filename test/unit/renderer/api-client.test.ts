// Both transports carry the same contract: the browser-mode client exposes exactly the contract's methods
// (the preload's twin is checked in test/unit/preload/bridge.test.ts), calls reach the handlers through the
// real server, bad arguments come back as typed errors, and events arrive.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WS from 'ws';
import { METHOD_NAMES, type VmdeckApi, type VmdeckHandlers } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import { tokenCookieName, tokenCookieValue } from '../../../main/web/auth';
import { startWebServer, type WebServer } from '../../../main/web/server';
import { createWebSocketApi, withTypedErrors, type ClientApi } from '../../../renderer/src/lib/api/client';

describe('renderer API client', () => {
  let server: WebServer;
  let api: ClientApi & { close(): void };
  const calls: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-client-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    const handlers: Record<string, (...a: unknown[]) => unknown> = {};
    for (const m of METHOD_NAMES) handlers[m] = (...a: unknown[]) => (calls.push(m), { m, a });
    server = await startWebServer({ port: 0, staticDir: dir, handlers: handlers as unknown as VmdeckHandlers });
    const origin = `http://127.0.0.1:${server.port}`;
    // A browser sends its Origin and the token cookie by itself; Node's WebSocket needs them spelled out.
    class BrowserLikeWebSocket extends WS {
      constructor(url: string) {
        super(url, { headers: { origin, cookie: `${tokenCookieName(server.port)}=${tokenCookieValue(server.token, server.port)}` } });
      }
    }
    (globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket;
    api = await createWebSocketApi(`ws://127.0.0.1:${server.port}/api`);
  });
  afterAll(async () => {
    api?.close();
    await server?.close();
  });

  it('exposes exactly the contract methods, plus event subscription', () => {
    const keys = Object.keys(api).filter((k) => k !== 'on' && k !== 'close' && k !== 'connection');
    expect(keys.sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('calls reach the handler with validated arguments; omitted options stay omitted', async () => {
    await expect(api['hosts.list']()).resolves.toEqual({ m: 'hosts.list', a: [] });
    const r = (await api['guests.action']('h', '0ee1a7d6-6f06-4ef7-a0a1-b6a0e55c6e0a', 'pause')) as unknown as { a: unknown[] };
    expect(r.a.slice(0, 3)).toEqual(['h', '0ee1a7d6-6f06-4ef7-a0a1-b6a0e55c6e0a', 'pause']);
  });

  it('rejects a bad argument with a VmdeckError carrying the code', async () => {
    const before = calls.length;
    const err = await api['hosts.remove'](42 as unknown as string).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmdeckError);
    expect((err as VmdeckError).code).toBe('INVALID_ARGUMENT');
    expect(calls.length).toBe(before);
  });

  it('delivers pushed events to subscribers until they unsubscribe', async () => {
    const got: string[] = [];
    const off = api.on('hosts.removed', (p) => got.push(p.id));
    server.sink('hosts.removed', { id: 'a' });
    await new Promise((r) => setTimeout(r, 50));
    off();
    server.sink('hosts.removed', { id: 'b' });
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['a']);
  });

  it('turns the preload bridge\'s plain error data back into VmdeckError', async () => {
    const bridge = { on: () => () => undefined } as unknown as Record<string, unknown>;
    for (const m of METHOD_NAMES) bridge[m] = () => Promise.reject({ code: 'HOST_KEY_MISMATCH', message: 'changed', details: { expectedFingerprint: 'SHA256:x' } });
    const typed = withTypedErrors(bridge as unknown as VmdeckApi);
    const err = await typed['hosts.connect']('h').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmdeckError);
    expect(err).toMatchObject({ code: 'HOST_KEY_MISMATCH', details: { expectedFingerprint: 'SHA256:x' } });
  });

  it('isolates listeners: one that throws does not keep the others from the event', async () => {
    const got: string[] = [];
    const errors: unknown[] = [];
    const isolated = await createWebSocketApi(`ws://127.0.0.1:${server.port}/api`, { onListenerError: (e) => errors.push(e) });
    try {
      isolated.on('hosts.removed', () => {
        throw new Error('listener bug');
      });
      isolated.on('hosts.removed', (p) => got.push(p.id));
      server.sink('hosts.removed', { id: 'x' });
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual(['x']);
      expect(errors).toEqual([expect.objectContaining({ message: 'listener bug' })]);
      expect(() => isolated.on('no.such.event' as never, () => undefined)).toThrow(TypeError);
    } finally {
      isolated.close();
    }
  });
});

describe('renderer API client connection state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmdeck-client-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  const token = 'fixed-test-token-0123456789abcdef';
  const handlers = (info: () => Promise<unknown>) => {
    const h: Record<string, (...a: unknown[]) => unknown> = {};
    for (const m of METHOD_NAMES) h[m] = () => ({ m });
    h['app.info'] = info;
    return h as unknown as VmdeckHandlers;
  };
  const useBrowserSocket = (port: number) => {
    class BrowserLikeWebSocket extends WS {
      constructor(url: string) {
        super(url, { headers: { origin: `http://127.0.0.1:${port}`, cookie: `${tokenCookieName(port)}=${tokenCookieValue(token, port)}` } });
      }
    }
    (globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket;
  };
  const until = async (what: string, fn: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!fn()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('goes lost when the backend goes away (no call needed), fails calls at once, and restored when it is back', async () => {
    let server = await startWebServer({ port: 0, staticDir: dir, token, handlers: handlers(async () => ({ ok: 1 })) });
    const port = server.port;
    useBrowserSocket(port);
    const api = await createWebSocketApi(`ws://127.0.0.1:${port}/api`, { reconnectMinMs: 50, reconnectMaxMs: 200 });
    const states: string[] = [];
    api.connection.onDidChange((s) => states.push(s));
    try {
      expect(api.connection.state).toBe('connected');
      await server.close();
      await until('lost', () => api.connection.state === 'lost');
      await expect(api['hosts.list']()).rejects.toMatchObject({ code: 'DISCONNECTED' });
      server = await startWebServer({ port, staticDir: dir, token, handlers: handlers(async () => ({ ok: 2 })) });
      await until('restored', () => api.connection.state === 'restored');
      await expect(api['app.info']()).resolves.toEqual({ ok: 2 });
      expect(states).toEqual(['lost', 'restored']);
    } finally {
      api.close();
      await server.close();
    }
  });

  it('notices a backend that stops answering through its heartbeat', async () => {
    let answer = true;
    const server = await startWebServer({
      port: 0,
      staticDir: dir,
      token,
      handlers: handlers(() => (answer ? Promise.resolve({}) : new Promise(() => undefined))),
    });
    useBrowserSocket(server.port);
    const api = await createWebSocketApi(`ws://127.0.0.1:${server.port}/api`, { heartbeatMs: 100, heartbeatTimeoutMs: 200, reconnectMinMs: 50 });
    const states: string[] = [];
    api.connection.onDidChange((s) => states.push(s));
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(states).toEqual([]); // answered heartbeats keep it connected
      answer = false;
      await until('lost', () => states.includes('lost'));
      answer = true;
      await until('restored', () => states.includes('restored'));
    } finally {
      api.close();
      await server.close();
    }
  });
});
