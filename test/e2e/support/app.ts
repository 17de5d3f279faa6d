/**
 * End-to-end harness: starts the real backend in browser mode (`npm run serve`) on a free loopback port
 * with a fresh config dir, launches Debian's Chromium through playwright-core, and records every console
 * error, page error and Content-Security-Policy violation. `assertClean()` fails the test on any of them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { FakeBackend, FakeOptions } from './fake-backend';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
const CHROMIUM = process.env.VMDECK_CHROMIUM ?? '/usr/bin/chromium';

export interface AppOptions {
  /** Extra arguments for the server, e.g. ['--known-hosts', lab.knownHosts]. */
  serverArgs?: string[];
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /** Console messages matching one of these are expected (e.g. a deliberate failure) and not counted. */
  allowConsole?: RegExp[];
  /** 'real' (default): `npm run serve` with the real backend; 'fake': the scripted backend of fake-backend.ts. */
  backend?: 'real' | 'fake';
  fake?: FakeOptions;
  /** Writes files into the fresh config dir before the server starts (e.g. a hosts.json). */
  prepareConfig?: (configDir: string) => void;
}

export interface Problem {
  kind: 'console' | 'pageerror' | 'csp' | 'requestfailed';
  text: string;
}

export interface App {
  url: string;
  page: Page;
  context: BrowserContext;
  configDir: string;
  problems: Problem[];
  serverLog: () => string;
  /** The scripted backend, with `backend: 'fake'` (e.g. to see which consoles were opened). */
  fake?: FakeBackend;
  /** Throws listing every console error, page error and CSP violation seen so far. */
  assertClean(): void;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  url: string;
  child: ChildProcess | null;
  log: () => string;
  fake?: FakeBackend;
  stop(): Promise<void>;
}

async function startFake(o?: FakeOptions): Promise<Server> {
  ensureBuilt();
  const { startFakeBackend } = await import('./fake-backend');
  const fake = await startFakeBackend(o);
  return { url: fake.url, child: null, log: () => '', fake, stop: () => fake.close() };
}

function newest(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n = Math.max(n, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return n;
}

/** Builds the renderer when out/renderer is missing or older than its sources (as scripts/serve.mjs does). */
export function ensureBuilt(): void {
  const built = path.join(ROOT, 'out', 'renderer', 'index.html');
  const stale = !existsSync(built) || Math.max(newest(path.join(ROOT, 'renderer')), newest(path.join(ROOT, 'main', 'core'))) > statSync(built).mtimeMs;
  if (!stale) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('renderer build failed');
}

export async function startServer(configDir: string, extraArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const child = spawn('npm', ['run', '--silent', 'serve', '--', '--port', String(port), '--config-dir', configDir, ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() ends npm, node and anything they started
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its URL within 180 s\n${stderr}`)), 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before printing its URL\n${stderr}`));
    });
  });
  return {
    url,
    child,
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A fresh Chromium profile per run (persistent context: that is how Playwright takes --user-data-dir). */
export async function launchBrowser(o: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<{
  context: BrowserContext;
  profile: string;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'vmdeck-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: o.viewport ?? { width: 1440, height: 900 },
    colorScheme: o.colorScheme ?? 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  return { context, profile };
}

/** Records CSP violations inside the page (they are also reported as console messages by Chromium). */
const CSP_PROBE = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
  });
`;

export async function openApp(o: AppOptions = {}): Promise<App> {
  const configDir = mkdtempSync(path.join(tmpdir(), 'vmdeck-e2e-config-'));
  o.prepareConfig?.(configDir);
  ensureBuilt(); // build here, once, rather than inside the server's start-up timeout
  const server = o.backend === 'fake' ? await startFake(o.fake) : await startServer(configDir, o.serverArgs);
  let launched: Awaited<ReturnType<typeof launchBrowser>>;
  try {
    launched = await launchBrowser(o);
  } catch (e) {
    await server.stop();
    throw e;
  }
  const { context, profile } = launched;
  // An init script is injected by the browser (CDP), not by the page, so it is not subject to the page CSP.
  await context.addInitScript({ content: CSP_PROBE });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: Problem[] = [];
  const allowed = (t: string) => (o.allowConsole ?? []).some((r) => r.test(t));
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(text)) problems.push({ kind: 'csp', text });
    else if (msg.type() === 'error' && !allowed(text)) problems.push({ kind: 'console', text });
  });
  page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: `${err.name}: ${err.message}\n${err.stack ?? ''}` }));
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });

  const app: App = {
    url: server.url,
    page,
    context,
    configDir,
    problems,
    serverLog: server.log,
    ...(server.fake ? { fake: server.fake } : {}),
    assertClean() {
      if (problems.length > 0) {
        throw new Error(`page problems:\n${problems.map((p) => `[${p.kind}] ${p.text}`).join('\n')}`);
      }
    },
    async screenshot(name: string) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      try {
        const csp = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []).catch(() => []);
        for (const v of csp) if (!problems.some((p) => p.kind === 'csp' && p.text.includes(v))) problems.push({ kind: 'csp', text: v });
      } finally {
        await context.close().catch(() => {});
        await server.stop();
        rmSync(profile, { recursive: true, force: true });
        rmSync(configDir, { recursive: true, force: true });
      }
    },
  };
  return app;
}

/** CSP violations collected in the page so far (also folded into `problems` on close). */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/**
 * Runs axe-core in the page. The page CSP allows only 'self' scripts, so a <script> tag with inline
 * content would be refused; Playwright's evaluate() runs through the DevTools protocol, which CSP does not
 * govern, so the library source is evaluated that way.
 */
export async function runAxe(page: Page, include?: string): Promise<AxeViolation[]> {
  const { readFileSync } = await import('node:fs');
  const source = readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async (sel) => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(sel ? { include: [sel] } : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  }, include ?? null);
}

export function seriousAxe(v: AxeViolation[]): AxeViolation[] {
  return v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
}

/** Reads a console's whole buffer as text through the app's own "Copy scrollback" action is not possible headless; use the DOM rows. */
export async function terminalText(page: Page, consoleSelector: string): Promise<string> {
  return page.locator(`${consoleSelector} .xterm-rows`).innerText().catch(() => '');
}
