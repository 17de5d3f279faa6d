/**
 * Refresh results become diffs keyed by UUID (names change; Xen domids change on every boot), and CPU %
 * is derived from cumulative CPU time between two samples. Pure functions: the inventory owns the state.
 */
import type { Guest, GuestDiff } from './models';

const COMPARED_KEYS: readonly (keyof Guest)[] = [
  'name',
  'domId',
  'state',
  'stateReason',
  'vcpus',
  'maxVcpus',
  'memoryKiB',
  'maxMemoryKiB',
  'cpuPercent',
  'autostart',
  'persistent',
  'hasManagedSave',
  'osType',
  'arch',
  'isControlDomain',
  'kind',
];

/** True if two snapshots of the same guest differ in anything a user can see (cpuTimeNs alone does not count). */
export function guestChanged(a: Guest, b: Guest): boolean {
  for (const k of COMPARED_KEYS) if (a[k] !== b[k]) return true;
  // Uptime ticks every second; report it only when it jumps backwards (a restart) or appears/disappears.
  if ((a.uptimeSec == null) !== (b.uptimeSec == null)) return true;
  if (a.uptimeSec != null && b.uptimeSec != null && b.uptimeSec < a.uptimeSec) return true;
  return false;
}

export function diffGuests(hostId: string, previous: ReadonlyMap<string, Guest>, next: readonly Guest[]): GuestDiff {
  const added: Guest[] = [];
  const changed: Guest[] = [];
  const seen = new Set<string>();
  for (const g of next) {
    seen.add(g.uuid);
    const old = previous.get(g.uuid);
    if (!old) added.push(g);
    else if (guestChanged(old, g)) changed.push(g);
  }
  const removed = [...previous.keys()].filter((uuid) => !seen.has(uuid));
  return { hostId, added, removed, changed };
}

export function isEmptyDiff(d: GuestDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}

/**
 * CPU usage in percent of one physical CPU (so a busy 2-vCPU guest can show up to 200), from two samples
 * of cumulative CPU time. Returns null without a usable previous sample (first sample, restart, clock skew).
 */
export function cpuPercent(prevCpuNs: number | undefined, prevAtMs: number | undefined, cpuNs: number, atMs: number): number | null {
  if (prevCpuNs === undefined || prevAtMs === undefined) return null;
  const wallNs = (atMs - prevAtMs) * 1e6;
  const used = cpuNs - prevCpuNs;
  if (wallNs <= 0 || used < 0) return null;
  return Math.round((used / wallNs) * 1000) / 10;
}
