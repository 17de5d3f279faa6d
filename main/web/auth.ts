/**
 * Who may talk to the browser-mode server: requests must come to our own loopback address (Host header:
 * defeats DNS rebinding), carry the per-run token (query on the first visit, then an HttpOnly SameSite
 * cookie), and, when a browser says where it comes from (Origin, Sec-Fetch-Site), come from our own page.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'vmdeck_token';

export type AccessDecision = { ok: true; viaQuery: boolean } | { ok: false; status: 401 | 403; reason: string };

export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function checkAccess(req: IncomingMessage, token: string, port: number, opts: { requireOrigin: boolean }): AccessDecision {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!req.headers.host || !hosts.includes(req.headers.host)) return { ok: false, status: 403, reason: 'foreign Host header' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin)) return { ok: false, status: 403, reason: 'foreign Origin' };
  if (opts.requireOrigin && origin === undefined) return { ok: false, status: 403, reason: 'missing Origin' };
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return { ok: false, status: 403, reason: 'cross-site request' };
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const q = url.searchParams.get('token');
  if (q !== null && sameToken(q, token)) return { ok: true, viaQuery: true };
  const c = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (c !== undefined && sameToken(c, token)) return { ok: true, viaQuery: false };
  return { ok: false, status: 401, reason: 'missing or wrong token' };
}
