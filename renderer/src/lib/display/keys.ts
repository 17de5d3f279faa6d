/** Keys for the send-keys menu and for typing text as keystrokes (X11 keysyms, DOM codes for QEMU scancodes). */
export interface KeyStroke {
  keysym: number;
  code: string;
}

const XK_Control_L = 0xffe3;
const XK_Alt_L = 0xffe9;
const XK_Shift_L = 0xffe1;
const XK_Return = 0xff0d;
const XK_Tab = 0xff09;

export interface KeyCombo {
  label: string;
  /** Pressed in order, released in reverse. */
  keys: KeyStroke[];
}

export const SEND_KEYS: readonly KeyCombo[] = [
  { label: 'Ctrl+Alt+Del', keys: [{ keysym: XK_Control_L, code: 'ControlLeft' }, { keysym: XK_Alt_L, code: 'AltLeft' }, { keysym: 0xffff, code: 'Delete' }] },
  ...Array.from({ length: 12 }, (_, i) => ({
    label: `Ctrl+Alt+F${i + 1}`,
    keys: [{ keysym: XK_Control_L, code: 'ControlLeft' }, { keysym: XK_Alt_L, code: 'AltLeft' }, { keysym: 0xffbe + i, code: `F${i + 1}` }],
  })),
  { label: 'PrintScreen', keys: [{ keysym: 0xff61, code: 'PrintScreen' }] },
];

const SHIFTED = '~!@#$%^&*()_+{}|:"<>?';
const US_CODES: Record<string, string> = {
  '`': 'Backquote', '~': 'Backquote', '-': 'Minus', _: 'Minus', '=': 'Equal', '+': 'Equal', '[': 'BracketLeft', '{': 'BracketLeft',
  ']': 'BracketRight', '}': 'BracketRight', '\\': 'Backslash', '|': 'Backslash', ';': 'Semicolon', ':': 'Semicolon', "'": 'Quote',
  '"': 'Quote', ',': 'Comma', '<': 'Comma', '.': 'Period', '>': 'Period', '/': 'Slash', '?': 'Slash', ' ': 'Space',
  '!': 'Digit1', '@': 'Digit2', '#': 'Digit3', $: 'Digit4', '%': 'Digit5', '^': 'Digit6', '&': 'Digit7', '*': 'Digit8', '(': 'Digit9', ')': 'Digit0',
};

/** One character as the keys a US keyboard presses for it (Shift where needed); null for what it cannot type. */
export function keysForChar(ch: string): KeyStroke[] | null {
  if (ch === '\n' || ch === '\r') return [{ keysym: XK_Return, code: 'Enter' }];
  if (ch === '\t') return [{ keysym: XK_Tab, code: 'Tab' }];
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return null;
  let code: string | undefined;
  if (/[a-z]/i.test(ch)) code = `Key${ch.toUpperCase()}`;
  else if (/[0-9]/.test(ch)) code = `Digit${ch}`;
  else code = US_CODES[ch];
  // Latin-1 keysyms equal their code point; others are 0x01000000 + code point (X11 convention).
  const keysym = cp < 0x100 ? cp : 0x01000000 + cp;
  const shift = /[A-Z]/.test(ch) || SHIFTED.includes(ch);
  const key: KeyStroke = { keysym, code: code ?? '' };
  return shift ? [{ keysym: XK_Shift_L, code: 'ShiftLeft' }, key] : [key];
}

/** Text split into what can be typed and the characters that cannot (shown in the preview). */
export function planTyping(text: string): { strokes: KeyStroke[][]; skipped: string[] } {
  const strokes: KeyStroke[][] = [];
  const skipped: string[] = [];
  for (const ch of text.replace(/\r\n/g, '\n')) {
    const k = keysForChar(ch);
    if (k) strokes.push(k);
    else skipped.push(ch);
  }
  return { strokes, skipped };
}
