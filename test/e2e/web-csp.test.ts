// Browser mode in Debian's Chromium: the cookie traded for the URL token authenticates the page's own
// WebSocket, and connect-src lets the page reach that WebSocket only (no other port, no other host).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { METHOD_NAMES, type VmdeckHandlers } from '../../main/core/contract';
import { startWebServer } from '../../main/web/server';

const CHROMIUM = process.env.VMDECK_CHROMIUM ?? '/usr/bin/chromium';

it.skipIf(!existsSync(CHROMIUM))('the page reaches its own WebSocket and nothing else', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmdeck-csp-'));
  // The shipped page's policy (renderer/index.html) before the server pins connect-src to its own origin.
  writeFileSync(join(dir, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'"><title>start</title><script src="probe.js"></script>`);
  writeFileSync(
    join(dir, 'probe.js'),
    `const out = {};
const tryWs = (name, url) => new Promise((done) => { try { const ws = new WebSocket(url); ws.onopen = () => { out[name] = 'open'; ws.close(); done(); }; ws.onerror = () => { out[name] ??= 'refused'; done(); }; } catch (e) { out[name] = 'blocked'; done(); } });
Promise.all([tryWs('own', 'ws://' + location.host + '/api'), tryWs('otherPort', 'ws://127.0.0.1:9/x'), tryWs('otherHost', 'wss://example.invalid/x')]).then(() => { document.title = JSON.stringify(out); });`,
  );
  const handlers: Record<string, () => unknown> = {};
  for (const m of METHOD_NAMES) handlers[m] = () => null;
  const server = await startWebServer({ port: 0, staticDir: dir, handlers: handlers as unknown as VmdeckHandlers });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/violates the following Content Security Policy directive: "connect-src/.test(m.text())) blocked.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.title.startsWith('{'), null, { timeout: 30_000 });
    expect(JSON.parse(await page.title())).toEqual({ own: 'open', otherPort: 'refused', otherHost: 'refused' });
    expect(blocked.some((t) => t.includes('ws://127.0.0.1:9/x'))).toBe(true);
    expect(blocked.some((t) => t.includes('wss://example.invalid/x'))).toBe(true);
    // The token left the address bar; the cookie is bound to this port.
    expect(page.url()).not.toContain('token=');
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual([`vmdeck_${server.port}`]);
    expect(cookies[0]!.value).not.toBe(server.token);
  } finally {
    await browser.close();
    await server.close();
  }
}, 60_000);
