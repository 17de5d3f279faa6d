/**
 * Lines of `virsh event --all --loop [--timestamp]` (tools/virsh-domain-event.c):
 *
 *   event 'lifecycle' for domain 'web one': Stopped Destroyed
 *   event 'reboot' for domain 'web one'
 *   event 'tray-change' for domain 'web one' disk hdc: opened
 *   event 'agent-lifecycle' for domain 'x': state: 'connected' reason: 'channel event'
 *   event 'tunable' for domain 'x':            (followed by TAB-indented detail lines)
 *   2024-05-01 10:00:00.123+0000: event ...    (with --timestamp)
 *
 * Names are printed unescaped between single quotes, so the name is recovered from what the event kind
 * prints after it. Lines that are not events (TAB-indented details, "events received: N") give null.
 */
export interface VirshEvent {
  kind: string;
  name: string;
  /** What followed the name (e.g. "Stopped Destroyed"), without the separator. */
  detail: string;
  /** The raw line. */
  line: string;
}

const EVENT = /^(?:\d{4}-\d\d-\d\d[ T][\d:.]+(?:[+-]\d{4}|Z)?: )?event '([^']+)' for domain '(.*)$/;
const AGENT_TAIL = /^(.*)': (state: '[^']*' reason: '[^']*')$/;
const TRAY_TAIL = /^(.*)' (disk .*)$/;

export function parseVirshEventLine(rawLine: string): VirshEvent | null {
  const line = rawLine.replace(/\r$/, '');
  const m = EVENT.exec(line);
  if (!m) return null;
  const kind = m[1] as string;
  const rest = m[2] as string;
  const split = splitNameAndDetail(kind, rest);
  return split === null ? null : { kind, name: split.name, detail: split.detail, line };
}

function splitNameAndDetail(kind: string, rest: string): { name: string; detail: string } | null {
  if (kind === 'agent-lifecycle') {
    const a = AGENT_TAIL.exec(rest);
    if (a) return { name: a[1] as string, detail: a[2] as string };
  }
  if (kind === 'tray-change') {
    const t = TRAY_TAIL.exec(rest);
    if (t) return { name: t[1] as string, detail: t[2] as string };
  }
  if (rest.endsWith("':")) return { name: rest.slice(0, -2), detail: '' };
  const sep = rest.lastIndexOf("': ");
  if (sep >= 0) return { name: rest.slice(0, sep), detail: rest.slice(sep + 3) };
  if (rest.endsWith("'")) return { name: rest.slice(0, -1), detail: '' };
  return null; // truncated line: no closing quote
}
