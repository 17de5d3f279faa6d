/**
 * One command registry for the renderer. Every user-visible command is declared once, with its id, title,
 * shortcut, when it is enabled (from the state of the guests it applies to) and what it runs; the command
 * palette, the keyboard, the lifecycle toolbar and the guest rows' context menu all read it.
 *
 * Shortcut scopes (what a guest console lets through is documented in docs and in the help dialog):
 * - `global`: works wherever focus is, a console included (Ctrl+K, Ctrl+J, Ctrl+Shift+[ / ]). In a console
 *   these chords are not sent to the guest; every other key is.
 * - `page`:   anywhere except while typing (a text field or a console): `?`, `/`.
 * - `list`:   in the guest list only, on its selection (S, H, R, P, C, Del): single keys a guest needs.
 */
import type { GuestKind, GuestState } from '../../../../main/core/models';
import type { GuestKey } from '../logic/keys';
import { matchesChord, parseChord, type Chord, type KeyLike } from './shortcut';

export type CommandGroup = 'Guest' | 'App' | 'Host' | 'Console';
export type ShortcutScope = 'global' | 'page' | 'list';

/** A guest a command applies to, as the registry sees it. */
export interface GuestTarget {
  key: GuestKey;
  name: string;
  hostId: string;
  hostName: string;
  state: GuestState;
  /** VM or container: a command the kind does not support is never enabled for it. */
  kind: GuestKind;
  isControlDomain: boolean;
  /** An action is already in progress on it. */
  busy: boolean;
}

export interface Command {
  id: string;
  title: string;
  group: CommandGroup;
  /** Other words the palette accepts for the title ("console" for "Open console"). */
  aliases?: readonly string[];
  shortcut?: { keys: string; scope: ShortcutScope };
  /** Applies to guests: the palette offers it per guest, the toolbar and the context menu show it. */
  guests?: boolean;
  /** Shown in the lifecycle toolbar / the row context menu. */
  toolbar?: boolean;
  menu?: boolean;
  destructive?: boolean;
  /** Enabled for these targets (guest commands) or now (others). */
  enabled(targets: readonly GuestTarget[]): boolean;
  run(targets: readonly GuestTarget[]): void;
}

export type KeyPlace = 'console' | 'typing' | 'list' | 'other';

export class CommandRegistry {
  readonly #commands: Command[] = [];
  readonly #chords = new Map<string, Chord>();

  constructor(commands: readonly Command[] = []) {
    for (const c of commands) this.add(c);
  }

  add(c: Command): void {
    if (this.#commands.some((x) => x.id === c.id)) throw new Error(`duplicate command id ${c.id}`);
    this.#commands.push(c);
    if (c.shortcut) this.#chords.set(c.id, parseChord(c.shortcut.keys));
  }

  get all(): readonly Command[] {
    return this.#commands;
  }

  get(id: string): Command | undefined {
    return this.#commands.find((c) => c.id === id);
  }

  /** The commands a key would run in a scope (several: the first enabled one wins, e.g. P pause/resume). */
  forKey(e: KeyLike, scope: ShortcutScope): Command[] {
    return this.#commands.filter((c) => c.shortcut?.scope === scope && matchesChord(this.#chords.get(c.id)!, e));
  }

  /** True when the key is one of the app's global chords (a console does not send it to the guest). */
  isGlobal(e: KeyLike): boolean {
    return this.forKey(e, 'global').length > 0;
  }

  /**
   * Runs the command bound to this key where focus is. `targets` are the guests a guest command applies to
   * (the selection). Returns true when a command ran (the caller prevents the default).
   */
  handleKey(e: KeyLike, place: KeyPlace, targets: readonly GuestTarget[] = []): boolean {
    const scopes: ShortcutScope[] = place === 'list' ? ['global', 'list', 'page'] : place === 'other' ? ['global', 'page'] : ['global'];
    for (const scope of scopes) {
      for (const c of this.forKey(e, scope)) {
        const t = c.guests ? targets : [];
        if (c.guests && t.length === 0) continue;
        if (!c.enabled(t)) continue;
        c.run(t);
        return true;
      }
    }
    return false;
  }

  /** Runs a command by id when enabled; returns whether it ran. */
  run(id: string, targets: readonly GuestTarget[] = []): boolean {
    const c = this.get(id);
    if (!c || !c.enabled(targets)) return false;
    c.run(targets);
    return true;
  }
}
