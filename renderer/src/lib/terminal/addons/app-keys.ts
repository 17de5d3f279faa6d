/**
 * Which keys typed into a console go to the guest and which belong to the app. xterm consumes every key it can
 * translate (and stops its propagation), so app shortcuts must be claimed before xterm sees them:
 *
 * - `'guest'`: xterm handles the key as usual (sent to the guest).
 * - `'app'`:   xterm ignores the key and leaves the event alone, so it bubbles to the window, where the command
 *              registry runs the shortcut (Ctrl+K palette, Ctrl+J activity, Ctrl+Shift+[ / ] tabs).
 * - `'local'`: the console itself handled it (Ctrl+Shift+F search, Ctrl+Shift+C copy): default prevented,
 *              propagation stopped, nothing sent to the guest.
 */
import type { IDisposable } from '@xterm/xterm';

export type KeyRoute = 'guest' | 'app' | 'local';

export interface KeyHandlerHost {
  attachCustomKeyEventHandler(handler: (event: KeyboardEvent) => boolean): void;
}

export class AppKeysAddon implements IDisposable {
  readonly #route: (event: KeyboardEvent) => KeyRoute;
  #active = false;

  constructor(route: (event: KeyboardEvent) => KeyRoute) {
    this.#route = route;
  }

  activate(terminal: KeyHandlerHost): void {
    this.#active = true;
    terminal.attachCustomKeyEventHandler((e) => this.handle(e));
  }

  /** xterm's custom key handler: false means "xterm, do not process this event". */
  handle(e: KeyboardEvent): boolean {
    if (!this.#active) return true;
    const route = this.#route(e);
    if (route === 'guest') return true;
    if (route === 'local' && e.type === 'keydown') {
      e.preventDefault();
      e.stopPropagation();
    }
    return false;
  }

  dispose(): void {
    this.#active = false; // xterm has no detach; the handler becomes a pass-through
  }
}
