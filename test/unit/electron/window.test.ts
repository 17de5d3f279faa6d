import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-fake')).electronModule());

import { createAppUrl } from '../../../main/electron/app-url';
import { createMainWindow } from '../../../main/electron/window';
import { parseWindowState, restoreBounds } from '../../../main/electron/window-state';
import { fake, FakeBrowserWindow } from './electron-fake';

const index = '/opt/vmdeck/out/renderer/index.html';
let dir: string;
let stateFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmdeck-window-'));
  stateFile = join(dir, 'window-state.json');
  FakeBrowserWindow.instances.length = 0;
  fake.screen.displays = [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(extra: Partial<Parameters<typeof createMainWindow>[0]> = {}) {
  const win = createMainWindow({
    appUrl: createAppUrl({ rendererIndexPath: index, isPackaged: true }),
    preloadPath: '/opt/vmdeck/out/preload/index.cjs',
    stateFile,
    devTools: false,
    saveDelayMs: 5,
    ...extra,
  });
  return win as unknown as FakeBrowserWindow;
}

describe('main window', () => {
  it('is created with locked-down webPreferences and the CJS preload', () => {
    const win = open();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      devTools: false,
      preload: '/opt/vmdeck/out/preload/index.cjs',
    });
    expect(prefs.preload).toMatch(/\.cjs$/);
  });

  it('loads the built renderer file in production', () => {
    const win = open();
    expect(win.loadFile).toHaveBeenCalledExactlyOnceWith(index);
    expect(win.loadURL).not.toHaveBeenCalled();
  });

  it('loads the dev server URL in development', () => {
    const win = open({ appUrl: createAppUrl({ rendererIndexPath: index, isPackaged: false, devServerUrl: 'http://localhost:5173' }) });
    expect(win.loadURL).toHaveBeenCalledExactlyOnceWith('http://localhost:5173/');
  });

  it('saves its bounds on close and restores them next time', async () => {
    const first = open();
    first.bounds = { x: 200, y: 150, width: 1000, height: 700 };
    first.emit('close');
    await vi.waitFor(async () => expect(JSON.parse(await readFile(stateFile, 'utf8'))).toEqual({
      bounds: { x: 200, y: 150, width: 1000, height: 700 },
      maximized: false,
    }));
    const second = open();
    expect(second.options).toMatchObject({ x: 200, y: 150, width: 1000, height: 700 });
  });

  it('saves after a resize or move settles, and restores maximized', async () => {
    const w = open();
    w.bounds = { x: 10, y: 20, width: 900, height: 600 };
    w.maximized = true;
    w.emit('resize');
    w.emit('move');
    await vi.waitFor(async () => expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ maximized: true }));
    expect(open().maximized).toBe(true);
  });

  it('does not restore a position on a display that is gone', async () => {
    await writeFile(stateFile, JSON.stringify({ bounds: { x: 2500, y: 100, width: 1200, height: 800 }, maximized: false }));
    const w = open();
    expect(w.options.x).toBeUndefined();
    expect(w.options.y).toBeUndefined();
    expect(w.options).toMatchObject({ width: 1200, height: 800 });
  });

  it('ignores a corrupt state file', async () => {
    await writeFile(stateFile, '{"bounds": {"x": "a"}}');
    const w = open();
    expect(w.options).toMatchObject({ width: 1280, height: 800 });
    expect(w.options.x).toBeUndefined();
  });
});

describe('window bounds restore', () => {
  const area = { x: 0, y: 0, width: 1920, height: 1080 };
  const right = { x: 1920, y: 0, width: 2560, height: 1440 };

  it('keeps a window that is visible on a second display', () => {
    const saved = { bounds: { x: 2200, y: 100, width: 1400, height: 900 }, maximized: false };
    expect(restoreBounds(saved, [area, right], area)).toEqual({ x: 2200, y: 100, width: 1400, height: 900 });
  });

  it('drops the position when the display is unplugged and caps the size to the primary work area', () => {
    const saved = { bounds: { x: 2200, y: 100, width: 2400, height: 1400 }, maximized: false };
    expect(restoreBounds(saved, [area], area)).toEqual({ width: 1920, height: 1080 });
  });

  it('pulls a title bar above the work area back in', () => {
    const saved = { bounds: { x: 100, y: -300, width: 800, height: 600 }, maximized: false };
    expect(restoreBounds(saved, [area], area)).toMatchObject({ x: 100, y: 0 });
  });

  it('parses only well-formed state', () => {
    expect(parseWindowState('nope')).toBeUndefined();
    expect(parseWindowState('{"bounds":{"x":1,"y":2,"width":0,"height":3}}')).toBeUndefined();
    expect(parseWindowState('{"bounds":{"x":1,"y":2,"width":300,"height":300},"maximized":true}')).toEqual({
      bounds: { x: 1, y: 2, width: 300, height: 300 },
      maximized: true,
    });
  });
});
