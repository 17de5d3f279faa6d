/**
 * `xl uptime` (xl_info.c print_uptime()): a header `"%-33s %4s %s"` (Name, ID, Uptime), then one row per
 * domain `"%-33s %4d %s"` whose uptime reads `H:MM:SS`, `1 day, H:MM:SS` or `N days, H:MM:SS` (hours padded
 * to two columns). Domain-0's comes from /proc/uptime, every other domain's from `/vm/<uuid>/start_time` in
 * xenstore: the toolstack's own record of when the domain was started. Names may contain spaces: rows are read
 * from the right.
 */
import { lines } from './parse-error';

const ROW = /^(.*\S)\s+(\d+)\s+(?:(\d+) days?,\s*)?(\d+):(\d\d):(\d\d)\s*$/;

/** Seconds since start, by domid. Lines that do not parse (header, blank) are skipped. */
export function parseXlUptime(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of lines(text)) {
    const m = ROW.exec(line);
    if (!m) continue;
    const days = m[3] ? Number(m[3]) : 0;
    out.set(Number(m[2]), days * 86_400 + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]));
  }
  return out;
}
