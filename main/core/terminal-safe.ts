/**
 * The one escaping function for host-controlled text that reaches a terminal (CLI tables, remote stderr,
 * error messages, keyboard-interactive prompt text, console notices). A host can name a guest, or write to
 * stderr, anything: control characters must be shown, never obeyed.
 *
 * Escaped as visible `\xNN`: every C0 control (ESC included, so no escape sequence survives: CSI, OSC,
 * DCS ...), DEL, and every C1 control U+0080-U+009F (the 8-bit CSI/OSC/DCS introducers, which a decoded
 * UTF-8 string carries as those code points). Also shown as `\u{...}`: bidirectional overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069), which reorder what the user reads. Newline and tab are kept only
 * for multi-line text (`{ multiline: true }`, e.g. stderr); a lone carriage return is always escaped.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export interface TerminalSafeOptions {
  /** Keep `\n` and `\t` (text of several lines). Default false: everything on one line. */
  multiline?: boolean;
}

export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  return text.replace(options.multiline ? UNSAFE_MULTILINE : UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** True when `text` would reach the terminal unchanged. */
export function isTerminalSafe(text: string, options: TerminalSafeOptions = {}): boolean {
  return terminalSafe(text, options) === text;
}
