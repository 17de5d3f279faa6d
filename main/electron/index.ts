/**
 * The Electron composition root: single-instance lock, sandbox for every renderer, the session and
 * web-contents security policy, the backend (main/app/backend.ts), the main window, the IPC binding
 * and the event sink. Everything here is glue; the parts live in this folder and are unit-tested.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, session, shell } from 'electron';
import { createBackend, type Backend } from '../app/backend';
import { createAppUrl } from './app-url';
import { bindIpc, WebContentsClients, type Disposable } from './ipc';
import { SafeStorageSecretStore } from './safe-storage-secrets';
import { createExternalOpener, hardenSession, hardenWebContents } from './security';
import { acquireSingleInstance } from './single-instance';
import { createMainWindow } from './window';

// Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/index.html.
const here = fileURLToPath(new URL('.', import.meta.url));
const preloadPath = join(here, '../preload/index.cjs');
const rendererIndexPath = join(here, '../renderer/index.html');

const logError = (e: unknown) => console.error('vmdeck:', e);

let mainWindow: BrowserWindow | undefined;
const getWindow = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined);

// Must run before 'ready': every renderer is sandboxed whatever its webPreferences say.
app.enableSandbox();

if (!acquireSingleInstance(app, getWindow)) {
  app.quit();
} else {
  const appUrl = createAppUrl({
    rendererIndexPath,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    isPackaged: app.isPackaged,
  });
  const openExternal = createExternalOpener({ openExternal: (url) => shell.openExternal(url) });

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { isAppUrl: appUrl.isAppUrl, openExternal, onError: logError });
  });

  let backend: Backend | undefined;
  let ipc: Disposable | undefined;
  let clients: WebContentsClients | undefined;
  let disposed = false;
  let disposing: Promise<void> | undefined;

  const dispose = (): Promise<void> => {
    disposing ??= (async () => {
      ipc?.dispose();
      ipc = undefined;
      clients?.dispose();
      clients = undefined;
      try {
        await backend?.dispose();
      } catch (e) {
        logError(e);
      }
      disposed = true;
    })();
    return disposing;
  };

  const start = async () => {
    await app.whenReady();
    hardenSession(session.defaultSession, { isAppUrl: appUrl.isAppUrl });

    const userData = app.getPath('userData');
    const store = new SafeStorageSecretStore(join(userData, 'secrets.json'));
    backend = await createBackend({
      mode: 'electron',
      configDir: userData,
      // Without a real keyring nothing is remembered (the UI then never offers to).
      ...(store.usable() ? { secrets: store } : {}),
      openExternal,
      version: app.getVersion(),
    });

    mainWindow = createMainWindow({
      appUrl,
      preloadPath,
      stateFile: join(userData, 'window-state.json'),
      devTools: !app.isPackaged,
      onError: logError,
    });
    const windowId = mainWindow.webContents.id;
    const windowClients = (clients = new WebContentsClients(backend, appUrl.isAppUrl));
    // The window is a client from the start, so events raised before its first call (a host-key prompt
    // of an auto-connecting host) reach it.
    windowClients.handlersFor(mainWindow.webContents);
    ipc = bindIpc((sender) => windowClients.handlersFor(sender), {
      isAppUrl: appUrl.isAppUrl,
      isTrustedContents: (contents) => contents.id === windowId,
    });
    mainWindow.on('closed', () => {
      mainWindow = undefined;
    });
  };

  // Dispose the backend (SSH connections, consoles, timers) before the process exits.
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    void dispose().then(() => app.quit());
  });
  // vmdeck has one window: closing it quits, on Linux and everywhere else.
  app.on('window-all-closed', () => {
    void dispose().then(() => app.quit());
  });

  start().catch((e: unknown) => {
    logError(e);
    void dispose().then(() => app.exit(1));
  });
}
