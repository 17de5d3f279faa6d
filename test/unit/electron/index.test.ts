/**
 * The composition root under a fake Electron and a fake backend: the order of the security steps, what
 * the backend receives, and that quitting disposes everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const backendMock = vi.hoisted(() => ({
  createBackend: vi.fn(),
}));
vi.mock('../../../main/app/backend', () => backendMock);

import { METHOD_NAMES } from '../../../main/core/contract';
import type * as FakeModule from './electron-fake';

let dir: string;

function fakeBackend() {
  const handlers = Object.fromEntries(METHOD_NAMES.map((m) => [m, vi.fn(async () => `ran ${m}`)]));
  const clients: { sink: (e: string, p: unknown) => void; dispose: ReturnType<typeof vi.fn> }[] = [];
  return {
    handlers,
    clients,
    connect: vi.fn((sink: (e: string, p: unknown) => void) => {
      const client = { id: `window-${clients.length + 1}`, handlers, sink, dispose: vi.fn() };
      clients.push(client);
      return client;
    }),
    dispose: vi.fn(async () => undefined),
  };
}

async function boot(configure?: (fake: typeof FakeModule.fake) => void) {
  vi.resetModules();
  // A fresh fake Electron per boot: the module under test runs its top level on import.
  const mod = (await import('./electron-fake')) as typeof FakeModule;
  vi.doMock('electron', () => mod.electronModule());
  mod.fake.app.userData = dir;
  configure?.(mod.fake);
  const backend = fakeBackend();
  backendMock.createBackend.mockReset();
  backendMock.createBackend.mockResolvedValue(backend);
  mod.FakeBrowserWindow.instances.length = 0;
  await import('../../../main/electron/index');
  return { ...mod, backend };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmdeck-index-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('electron composition root', () => {
  it('quits at once when another instance runs: no backend, no window', async () => {
    const { fake, FakeBrowserWindow } = await boot((f) => {
      f.app.lock = false;
    });
    expect(fake.app.enableSandbox).toHaveBeenCalled();
    expect(fake.app.quit).toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 20));
    expect(backendMock.createBackend).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('enables the sandbox before ready, then builds backend, window, IPC and event sink', async () => {
    const { fake, FakeBrowserWindow, FakeWebContents, backend } = await boot();
    await vi.waitFor(() => expect(backend.connect).toHaveBeenCalledTimes(1));
    expect(fake.app.calls.indexOf('enableSandbox')).toBeLessThan(fake.app.calls.indexOf('whenReady'));
    expect(fake.app.calls.indexOf('requestSingleInstanceLock')).toBeLessThan(fake.app.calls.indexOf('whenReady'));

    const options = backendMock.createBackend.mock.calls[0]![0] as Record<string, unknown>;
    expect(options).toMatchObject({ mode: 'electron', configDir: dir, version: '0.1.0-test' });
    expect(options.secrets).toBeDefined();
    expect(typeof options.openExternal).toBe('function');
    await expect((options.openExternal as (u: string) => Promise<void>)('http://example.com/')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(fake.shell.openExternal).not.toHaveBeenCalled();

    // The session denies permissions.
    const cb = vi.fn();
    fake.session.defaultSession.permissionRequestHandler!({}, 'media', cb, {});
    expect(cb).toHaveBeenCalledWith(false);

    // One window, sandboxed, with the CommonJS preload.
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    const win = FakeBrowserWindow.instances[0]!;
    expect(win.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(win.loadFile).toHaveBeenCalledWith(expect.stringMatching(/renderer[\\/]index\.html$/));

    // IPC: bound to the backend's handlers, callable only from that window's frame.
    expect(fake.ipcMain.handlers.size).toBe(METHOD_NAMES.length);
    const frame = { url: win.webContents.url, parent: null, top: null };
    const handler = fake.ipcMain.handlers.get('vmdeck:hosts.list')!;
    await expect(handler({ sender: win.webContents, senderFrame: frame })).resolves.toEqual({ ok: true, result: 'ran hosts.list' });
    await expect(handler({ sender: new FakeWebContents(), senderFrame: frame })).resolves.toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER' },
    });

    // The window is one client of the backend from the start; its events go to its webContents.
    expect(backend.connect).toHaveBeenCalledTimes(1);
    backend.clients[0]!.sink('hosts.removed', { id: 'h1' });
    expect(win.webContents.send).toHaveBeenCalledWith('vmdeck:event', 'hosts.removed', { id: 'h1' });
  });

  it('hardens every web contents the app creates', async () => {
    const { fake, FakeWebContents } = await boot();
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('does not offer to remember secrets without a real keyring', async () => {
    const { backend } = await boot((f) => {
      f.safeStorage.backend = 'basic_text';
    });
    await vi.waitFor(() => expect(backend.connect).toHaveBeenCalled());
    expect((backendMock.createBackend.mock.calls[0]![0] as Record<string, unknown>).secrets).toBeUndefined();
  });

  it('disposes IPC and the backend before quitting', async () => {
    const { fake, backend, FakeEvent } = await boot();
    await vi.waitFor(() => expect(backend.connect).toHaveBeenCalled());
    const e = new FakeEvent();
    fake.app.emit('before-quit', e);
    expect(e.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(backend.dispose).toHaveBeenCalledTimes(1);
    expect(backend.clients[0]!.dispose).toHaveBeenCalledTimes(1);
    expect(fake.ipcMain.handlers.size).toBe(0);
    // The quit that follows is not held up again.
    const again = new FakeEvent();
    fake.app.emit('before-quit', again);
    expect(again.defaultPrevented).toBe(false);
  });

  it('quits when the window closes (Linux included)', async () => {
    const { fake, backend } = await boot();
    await vi.waitFor(() => expect(backend.connect).toHaveBeenCalled());
    fake.app.emit('window-all-closed');
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(backend.dispose).toHaveBeenCalledTimes(1);
  });
});
