/**
 * `xl list [-v] [dom]` (tools/xl/xl_info.c list_domains()). The header's separators are TABs; rows are
 * `%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f`, so rows are parsed from the right: names may contain spaces
 * and longer names push the columns. With `-v` the row continues with the UUID, the shutdown reason code
 * (hex, or `-`) and the security label; other option columns (-c, -n) are tolerated and ignored.
 */
import type { GuestState } from '../models';
import { lines, parseError } from './parse-error';

export interface XlListRow {
  name: string;
  domId: number;
  memoryMiB: number;
  vcpus: number;
  /** The 6-character state field, e.g. "-b----". */
  stateFlags: string;
  state: GuestState;
  stateReason?: string;
  cpuTimeSec: number;
  /** Present with `xl list -v`. */
  uuid?: string;
}

const COLUMNS = /\s(\d+)\s+(\d+)\s+(\d+)\s+([-rbpsdcwS?]{6})\s+(\d+\.\d+)(?=\s|$)/g;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SHUTDOWN_REASONS: Readonly<Record<string, string>> = {
  '-': 'poweroff',
  r: 'reboot',
  s: 'suspend',
  c: 'crash',
  w: 'watchdog',
  S: 'soft_reset',
  '?': 'unknown',
};

export function parseXlList(text: string): XlListRow[] {
  const all = lines(text);
  const header = all[0];
  if (header === undefined || !/^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time/.test(header)) {
    throw parseError('xl list output', 'no "Name ID Mem VCPUs State Time(s)" header', text);
  }
  const rows: XlListRow[] = [];
  let at = header.length + 1;
  for (const line of all.slice(1)) {
    if (line.trim() !== '') rows.push(parseRow(line, text, at));
    at += line.length + 1;
  }
  return rows;
}

function parseRow(line: string, text: string, at: number): XlListRow {
  let last: RegExpExecArray | null = null;
  for (const m of line.matchAll(COLUMNS)) last = m;
  if (last === null || last.index === undefined) throw parseError('xl list output', `malformed row "${line.slice(0, 100)}"`, text, at);
  const flags = last[4] as string;
  const row: XlListRow = {
    name: line.slice(0, last.index).trimEnd(),
    domId: Number(last[1]),
    memoryMiB: Number(last[2]),
    vcpus: Number(last[3]),
    stateFlags: flags,
    cpuTimeSec: Number(last[5]),
    ...xlStateFromFlags(flags),
  };
  const tail = line.slice(last.index + last[0].length).trim().split(/\s+/);
  if (tail[0] !== undefined && UUID.test(tail[0])) row.uuid = tail[0].toLowerCase();
  return row;
}

/**
 * Maps xl's `r b p s <reason> d` flags. A shut-down domain that is not yet destroyed is "shutoff" (poweroff,
 * suspend) or "crashed" (crash, watchdog); one being rebooted or soft-reset is "shutdown" (in transition).
 * A domain neither running nor blocked (`------`, runnable but waiting for a CPU) counts as running.
 */
export function xlStateFromFlags(flags: string): { state: GuestState; stateReason?: string } {
  const f = flags.padEnd(6, '-');
  if (f[5] === 'd') return { state: 'dying' };
  if (f[3] === 's') {
    const reason = SHUTDOWN_REASONS[f[4] as string] ?? 'unknown';
    if (reason === 'crash' || reason === 'watchdog') return { state: 'crashed', stateReason: reason };
    if (reason === 'reboot' || reason === 'soft_reset') return { state: 'shutdown', stateReason: reason };
    return { state: 'shutoff', stateReason: reason };
  }
  if (f[2] === 'p') return { state: 'paused' };
  if (f[0] === 'r') return { state: 'running' };
  if (f[1] === 'b') return { state: 'blocked' };
  return { state: 'running', stateReason: 'runnable' };
}
