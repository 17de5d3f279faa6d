/** Plain-text tables for the CLI. */
import type { HostConfig } from '../core/contract';
import type { Guest } from '../core/models';
import { terminalSafe } from '../core/terminal-safe';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - [...c].length))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Guest names may contain anything: control characters are shown, never obeyed (core/terminal-safe). */
export const printable = (s: string): string => terminalSafe(s);

export function formatGuestTable(guests: (Guest & { host: string })[]): string {
  const rows = guests
    .slice()
    .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name))
    .map((g) => [
      printable(g.host),
      printable(g.name),
      printable(g.state),
      String(g.vcpus),
      `${Math.round(g.memoryKiB / 1024)} MiB`,
      g.cpuPercent === null ? '-' : `${g.cpuPercent}%`,
      printable(g.uuid),
    ]);
  return table(['HOST', 'NAME', 'STATE', 'VCPUS', 'MEMORY', 'CPU', 'UUID'], rows);
}

export function formatHostsTable(hosts: HostConfig[]): string {
  return table(
    ['NAME', 'ADDRESS', 'TOOLSTACK'],
    hosts.map((h) => [printable(h.name), printable(h.transport === 'local' ? '(local)' : (h.address ?? h.name)), h.toolstack]),
  );
}
