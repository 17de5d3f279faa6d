/**
 * The Electron security policy, in one place:
 *  - every permission request and check is denied (the app needs none of them), device access and
 *    downloads too;
 *  - <webview> cannot be attached; navigation and redirects away from the app's renderer are blocked;
 *  - window.open is always denied; an https URL is handed to the safe external opener instead;
 *  - shell.openExternal is reached only through `createExternalOpener`, which accepts https URLs only
 *    (checked again here whatever the renderer checked) and at most one every `minIntervalMs`.
 */
import type { Session, WebContents } from 'electron';
import { VmdeckError } from '../core/errors';

/** Permissions granted to the app's renderer: none. Add here, with a reason, if a feature needs one. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.has(permission));
  });
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
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
