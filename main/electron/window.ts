/**
 * The main window: locked-down webPreferences, the preload bridge, the app's renderer, and its size and
 * position remembered across runs.
 */
import { BrowserWindow, screen, type WebPreferences } from 'electron';
import type { AppUrl } from './app-url';
import { loadWindowState, MIN_SIZE, restoreBounds, saveWindowState, type WindowState } from './window-state';

export interface MainWindowOptions {
  appUrl: AppUrl;
  /** Absolute path of out/preload/index.cjs. */
  preloadPath: string;
  /** The window-state JSON file (in userData). */
  stateFile: string;
  /** DevTools are available in development builds only. */
  devTools: boolean;
  title?: string;
  icon?: string;
  onError?: (error: unknown) => void;
  /** How long resizing/moving must pause before the state is written. */
  saveDelayMs?: number;
}

/** The renderer's webPreferences; exported so the tests assert exactly what the window gets. */
export function secureWebPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableWebSQL: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const saved = loadWindowState(options.stateFile);
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const bounds = restoreBounds(saved, displays, screen.getPrimaryDisplay()?.workArea);

  const win = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: options.title ?? 'vmdeck',
    show: false,
    backgroundColor: '#1b1e23',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: secureWebPreferences(options.preloadPath, options.devTools),
  });
  if (saved?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  let timer: ReturnType<typeof setTimeout> | undefined;
  const snapshot = (): WindowState => ({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  const save = (state: WindowState) => {
    saveWindowState(options.stateFile, state).catch((e: unknown) => options.onError?.(e));
  };
  const scheduleSave = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!win.isDestroyed()) save(snapshot());
    }, options.saveDelayMs ?? 500);
  };
  win.on('resize', scheduleSave);
  win.on('move', scheduleSave);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    save(snapshot());
  });

  const entry = options.appUrl.entry;
  const loading = entry.kind === 'file' ? win.loadFile(entry.path) : win.loadURL(entry.url);
  loading.catch((e: unknown) => options.onError?.(e));
  return win;
}
