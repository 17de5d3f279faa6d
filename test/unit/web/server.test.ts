import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { METHOD_NAMES, type ContractServer, type EventSink, type VmdeckHandlers } from '../../../main/core/contract';
import { decodeWire, encodeWire } from '../../../main/core/rpc';
import { startWebServer, type WebServer } from '../../../main/web/server';
import { tokenCookieName, tokenCookieValue } from '../../../main/web/auth';

function fakeHandlers(): VmdeckHandlers {
  const h: Record<string, (...a: unknown[]) => unknown> = {};
  for (const m of METHOD_NAMES) h[m] = (...a: unknown[]) => ({ method: m, args: a });
  return h as unknown as VmdeckHandlers;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser-mode server', () => {
  let server: WebServer;
  let origin: string;
  let cookie: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-static-'));
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self' ws: wss:; object-src 'none'"><title>vmdeck</title>`,
    );
    server = await startWebServer({ port: 0, staticDir: dir, handlers: fakeHandlers() });
    origin = `http://127.0.0.1:${server.port}`;
    const first = await get(server.port, `/?token=${server.token}`);
    cookie = String(first.headers['set-cookie']).split(';')[0]!;
  });
  afterAll(() => server.close());

  it('prints a loopback URL carrying a random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{24,}$/);
  });

  it('answers 401 without the token and 403 for a foreign Origin or Host', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    expect((await get(server.port, '/', { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(server.port, '/', { cookie, host: 'evil.example' })).status).toBe(403);
    expect((await get(server.port, '/', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  });

  it('trades the URL token for an HttpOnly SameSite cookie, then serves the page', async () => {
    const first = await get(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toMatch(new RegExp(`^vmdeck_${server.port}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    const page = await get(server.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>vmdeck</title>');
    expect((await get(server.port, '/../../etc/passwd', { cookie })).status).toBe(404);
  });

  it('refuses the WebSocket upgrade without the token or with a foreign Origin', async () => {
    await expect(connect(server.port, { origin })).rejects.toThrow(/401/);
    await expect(connect(server.port, { cookie, origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(connect(server.port, { cookie })).rejects.toThrow(/403/);
  });

  it('dispatches every contract method over the socket and returns typed errors for bad arguments', async () => {
    const ws = await connect(server.port, { cookie, origin });
    const replies = new Map<number, { ok: boolean; r?: { method: string }; e?: { code: string } }>();
    const done = new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const msg = decodeWire(d.toString()) as { id: number; ok: boolean; r?: { method: string }; e?: { code: string } };
        replies.set(msg.id, msg);
        if (replies.size === 2) resolve();
      });
    });
    ws.send(encodeWire({ t: 'req', id: 1, m: 'hosts.list', a: [] }));
    ws.send(encodeWire({ t: 'req', id: 2, m: 'hosts.remove', a: [42] }));
    await done;
    expect(replies.get(1)).toMatchObject({ ok: true, r: { method: 'hosts.list' } });
    expect(replies.get(2)).toMatchObject({ ok: false, e: { code: 'INVALID_ARGUMENT' } });
    const got = new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(decodeWire(d.toString()))));
    server.sink('consoles.data', { id: 'c1', data: new Uint8Array([0xe2, 0x82]) });
    expect(await got).toMatchObject({ t: 'evt', e: 'consoles.data', p: { id: 'c1' } });
    ws.close();
  });

  it('answers 400 to a malformed percent-encoding in the path, and keeps serving', async () => {
    for (const path of ['/%E0%A4%A', '/%', '/%zz', '/a%C0%AF']) expect((await get(server.port, path, { cookie })).status, path).toBe(400);
    expect((await get(server.port, '/', { cookie })).status).toBe(200);
  });

  it('binds the cookie to this run and this port: never the token, never accepted for another port or under another name', async () => {
    const [name, value] = cookie.split('=') as [string, string];
    expect(name).toBe(`vmdeck_${server.port}`);
    expect(value).not.toBe(server.token);
    expect(value).not.toContain(server.token);
    // The raw token as a cookie (what another service on 127.0.0.1 received before) is refused.
    expect((await get(server.port, '/', { cookie: `vmdeck_token=${server.token}` })).status).toBe(401);
    expect((await get(server.port, '/', { cookie: `${name}=${server.token}` })).status).toBe(401);
    // The same cookie under another port's name, or another port's value under ours, is refused.
    expect((await get(server.port, '/', { cookie: `vmdeck_${server.port + 1}=${value}` })).status).toBe(401);
    expect((await get(server.port, '/', { cookie: `${name}=${tokenCookieValue(server.token, server.port + 1)}` })).status).toBe(401);
    // A second server (another run) does not accept this run's cookie.
    const other = await startWebServer({ port: 0, staticDir: tmpdir(), handlers: fakeHandlers() });
    try {
      expect((await get(other.port, '/', { cookie: `vmdeck_${other.port}=${value}` })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('limits connect-src to its own WebSocket origin, in the header and in the page', async () => {
    const page = await get(server.port, '/', { cookie });
    const own = `'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`;
    const header = String(page.headers['content-security-policy']);
    expect(header).toContain(`connect-src ${own}`);
    expect(page.body).toContain(`connect-src ${own};`);
    for (const csp of [header, page.body]) expect(csp).not.toMatch(/connect-src[^;]*\b(ws|wss):(?!\/\/)/);
  });
});

describe('browser-mode server with a backend: one client per WebSocket', () => {
  it('gives each connection its own client and events, and disposes it when the socket closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    const clients: { id: string; sink: EventSink; disposed: boolean }[] = [];
    const backend: ContractServer = {
      connect(sink, options) {
        const c = { id: `${options?.label}-${clients.length + 1}`, sink, disposed: false };
        clients.push(c);
        const h: Record<string, () => unknown> = {};
        for (const m of METHOD_NAMES) h[m] = () => c.id;
        return { id: c.id, handlers: h as unknown as VmdeckHandlers, dispose: () => void (c.disposed = true) };
      },
    };
    const server = await startWebServer({ port: 0, staticDir: dir, clients: backend });
    const headers = { cookie: `${tokenCookieName(server.port)}=${tokenCookieValue(server.token, server.port)}`, origin: `http://127.0.0.1:${server.port}` };
    try {
      const one = await connect(server.port, headers);
      const two = await connect(server.port, headers);
      const received = (ws: WebSocket) => {
        const msgs: { t: string; e?: string; r?: unknown }[] = [];
        ws.on('message', (d) => msgs.push(decodeWire(d.toString()) as { t: string }));
        return msgs;
      };
      const m1 = received(one);
      const m2 = received(two);
      one.send(encodeWire({ t: 'req', id: 1, m: 'consoles.list', a: [] }));
      two.send(encodeWire({ t: 'req', id: 1, m: 'consoles.list', a: [] }));
      await new Promise((r) => setTimeout(r, 50));
      expect(m1).toEqual([expect.objectContaining({ t: 'res', r: 'tab-1' })]);
      expect(m2).toEqual([expect.objectContaining({ t: 'res', r: 'tab-2' })]);
      clients[0]!.sink('consoles.data', { id: 'c1', data: new Uint8Array([7]) });
      await new Promise((r) => setTimeout(r, 50));
      expect(m1.filter((m) => m.t === 'evt')).toHaveLength(1);
      expect(m2.filter((m) => m.t === 'evt')).toHaveLength(0);
      one.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(clients.map((c) => c.disposed)).toEqual([true, false]);
      two.close();
    } finally {
      await server.close();
    }
    expect(clients.every((c) => c.disposed)).toBe(true);
  });
});

