/**
 * Keyboard shortcuts as data: "Ctrl+K", "Ctrl+Shift+]", "?", "Delete". One parser, one matcher (on
 * KeyboardEvent-like objects) and one way to show them as keycaps, so the help dialog, the palette hints and the
 * key handling cannot disagree. "Ctrl" also matches Cmd on macOS.
 */

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface Chord {
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  /** Lower-cased key, or the special names (Delete, Enter, ...) as written. */
  key: string;
}

const CODES: Record<string, string> = { '[': 'BracketLeft', ']': 'BracketRight' };

export function parseChord(text: string): Chord {
  const parts = text.split('+');
  // "Ctrl++" would be a literal plus: not used, keep the parser simple.
  const key = parts.pop() ?? '';
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  return { ctrl: mods.has('ctrl'), shift: mods.has('shift'), alt: mods.has('alt'), key: key.length === 1 ? key.toLowerCase() : key };
}

/** True when the event is this chord. Printable keys with Shift are compared by code ([ and ] under Shift are { }). */
export function matchesChord(chord: Chord, e: KeyLike): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl !== chord.ctrl || e.altKey !== chord.alt) return false;
  const code = CODES[chord.key];
  if (code !== undefined) return e.code === code && e.shiftKey === chord.shift;
  if (chord.key.length === 1 && !/[a-z0-9]/.test(chord.key)) return e.key === chord.key; // '?', '/': shift depends on the layout
  if (e.shiftKey !== chord.shift) return false;
  return chord.key.length === 1 ? e.key.toLowerCase() === chord.key : e.key === chord.key;
}

/** Keycaps of one chord, for display: ['Ctrl', 'Shift', ']']. */
export function keycaps(text: string): string[] {
  const c = parseChord(text);
  const out: string[] = [];
  if (c.ctrl) out.push('Ctrl');
  if (c.alt) out.push('Alt');
  if (c.shift) out.push('Shift');
  out.push(c.key === 'Delete' ? 'Del' : c.key.length === 1 ? c.key.toUpperCase() : c.key);
  return out;
}

/** "Ctrl+K" as shown in hints and titles. */
export function formatChord(text: string): string {
  return keycaps(text).join('+');
}
