/**
 * The Electron security policy, in one place:
 *  - every permission request and check is denied, except the clipboard for the app's own page (Copy and
 *    "Paste as keystrokes" are user actions; guest output never reaches the clipboard: OSC 52 is dropped in
 *    the terminal); device access is denied; downloads are cancelled except the app's own blob: files
 *    ("Save scrollback");
 *  - <webview> cannot be attached; navigation and redirects away from the app's renderer are blocked;
 *  - window.open is always denied; an https URL is handed to the safe external opener instead;
 *  - shell.openExternal is reached only through `createExternalOpener`, which accepts https URLs only
 *    (checked again here whatever the renderer checked) and at most one every `minIntervalMs`.
 */
import type { Session, WebContents } from 'electron';
import { VmdeckError } from '../core/errors';

/** Permissions granted to the app's own page, each for a user action. Everything else is denied. */
export const APP_PERMISSIONS: ReadonlySet<string> = new Set<string>(['clipboard-sanitized-write', 'clipboard-read']);

interface UrlSource {
  getURL?(): string;
}

export interface SessionPolicyOptions {
  isAppUrl: (url: string) => boolean;
}

export function hardenSession(session: Session, options: SessionPolicyOptions): void {
  const fromApp = (contents: unknown): boolean => {
    const url = (contents as UrlSource | null)?.getURL?.();
    return typeof url === 'string' && options.isAppUrl(url);
  };
  session.setPermissionRequestHandler((contents, permission, callback) => {
    callback(APP_PERMISSIONS.has(permission) && fromApp(contents));
  });
  session.setPermissionCheckHandler((contents, permission) => APP_PERMISSIONS.has(permission) && fromApp(contents));
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event, item, contents) => {
    // The page saves its own scrollback as a blob: URL; nothing else is ever downloaded.
    const url = (item as UrlSource | null)?.getURL?.() ?? '';
    if (!(url.startsWith('blob:') && fromApp(contents))) event.preventDefault();
  });
}

/** A URL the app may hand to the user's browser: https, with a host, without embedded credentials. */
export function isSafeExternalUrl(url: unknown): boolean {
  if (typeof url !== 'string' || url.length > 4096) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
}

export interface ExternalOpenerOptions {
  openExternal: (url: string) => Promise<void>;
  now?: () => number;
  /** A compromised page must not be able to flood the browser: one open per interval. */
  minIntervalMs?: number;
}

export type ExternalOpener = (url: string) => Promise<void>;

export function createExternalOpener(options: ExternalOpenerOptions): ExternalOpener {
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 1000;
  let last = -Infinity;
  return async (url: string) => {
    if (!isSafeExternalUrl(url)) {
      throw new VmdeckError('PERMISSION_DENIED', 'only https links can be opened outside vmdeck', {
        notes: [String(url).slice(0, 200)],
      });
    }
    const t = now();
    if (t - last < minInterval) throw new VmdeckError('PERMISSION_DENIED', 'too many links opened at once');
    last = t;
    await options.openExternal(new URL(url).href);
  };
}

export interface HardenContentsOptions {
  isAppUrl: (url: string) => boolean;
  openExternal: ExternalOpener;
  onError?: (error: unknown) => void;
}

/** Applied to every WebContents the app creates (app 'web-contents-created'). */
export function hardenWebContents(contents: WebContents, options: HardenContentsOptions): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event) => {
    if (!options.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!options.isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!options.isAppUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) options.openExternal(url).catch((e: unknown) => options.onError?.(e));
    return { action: 'deny' };
  });
}
