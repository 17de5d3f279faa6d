/**
 * Browser mode: the real renderer served on 127.0.0.1 and the contract bound to a WebSocket at /api.
 * The second transport next to Electron IPC, used to test the product without Electron and to reach it
 * through an SSH tunnel. Same dispatch (validation, errors as data) as IPC.
 *
 * Each WebSocket is one client of the backend (`clients.connect`): its own handlers (a console belongs to
 * the tab that opened it) and its own events, so a second tab receives nothing of the first tab's consoles.
 * Closing the socket disposes the client (its consoles stay open for a reloaded page to adopt). The server
 * pings every client and drops one that stops answering.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContractServer, EventName, EventPayload, EventSink, VmdeckHandlers } from '../core/contract';
import { toErrorData } from '../core/errors';
import { dispatch, encodeWire, eventMessage, parseClientMessage, type ServerMessage } from '../core/rpc';
import { checkAccess, TOKEN_COOKIE } from './auth';

export type WebServerOptions = {
  port: number;
  staticDir: string;
  /** How often every client is pinged; one that misses a ping is dropped (default 15 s). */
  heartbeatMs?: number;
  /** Fixed token (tests); default a fresh random one per run. */
  token?: string;
} & (
  | { /** The backend: one contract client per connection. */ clients: ContractServer; handlers?: never }
  | { /** Fixed handlers shared by every connection (scripted tests); events go through `sink`. */ handlers: VmdeckHandlers; clients?: never }
);

export interface WebServer {
  url: string;
  port: number;
  token: string;
  /** Pushes an event to every connected page (beside the per-client events of `clients`). */
  sink: EventSink;
  readonly clientCount: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  // The page's own CSP is a <meta> tag (shared with Electron); frame-ancestors only works as a header.
  'Content-Security-Policy': "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Per-client cap on queued outgoing bytes; past it the client is too slow and is dropped. */
const MAX_BUFFERED = 64 * 1024 * 1024;

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const clients = new Set<WebSocket>();
  const alive = new WeakMap<WebSocket, boolean>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  let port = options.port;

  const server = createServer((req, res) => serveHttp(req, res));

  function deny(res: ServerResponse, status: number, reason: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`${status === 401 ? 'Unauthorized' : 'Forbidden'}: ${reason}\n`);
  }

  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const access = checkAccess(req, token, port, { requireOrigin: false });
    if (!access.ok) return deny(res, access.status, access.reason);
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 403, 'method not allowed');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (access.viaQuery) {
      // Trade the token in the URL for a cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        Location: url.pathname + (url.search || ''),
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        ...SECURITY_HEADERS,
      });
      res.end();
      return;
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = normalize(join(options.staticDir, rel));
    if (!file.startsWith(normalize(options.staticDir) + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('Not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const access = checkAccess(req, token, port, { requireOrigin: true });
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!access.ok || path !== '/api') {
      const status = access.ok ? 404 : access.status;
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  });

  function send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'client too slow');
      return;
    }
    ws.send(text);
  }

  function onClient(ws: WebSocket): void {
    clients.add(ws);
    const client = options.clients?.connect((event, payload) => send(ws, eventMessage(event, payload)), { label: 'tab' });
    const handlers = client?.handlers ?? options.handlers!;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('close', () => {
      clients.delete(ws);
      client?.dispose();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void ws.close(1003, 'text frames only');
      void (async () => {
        let reply: ServerMessage;
        let id = -1;
        try {
          const msg = parseClientMessage(data.toString());
          id = msg.id;
          const outcome = await dispatch(handlers, msg.m, msg.a);
          reply = outcome.ok ? { t: 'res', id, ok: true, r: outcome.result } : { t: 'res', id, ok: false, e: outcome.error };
        } catch (e) {
          reply = { t: 'res', id, ok: false, e: toErrorData(e) };
        }
        send(ws, encodeWire(reply));
      })();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;

  const heartbeat = setInterval(() => {
    for (const ws of clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  const sink: EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    if (clients.size === 0) return;
    const text = eventMessage(event, payload);
    for (const ws of clients) send(ws, text);
  };

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    sink,
    get clientCount() {
      return clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
