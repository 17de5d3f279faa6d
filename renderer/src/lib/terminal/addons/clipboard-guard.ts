/**
 * Guest output never reaches the user's clipboard. xterm ignores OSC 52 ("set clipboard") by default; this addon
 * makes the policy explicit: it swallows every OSC 52 sequence and reports it, so the console bar can say a guest
 * tried. Copying stays a user action (selection, "Copy scrollback").
 */
import type { IDisposable } from '@xterm/xterm';

/** The part of xterm's (browser or headless) Terminal this addon uses. */
export interface OscHost {
  parser: { registerOscHandler(ident: number, callback: (data: string) => boolean | Promise<boolean>): IDisposable };
}

export const OSC_CLIPBOARD = 52;

export class ClipboardGuardAddon {
  #handler: IDisposable | null = null;
  #blocked = 0;
  readonly #onBlocked: (count: number) => void;

  constructor(onBlocked: (count: number) => void = () => {}) {
    this.#onBlocked = onBlocked;
  }

  /** OSC 52 sequences swallowed so far. */
  get blocked(): number {
    return this.#blocked;
  }

  activate(terminal: OscHost): void {
    this.#handler = terminal.parser.registerOscHandler(OSC_CLIPBOARD, () => {
      this.#blocked++;
      this.#onBlocked(this.#blocked);
      return true; // handled: no other handler (and never the clipboard) sees it
    });
  }

  dispose(): void {
    this.#handler?.dispose();
    this.#handler = null;
  }
}
