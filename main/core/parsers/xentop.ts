/**
 * `xentop -b [-f] [-d S] [-i N]` (tools/xentop/xentop.c). Batch mode prints, per iteration, the header and one
 * row per domain, with no summary and nothing between iterations; the LAST block is the one to use (the first
 * sample's CPU(%) is always 0.0). Names are right-aligned and truncated to 10 characters unless `-f`.
 * State flags are in the order `d s b c p r`. MAXMEM(k) may read `no limit`, MAXMEM(%) `n/a`, VBD_* `-`.
 */
import type { GuestState } from '../models';
import { lines, parseError } from './parse-error';

export interface XentopRow {
  name: string;
  stateFlags: string;
  state: GuestState;
  cpuSec: number;
  cpuPercent: number;
  memoryKiB: number;
  /** null = "no limit". */
  maxMemoryKiB: number | null;
  vcpus: number;
  /** Every column by its header name, as printed. */
  columns: Record<string, string>;
}

export function parseXentop(text: string): XentopRow[] {
  const all = lines(text);
  let headerAt = -1;
  all.forEach((l, i) => {
    if (/^\s*NAME\s+STATE\s+CPU\(sec\)/.test(l)) headerAt = i;
  });
  if (headerAt < 0) throw parseError('xentop output', 'no "NAME STATE CPU(sec)" header', text);
  const header = (all[headerAt] as string).trim().split(/\s+/);
  const valueColumns = header.slice(1);
  const rowRe = new RegExp(`^(.*?)${'\\s+(\\S+)'.repeat(valueColumns.length)}\\s*$`);
  const rows: XentopRow[] = [];
  for (const line of all.slice(headerAt + 1)) {
    if (line.trim() === '') continue;
    const m = rowRe.exec(line.replace(/ no limit(?=\s|$)/, ' no_limit'));
    if (!m) throw parseError('xentop output', `malformed row "${line.slice(0, 100)}"`, text, text.lastIndexOf(line));
    const columns: Record<string, string> = { NAME: (m[1] as string).trim() };
    valueColumns.forEach((c, i) => (columns[c] = m[i + 2] as string));
    rows.push(toRow(columns, line, text));
  }
  return rows;
}

function toRow(c: Record<string, string>, line: string, text: string): XentopRow {
  const need = (key: string): number => {
    const v = c[key];
    if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw parseError('xentop output', `column ${key} malformed in "${line.slice(0, 100)}"`, text, text.lastIndexOf(line));
    return Number(v);
  };
  const flags = c.STATE ?? '';
  if (!/^[-dsbcpr]{6}$/.test(flags)) throw parseError('xentop output', `bad STATE "${flags}"`, text, text.lastIndexOf(line));
  const maxmem = c['MAXMEM(k)'];
  return {
    name: c.NAME ?? '',
    stateFlags: flags,
    state: xentopState(flags),
    cpuSec: need('CPU(sec)'),
    cpuPercent: need('CPU(%)'),
    memoryKiB: need('MEM(k)'),
    maxMemoryKiB: maxmem === 'no_limit' || maxmem === undefined ? null : need('MAXMEM(k)'),
    vcpus: need('VCPUS'),
    columns: c,
  };
}

function xentopState(f: string): GuestState {
  if (f[0] === 'd') return 'dying';
  if (f[3] === 'c') return 'crashed';
  if (f[1] === 's') return 'shutoff';
  if (f[4] === 'p') return 'paused';
  if (f[5] === 'r') return 'running';
  if (f[2] === 'b') return 'blocked';
  return 'running';
}
