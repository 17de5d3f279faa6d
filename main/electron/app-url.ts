/**
 * Where the app's own renderer lives, and whether a URL is that renderer. Everything that trusts a frame
 * (IPC sender checks, navigation guards, the event sink) asks this one object.
 */
import { pathToFileURL } from 'node:url';

export interface AppUrl {
  /** What the main window loads. */
  readonly entry: { kind: 'file'; path: string } | { kind: 'url'; url: string };
  /** Whether `url` is the app's renderer (any hash; same file in production, same origin for the dev server). */
  isAppUrl(url: string | undefined | null): boolean;
}

export interface AppUrlOptions {
  /** Absolute path of out/renderer/index.html. */
  rendererIndexPath: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); honoured only when the app is not packaged. */
  devServerUrl?: string | undefined;
  isPackaged: boolean;
}

function parse(url: string | undefined | null): URL | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function createAppUrl(options: AppUrlOptions): AppUrl {
  const dev = !options.isPackaged && options.devServerUrl ? parse(options.devServerUrl) : undefined;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:')) {
    const origin = dev.origin;
    return {
      entry: { kind: 'url', url: dev.href },
      isAppUrl: (url) => {
        const u = parse(url);
        return u !== undefined && u.origin === origin && u.username === '' && u.password === '';
      },
    };
  }
  const file = pathToFileURL(options.rendererIndexPath);
  return {
    entry: { kind: 'file', path: options.rendererIndexPath },
    isAppUrl: (url) => {
      const u = parse(url);
      return u !== undefined && u.protocol === 'file:' && u.host === file.host && u.pathname === file.pathname && u.search === '';
    },
  };
}
