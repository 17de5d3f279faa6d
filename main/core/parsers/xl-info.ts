/**
 * `xl info` (xl_info.c print_info()): `"%-23s: %s"` lines. Values may contain colons (hw_caps) and may be
 * empty with a trailing space. `-n` topology tables are skipped. Memory figures are MiB.
 */
import { lines, parseError } from './parse-error';

export interface XlInfo {
  host?: string;
  release?: string;
  machine?: string;
  nrCpus: number;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  xenVersion?: string;
  xenScheduler?: string;
  virtCaps: string[];
  /** Every key as printed. */
  fields: Record<string, string>;
}

const LINE = /^([a-z][a-z0-9_]*)\s*: ?(.*)$/;

export function parseXlInfo(text: string): XlInfo {
  const fields: Record<string, string> = {};
  for (const line of lines(text)) {
    const m = LINE.exec(line);
    if (m && fields[m[1] as string] === undefined) fields[m[1] as string] = (m[2] as string).trim();
  }
  const num = (key: string): number => {
    const v = fields[key];
    if (v === undefined || !/^\d+$/.test(v)) throw parseError('xl info output', `missing or malformed "${key}" (truncated?)`, text);
    return Number(v);
  };
  const info: XlInfo = {
    nrCpus: num('nr_cpus'),
    totalMemoryMiB: num('total_memory'),
    freeMemoryMiB: num('free_memory'),
    virtCaps: (fields.virt_caps ?? '').split(/\s+/).filter((s) => s !== ''),
    fields,
  };
  const opt = (key: string, prop: 'host' | 'release' | 'machine' | 'xenVersion' | 'xenScheduler') => {
    const v = fields[key];
    if (v) info[prop] = v;
  };
  opt('host', 'host');
  opt('release', 'release');
  opt('machine', 'machine');
  opt('xen_version', 'xenVersion');
  opt('xen_scheduler', 'xenScheduler');
  return info;
}
