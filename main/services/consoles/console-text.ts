/**
 * Text the console writes into the terminal itself, and the helper line for serial consoles.
 * Pure functions, no Node: safe to share with any layer.
 */

/** Ctrl-]: the escape `virsh console` and `xl console` detach on. */
export const DETACH_ESCAPE = 0x1d;

const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const RULE = '────';

function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A dim line of its own in the output, marking an event: `──── <text> ────`. */
export function markerLine(text: string): string {
  return `\r\n${DIM}${RULE} ${text} ${RULE}${RESET}\r\n`;
}

export type ReattachReason = 'guest restarted' | 'guest started' | 'console reconnected';

/** Marks the gap where the channel was reopened: `──── console reattached 12:34:56 (guest restarted) ────`. */
export function reattachMarker(reason: ReattachReason, epochMs: number): string {
  return markerLine(`console reattached ${clockTime(epochMs)} (${reason})`);
}

export function waitingMarker(epochMs: number): string {
  return markerLine(`waiting for the guest to run ${clockTime(epochMs)}`);
}

/**
 * What to type into a serial console's shell so that programs inside the guest use the terminal's size
 * (a serial line has no size of its own): `stty rows R cols C` followed by Enter.
 */
export function sttyLine(rows: number, cols: number): string {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new RangeError('invalid terminal size');
  return `stty rows ${rows} cols ${cols}\r`;
}
