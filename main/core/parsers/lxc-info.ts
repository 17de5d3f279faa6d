/**
 * `lxc-info -n NAME -H` (LXC 3..5, src/lxc/tools/lxc_info.c): "Key: value" lines, raw numbers with -H.
 *
 *   Name:           web
 *   State:          RUNNING
 *   PID:            22210
 *   IP:             10.0.3.15          (one line per address; none without a network)
 *   CPU use:        8726534            (nanoseconds, cpuacct.usage)
 *   BlkIO use:      0                  (bytes)
 *   Memory use:     581632             (bytes, memory.usage_in_bytes / memory.current)
 *   KMem use:       360448             (bytes, cgroup v1 only)
 *   Link:           vethXYZ            (then indented TX/RX/Total bytes lines)
 *
 * A stopped container prints only Name and State. The Name line is ignored (a name may contain a newline);
 * callers know which container they asked about.
 */
import type { GuestState } from '../models';

export const LXC_STATES = ['STOPPED', 'STARTING', 'RUNNING', 'STOPPING', 'ABORTING', 'FREEZING', 'FROZEN', 'THAWED'] as const;
export type LxcState = (typeof LXC_STATES)[number];

export interface LxcInfo {
  /** As lxc-info prints it (upper case), '' when missing. */
  state: string;
  pid: number | null;
  ips: string[];
  cpuTimeNs: number | null;
  memoryBytes: number | null;
  kmemBytes: number | null;
  blkioBytes: number | null;
  links: string[];
}

export function parseLxcInfo(text: string): LxcInfo {
  const info: LxcInfo = { state: '', pid: null, ips: [], cpuTimeNs: null, memoryBytes: null, kmemBytes: null, blkioBytes: null, links: [] };
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(raw);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    switch (key) {
      case 'state':
        info.state = value.toUpperCase();
        break;
      case 'pid':
        info.pid = wholeNumber(value);
        break;
      case 'ip':
        if (value !== '') info.ips.push(value);
        break;
      case 'cpu use':
        info.cpuTimeNs = humanOrRaw(value, 'time');
        break;
      case 'memory use':
        info.memoryBytes = humanOrRaw(value, 'bytes');
        break;
      case 'kmem use':
        info.kmemBytes = humanOrRaw(value, 'bytes');
        break;
      case 'blkio use':
        info.blkioBytes = humanOrRaw(value, 'bytes');
        break;
      case 'link':
        if (value !== '') info.links.push(value);
        break;
    }
  }
  return info;
}

function wholeNumber(v: string): number | null {
  return /^\d+$/.test(v) ? Number(v) : null;
}

const BYTE_UNITS: Readonly<Record<string, number>> = { bytes: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** Raw (-H) numbers, or lxc-info's human form ("0.01 seconds", "652.00 KiB") when -H was not given. */
function humanOrRaw(v: string, kind: 'time' | 'bytes'): number | null {
  const raw = wholeNumber(v);
  if (raw !== null) return raw;
  const m = /^([\d.]+)\s*(\S+)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] as string).toLowerCase();
  if (!Number.isFinite(n)) return null;
  if (kind === 'time') return unit.startsWith('second') ? Math.round(n * 1e9) : null;
  const mult = BYTE_UNITS[unit];
  return mult === undefined ? null : Math.round(n * mult);
}

/** LXC's container states onto vmdeck's. Transitional states keep the LXC word as the reason. */
export function lxcGuestState(state: string): { state: GuestState; reason?: string } {
  switch (state.toUpperCase()) {
    case 'RUNNING':
      return { state: 'running' };
    case 'THAWED':
      return { state: 'running', reason: 'thawed' };
    case 'STARTING':
      return { state: 'running', reason: 'starting' };
    case 'STOPPED':
      return { state: 'shutoff' };
    case 'STOPPING':
      return { state: 'shutdown', reason: 'stopping' };
    case 'FROZEN':
      return { state: 'paused', reason: 'frozen' };
    case 'FREEZING':
      return { state: 'paused', reason: 'freezing' };
    case 'ABORTING':
      return { state: 'crashed', reason: 'aborting' };
    default:
      return { state: 'unknown', ...(state ? { reason: state.toLowerCase() } : {}) };
  }
}
