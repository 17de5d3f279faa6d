/**
 * What a console tab can ask of the app, as one object (the dock and each terminal get it whole instead of a
 * callback per action). The shell builds it from the AppModel.
 */
import type { KeyRoute } from './addons/app-keys';

export interface ConsoleActions {
  /** Keystrokes, pastes and xterm's own replies for the guest. */
  input(id: string, data: string): void;
  resize(id: string, cols: number, rows: number): void;
  /** Output bytes xterm has written (flow control). */
  ack(id: string, bytes: number): void;
  /** A link the user clicked (already checked: https, user click). */
  openLink(url: string): void;
  setLogging(id: string, on: boolean): void;
  notice(text: string, tone?: 'info' | 'error'): void;
  savePastePrefs(chars: number, delayMs: number): void;
  activate(id: string): void;
  /** Detach and drop the tab. */
  close(id: string): void;
  /** A closed tab opens a new session on the same guest and device. */
  reconnect(id: string): void;
  /** App keys typed into a console (see AppKeysAddon); everything else goes to the guest. */
  routeKey(e: KeyboardEvent): KeyRoute;
  hostName(hostId: string): string;
}

/** Keys the console itself handles (never sent to the guest). */
export function localConsoleKey(e: KeyboardEvent): 'search' | 'copy' | null {
  if (!e.ctrlKey || !e.shiftKey || e.altKey || e.metaKey) return null;
  const k = e.key.toLowerCase();
  return k === 'f' ? 'search' : k === 'c' ? 'copy' : null;
}
