/** One vmdeck per user session: a second launch focuses the running window and exits. */
import type { App, BrowserWindow } from 'electron';

/** Returns false when another instance holds the lock (the caller quits). */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'on'>, getWindow: () => BrowserWindow | undefined): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => {
    const win = getWindow();
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    if (!win.isVisible()) win.show();
    win.focus();
  });
  return true;
}
