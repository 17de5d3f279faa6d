/**
 * The bridge contract: the preload exposes exactly the contract's methods plus `on`, main binds exactly one
 * IPC handler per method, and a call travels preload -> ipcMain -> dispatch -> handlers and back with
 * errors as data. Also checks the built artefacts: out/preload/index.cjs is self-contained CommonJS and
 * out/renderer/index.html has a CSP without 'unsafe-inline'/'unsafe-eval' for scripts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';

vi.mock('electron', async () => (await import('../electron/electron-fake')).electronModule());

import { EVENT_NAMES, METHOD_NAMES, type VmdeckApi, type VmdeckHandlers } from '../../../main/core/contract';
import { isErrorData } from '../../../main/core/errors';
import { bindIpc } from '../../../main/electron/ipc';
import { createBridgeApi, type BridgeIpc } from '../../../preload/bridge';
import { BRIDGE_EVENTS, BRIDGE_METHODS } from '../../../preload/names';
import { ensureBuilt, ROOT } from '../electron/build-targets';
import { NAMES_FILE, renderNamesModule } from '../../../scripts/contract-names';
import { fake } from '../electron/electron-fake';

const APP = 'file:///opt/vmdeck/out/renderer/index.html';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('preload exposes exactly the contract', () => {
  it('has the names file the generator writes from the contract (npm run gen:names)', () => {
    expect(readFileSync(NAMES_FILE, 'utf8')).toBe(renderNamesModule());
  });

  it('lists the same method and event names as the contract', () => {
    expect(sorted(BRIDGE_METHODS)).toEqual(sorted(METHOD_NAMES));
    expect(new Set(BRIDGE_METHODS).size).toBe(BRIDGE_METHODS.length);
    expect(sorted(BRIDGE_EVENTS)).toEqual(sorted(EVENT_NAMES));
  });

  it('calls exposeInMainWorld once, as window.vmdeck, with METHOD_NAMES + on and nothing else', async () => {
    fake.contextBridge.exposeInMainWorld.mockClear();
    vi.resetModules();
    await import('../../../preload/index');
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [key, api] = fake.contextBridge.exposeInMainWorld.mock.calls[0] as [string, Record<string, unknown>];
    expect(key).toBe('vmdeck');
    expect(sorted(Object.keys(api))).toEqual(sorted([...METHOD_NAMES, 'on']));
    for (const k of Object.keys(api)) expect(typeof api[k], k).toBe('function');
    // Nothing generic leaks: no ipcRenderer, no invoke/send by channel name.
    expect(Object.values(api)).not.toContain(fake.ipcRenderer);
    expect(api).not.toHaveProperty('invoke');
    expect(api).not.toHaveProperty('send');
    expect(Object.isFrozen(api)).toBe(true);
  });
});

describe('preload <-> main round trip', () => {
  let api: VmdeckApi;
  let calls: { method: string; args: unknown[] }[];
  let invoke: Mock<BridgeIpc['invoke']>;
  let eventListener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  let activation = true;

  beforeEach(() => {
    fake.ipcMain.handlers.clear();
    fake.ipcMain.handle.mockClear();
    calls = [];
    const handlers = Object.fromEntries(
      METHOD_NAMES.map((m) => [m, async (...args: unknown[]) => {
        calls.push({ method: m, args });
        return { method: m };
      }]),
    ) as unknown as VmdeckHandlers;
    bindIpc(handlers, { isAppUrl: (u) => u === APP });
    const frame = { url: APP, parent: null, top: null };
    // ipcRenderer.invoke: structured-clone the arguments and the reply, as Electron IPC does.
    invoke = vi.fn<BridgeIpc['invoke']>(async (channel: string, ...args: unknown[]) => {
      const handler = fake.ipcMain.handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      return structuredClone(await handler({ sender: {}, senderFrame: frame }, ...structuredClone(args)));
    });
    const ipc: BridgeIpc = {
      invoke,
      on: (_channel, listener) => {
        eventListener = listener;
      },
    };
    activation = true;
    api = createBridgeApi(ipc, { hasUserActivation: () => activation, reportListenerError: () => undefined });
  });

  it('main registers exactly one handler per method, on the channel the preload invokes', async () => {
    expect(fake.ipcMain.handle).toHaveBeenCalledTimes(METHOD_NAMES.length);
    for (const m of METHOD_NAMES) {
      const fn = (api as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m]!;
      // Every channel the preload uses exists in main (valid or not, the call reaches dispatch).
      await fn().catch(() => undefined);
      expect(invoke).toHaveBeenLastCalledWith('vmdeck:' + m);
    }
    expect(sorted(fake.ipcMain.handlers.keys())).toEqual(sorted(invoke.mock.calls.map((c) => c[0] as string)));
  });

  it('resolves with the result of a valid call', async () => {
    await expect(api['hosts.list']()).resolves.toEqual({ method: 'hosts.list' });
    await expect(api['consoles.resize']('c1', 100, 30)).resolves.toEqual({ method: 'consoles.resize' });
    expect(calls).toEqual([
      { method: 'hosts.list', args: [] },
      { method: 'consoles.resize', args: ['c1', 100, 30] },
    ]);
  });

  it('rejects with a plain, cloneable object carrying code/message/details (survives contextBridge copying)', async () => {
    const err = await api['consoles.resize']('c1', -5, 30).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ name: 'VmdeckError', code: 'INVALID_ARGUMENT' });
    expect(isErrorData(err)).toBe(true);
    expect(structuredClone(err)).toEqual(err);
    expect((err as { details?: { notes?: string[] } }).details?.notes?.length).toBeGreaterThan(0);
    expect(calls).toEqual([]);
  });

  it('refuses app.openExternal without a user action, before any IPC', async () => {
    activation = false;
    await expect(api['app.openExternal']('https://example.com/')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(invoke).not.toHaveBeenCalled();
    activation = true;
    await expect(api['app.openExternal']('https://example.com/')).resolves.toEqual({ method: 'app.openExternal' });
  });

  it('on(): delivers only contract events, payload only, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = api.on('hosts.removed', (p) => seen.push(p));
    eventListener!({ sender: 'secret' }, 'hosts.removed', { id: 'h1' });
    eventListener!({ sender: 'secret' }, 'not.an.event', { id: 'x' });
    eventListener!({ sender: 'secret' }, 'hosts.changed', { id: 'h2' });
    off();
    eventListener!({ sender: 'secret' }, 'hosts.removed', { id: 'h3' });
    expect(seen).toEqual([{ id: 'h1' }]);
    expect(() => api.on('ipc.raw' as never, () => undefined)).toThrow(/unknown event/);
  });

  it('a throwing listener does not stop the others', () => {
    const seen: string[] = [];
    api.on('hosts.removed', () => {
      throw new Error('boom');
    });
    api.on('hosts.removed', (p) => seen.push(p.id));
    eventListener!({}, 'hosts.removed', { id: 'h1' });
    expect(seen).toEqual(['h1']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Built artefacts

const PRELOAD_OUT = join(ROOT, 'out/preload/index.cjs');
const RENDERER_OUT = join(ROOT, 'out/renderer/index.html');

describe('built artefacts', () => {
  beforeAll(() => {
    ensureBuilt(['preload', 'renderer']);
  }, 320_000);

  it('out/preload/index.cjs is self-contained CommonJS that requires only electron', () => {
    const code = readFileSync(PRELOAD_OUT, 'utf8');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\bimport\s*\(/);
    expect(code).not.toMatch(/import\.meta/);
    const required = [...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/\brequire\(\s*[^"'`\s]/); // no computed require

    // Evaluate it as a sandboxed preload would: CommonJS scope, require('electron') only.
    const exposed: [string, Record<string, unknown>][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => exposed.push([k, v]) },
      ipcRenderer: { invoke: async () => ({ ok: true, result: 1 }), on: () => undefined },
    };
    const module = { exports: {} };
    runInNewContext(code, {
      require: (id: string) => {
        if (id !== 'electron') throw new Error(`preload required ${id}`);
        return electron;
      },
      module,
      exports: module.exports,
      console,
      navigator: { userActivation: { isActive: false } },
    });
    expect(exposed).toHaveLength(1);
    expect(exposed[0]![0]).toBe('vmdeck');
    expect(sorted(Object.keys(exposed[0]![1]))).toEqual(sorted([...METHOD_NAMES, 'on']));
  });

  it('out/renderer/index.html has a CSP whose script-src allows no inline or eval', () => {
    const html = readFileSync(RENDERER_OUT, 'utf8');
    const meta = /<meta\s+http-equiv=(["'])Content-Security-Policy\1\s+content=(["'])(.*?)\2/is.exec(html);
    expect(meta, 'CSP meta tag').not.toBeNull();
    const directives = new Map(
      meta![3]!.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!.toLowerCase(), values] as const;
      }),
    );
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
    expect(scriptSrc, 'script-src or default-src').toBeDefined();
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(scriptSrc).not.toContain('*');
    expect(directives.get('object-src')).toEqual(["'none'"]);
    // And the built page has no inline script for that CSP to block.
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/\bsrc=/);
  });
});
