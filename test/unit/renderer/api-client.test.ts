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
import { createWebSocketApi, withTypedErrors } from '../../../renderer/src/lib/api/client';

describe('renderer API client', () => {
  let server: WebServer;
  let api: VmdeckApi & { close(): void };
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
    const keys = Object.keys(api).filter((k) => k !== 'on' && k !== 'close');
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
});
