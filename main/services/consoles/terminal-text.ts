/**
 * Turning terminal output into readable log text: escape sequences (colours, cursor movement, titles)
 * removed, carriage returns dropped, backspaces applied, other control characters removed.
 */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC strings, charset selection, other
// two-byte escapes; also the 8-bit CSI introducer.
const ESCAPES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[()*+][0-~]|\x1b[ -/]*[0-~]/g;
// C0 controls except tab and backspace (handled below), DEL and C1 controls.
const CONTROLS = /[\x00-\x07\x0a-\x1f\x7f\x80-\x9f]/g;

export function stripTerminalControls(text: string): string {
  const plain = text.replace(ESCAPES, '').replace(/\x1b/g, '');
  let out = '';
  for (const ch of plain.replace(CONTROLS, '')) {
    if (ch === '\b') out = out.slice(0, -1);
    else out += ch;
  }
  return out;
}

/** A file-name-safe version of a name: letters, digits, `.`, `_`, `-`; at most 100 characters. */
export function safeFileName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.]+/, '_')
    .slice(0, 100);
  return safe.length > 0 ? safe : '_';
}
