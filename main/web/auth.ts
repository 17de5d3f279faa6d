/**
 * Who may talk to the browser-mode server: requests must come to our own loopback address (Host header:
 * defeats DNS rebinding), carry the per-run token (query on the first visit, then an HttpOnly SameSite
 * cookie), and, when a browser says where it comes from (Origin, Sec-Fetch-Site), come from our own page.
 *
 * Cookies ignore ports: a cookie set by 127.0.0.1:8080 is sent to every service on 127.0.0.1. So the cookie
 * never carries the token itself: its name carries the port (`vmdeck_<port>`, two runs never overwrite each
 * other) and its value is HMAC-SHA256(token, "127.0.0.1:<port>"), a per-run secret valid for this server
 * only. Another service on 127.0.0.1 that receives it learns neither the token nor anything another vmdeck
 * run accepts; the cookie is accepted here only under its own name and only for this port. (`__Host-`
 * cookies would need https.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie's name for a server on `port`. */
export function tokenCookieName(port: number): string {
  return `vmdeck_${port}`;
}

/** The cookie's value: derived from the run's token and bound to the port. */
export function tokenCookieValue(token: string, port: number): string {
  return createHmac('sha256', token).update(`vmdeck-cookie:127.0.0.1:${port}`).digest('base64url');
}

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
  const c = cookieValue(req.headers.cookie, tokenCookieName(port));
  if (c !== undefined && sameToken(c, tokenCookieValue(token, port))) return { ok: true, viaQuery: false };
  return { ok: false, status: 401, reason: 'missing or wrong token' };
}
