// A stand-in for 'electron' when the built out/main/index.js runs under plain Node (no Electron binary).
// Records what the bundle does; bundle.test.ts drives it through globalThis.__vmdeckFake.
import { EventEmitter } from 'node:events';

const userData = process.env.VMDECK_FAKE_USERDATA;
const state = { windows: [], handlers: new Map(), sent: [], calls: [] };
globalThis.__vmdeckFake = state;

class WebContents extends EventEmitter {
  static next = 1;
  id = WebContents.next++;
  url = '';
  getURL() { return this.url; }
  isDestroyed() { return false; }
  send(...args) { state.sent.push(args); }
  setWindowOpenHandler(h) { this.windowOpenHandler = h; }
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    state.windows.push(this);
  }
  static getAllWindows() { return state.windows; }
  async loadFile(path) { this.loadedFile = path; this.webContents.url = new URL('file://' + path).href; }
  async loadURL(url) { this.loadedUrl = url; this.webContents.url = url; }
  getNormalBounds() { return { x: 10, y: 10, width: 1200, height: 800 }; }
  isMaximized() { return false; }
  maximize() {}
  isDestroyed() { return false; }
  isMinimized() { return false; }
  isVisible() { return true; }
  show() {}
  focus() {}
  restore() {}
}

class App extends EventEmitter {
  isPackaged = true;
  enableSandbox() { state.calls.push('enableSandbox'); }
  requestSingleInstanceLock() { state.calls.push('lock'); return true; }
  async whenReady() { state.calls.push('ready'); }
  getPath(name) { if (name !== 'userData') throw new Error(name); return userData; }
  getVersion() { return '9.9.9'; }
  quit() {
    state.calls.push('quit');
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', e);
    if (!e.defaultPrevented) { state.calls.push('exit'); this.emit('quit'); }
  }
  exit(code) { state.calls.push(`exit ${code}`); }
}
export const app = new App();

class Session extends EventEmitter {
  setPermissionRequestHandler(h) { state.permissionRequest = h; }
  setPermissionCheckHandler(h) { state.permissionCheck = h; }
  setDevicePermissionHandler(h) { state.devicePermission = h; }
}
export const session = { defaultSession: new Session() };

export const ipcMain = {
  handle(channel, fn) { if (state.handlers.has(channel)) throw new Error('dup ' + channel); state.handlers.set(channel, fn); },
  removeHandler(channel) { state.handlers.delete(channel); },
};
export const shell = { async openExternal(url) { state.calls.push('openExternal ' + url); } };
export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
};
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'basic_text',
  encryptString: (s) => Buffer.from(s),
  decryptString: (b) => b.toString(),
};
export const contextBridge = { exposeInMainWorld() { throw new Error('not in main'); } };
export const ipcRenderer = {};
export default { app, BrowserWindow, session, ipcMain, shell, screen, safeStorage };
