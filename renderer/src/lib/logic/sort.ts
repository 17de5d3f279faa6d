import type { Guest } from '../../../../main/core/models';

export const SORT_COLUMNS = ['name', 'host', 'state', 'cpu', 'memory', 'vcpus', 'uptime'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortDirection = 'asc' | 'desc';
export interface SortSpec {
  column: SortColumn;
  direction: SortDirection;
}

export interface SortableGuest {
  key: string;
  guest: Guest;
  hostName: string;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Running-ish states first when sorting by state ascending: what people look for. */
const STATE_ORDER: Record<string, number> = {
  running: 0,
  blocked: 1,
  paused: 2,
  pmsuspended: 3,
  shutdown: 4,
  dying: 5,
  crashed: 6,
  shutoff: 7,
  unknown: 8,
};

/** Nulls sort last whatever the direction. */
function cmpNum(a: number | null | undefined, b: number | null | undefined, dir: number): number {
  const an = a === null || a === undefined || Number.isNaN(a);
  const bn = b === null || b === undefined || Number.isNaN(b);
  if (an && bn) return 0;
  if (an) return 1;
  if (bn) return -1;
  return (a - b) * dir;
}

export function compareGuests(a: SortableGuest, b: SortableGuest, spec: SortSpec): number {
  const dir = spec.direction === 'asc' ? 1 : -1;
  let r = 0;
  switch (spec.column) {
    case 'name':
      r = collator.compare(a.guest.name, b.guest.name) * dir;
      break;
    case 'host':
      r = collator.compare(a.hostName, b.hostName) * dir;
      break;
    case 'state':
      r = ((STATE_ORDER[a.guest.state] ?? 9) - (STATE_ORDER[b.guest.state] ?? 9)) * dir;
      break;
    case 'cpu':
      r = cmpNum(a.guest.cpuPercent, b.guest.cpuPercent, dir);
      break;
    case 'memory':
      r = cmpNum(a.guest.memoryKiB, b.guest.memoryKiB, dir);
      break;
    case 'vcpus':
      r = cmpNum(a.guest.vcpus, b.guest.vcpus, dir);
      break;
    case 'uptime':
      r = cmpNum(a.guest.uptimeSec, b.guest.uptimeSec, dir);
      break;
  }
  if (r !== 0) return r;
  // Stable, deterministic tie-breakers: name, then host, then key.
  r = collator.compare(a.guest.name, b.guest.name);
  if (r !== 0) return r;
  r = collator.compare(a.hostName, b.hostName);
  if (r !== 0) return r;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function sortGuests<T extends SortableGuest>(rows: T[], spec: SortSpec): T[] {
  return [...rows].sort((a, b) => compareGuests(a, b, spec));
}

/** Clicking a header: same column flips direction; a new column starts ascending (numbers: descending). */
export function nextSort(current: SortSpec, column: SortColumn): SortSpec {
  if (current.column === column) return { column, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  const numeric = column === 'cpu' || column === 'memory' || column === 'vcpus' || column === 'uptime';
  return { column, direction: numeric ? 'desc' : 'asc' };
}
