/**
 * Lines of `lxc-monitor -n '.*'` (src/lxc/tools/lxc_monitor.c):
 *
 *   'web' changed state to [FROZEN]
 *   'web' exited with status [0]
 *
 * The name is printed unquoted-inside between single quotes, so it is what lies between the first quote and
 * the last `' changed state to [` / `' exited with status [`. Anything else gives null.
 */
export interface LxcMonitorEvent {
  name: string;
  kind: 'state' | 'exit';
  /** The new state (upper case) or the exit status. */
  value: string;
  line: string;
}

const TAIL = /' (changed state to|exited with status) \[([^\]]*)\]$/;

export function parseLxcMonitorLine(rawLine: string): LxcMonitorEvent | null {
  const line = rawLine.replace(/\r$/, '');
  if (!line.startsWith("'")) return null;
  const m = TAIL.exec(line);
  if (!m) return null;
  return { name: line.slice(1, m.index), kind: m[1] === 'changed state to' ? 'state' : 'exit', value: m[2] as string, line };
}
