/**
 * An in-memory stand-in for the parts of 'electron' the shell uses. Tests install it with
 *   vi.mock('electron', async () => (await import('./electron-fake')).electronModule());
 * and inspect the recorded calls. Nothing here starts Electron.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url?: string) {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  url = '';
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  readonly send = vi.fn();
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  /** Emits a navigation-style event and reports whether it was prevented. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e, url);
    return e.defaultPrevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  bounds: { x: number; y: number; width: number; height: number };
  maximized = false;
  minimized = false;
  visible = false;
  destroyed = false;
  readonly focus = vi.fn();
  readonly loadFile = vi.fn(async (path: string) => {
    this.webContents.url = 'file://' + path;
  });
  readonly loadURL = vi.fn(async (url: string) => {
    this.webContents.url = url;
  });

  constructor(readonly options: Record<string, unknown>) {
    super();
    const o = options as { x?: number; y?: number; width?: number; height?: number };
    this.bounds = { x: o.x ?? 100, y: o.y ?? 100, width: o.width ?? 800, height: o.height ?? 600 };
    FakeBrowserWindow.instances.push(this);
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  isMaximized() {
    return this.maximized;
  }
  maximize() {
    this.maximized = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isVisible() {
    return this.visible;
  }
  show() {
    this.visible = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeSession extends EventEmitter {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void) | undefined;
  permissionCheckHandler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | undefined;
  devicePermissionHandler: ((details: unknown) => boolean) | undefined;
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']) {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']) {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['devicePermissionHandler']) {
    this.devicePermissionHandler = h;
  }
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  readonly handle = vi.fn((channel: string, fn: Handler) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  });
  readonly removeHandler = vi.fn((channel: string) => {
    this.handlers.delete(channel);
  });
}

export class FakeApp extends EventEmitter {
  isPackaged = true;
  lock = true;
  readonly calls: string[] = [];
  userData = '/nonexistent';
  readonly enableSandbox = vi.fn(() => this.calls.push('enableSandbox'));
  readonly requestSingleInstanceLock = vi.fn(() => {
    this.calls.push('requestSingleInstanceLock');
    return this.lock;
  });
  readonly quit = vi.fn(() => {
    this.calls.push('quit');
    const e = new FakeEvent();
    this.emit('before-quit', e);
  });
  readonly exit = vi.fn();
  readonly whenReady = vi.fn(async () => {
    this.calls.push('whenReady');
  });
  getPath(name: string) {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return this.userData;
  }
  getVersion() {
    return '0.1.0-test';
  }
}

export interface FakeDisplay {
  workArea: { x: number; y: number; width: number; height: number };
}

export interface FakeSafeStorage {
  available: boolean;
  backend: string;
  isEncryptionAvailable(): boolean;
  encryptString(s: string): Buffer;
  decryptString(b: Buffer): string;
  getSelectedStorageBackend(): string;
}

/** A reversible toy cipher: enough to tell ciphertext from clear text in tests. */
export function makeSafeStorage(): FakeSafeStorage {
  const s: FakeSafeStorage = {
    available: true,
    backend: 'gnome_libsecret',
    isEncryptionAvailable: () => s.available,
    encryptString: (text) => Buffer.concat([Buffer.from('v11'), Buffer.from(Buffer.from(text, 'utf8').map((b) => b ^ 0x5a))]),
    decryptString: (buf) => {
      if (buf.subarray(0, 3).toString() !== 'v11') throw new Error('bad ciphertext');
      return Buffer.from(buf.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
    },
    getSelectedStorageBackend: () => s.backend,
  };
  return s;
}

export interface ElectronFake {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  session: { defaultSession: FakeSession };
  shell: { openExternal: ReturnType<typeof vi.fn> };
  screen: { displays: FakeDisplay[]; getAllDisplays(): FakeDisplay[]; getPrimaryDisplay(): FakeDisplay | undefined };
  safeStorage: FakeSafeStorage;
  BrowserWindow: typeof FakeBrowserWindow;
  contextBridge: { exposeInMainWorld: ReturnType<typeof vi.fn> };
  ipcRenderer: { invoke: ReturnType<typeof vi.fn>; on: ReturnType<typeof vi.fn> };
}

/** One shared fake per test file (vi.mock factories run once per file). */
export const fake: ElectronFake = createFake();

function createFake(): ElectronFake {
  const screen = {
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] as FakeDisplay[],
    getAllDisplays: () => screen.displays,
    getPrimaryDisplay: () => screen.displays[0],
  };
  return {
    app: new FakeApp(),
    ipcMain: new FakeIpcMain(),
    session: { defaultSession: new FakeSession() },
    shell: { openExternal: vi.fn(async () => undefined) },
    screen,
    safeStorage: makeSafeStorage(),
    BrowserWindow: FakeBrowserWindow,
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: { invoke: vi.fn(), on: vi.fn() },
  };
}

export function electronModule(): Record<string, unknown> {
  return { ...fake, default: fake };
}
