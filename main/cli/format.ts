/** Plain-text tables for the CLI. */
import type { HostConfig, TaskInfo } from '../core/contract';
import type { ErrorData } from '../core/errors';
import type { Guest } from '../core/models';
import type { CommandRecord } from '../core/runner';
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

/** An error as the CLI prints it: "vmdeck: CODE: message", then the host's stderr and key fingerprints. */
export function formatError(data: ErrorData, subject?: string): string {
  const lines = [`vmdeck: ${subject ? `${printable(subject)}: ` : ''}${data.code}: ${printable(data.message)}`];
  if (data.details?.stderr) lines.push(...String(data.details.stderr).trimEnd().split('\n').map(printable));
  if (data.details?.expectedFingerprint) {
    lines.push(`  known key:   ${printable(data.details.expectedFingerprint)}`, `  offered key: ${printable(String(data.details.actualFingerprint))}`);
  }
  return lines.join('\n') + '\n';
}

/** One guest after a single action: "name: state". */
export function formatActionResult(guestName: string, state: string | undefined): string {
  return `${printable(guestName)}: ${state ?? 'gone'}\n`;
}

/** A finished bulk action: one line per guest ("host/guest: succeeded" or "... failed: CODE: message"), then a summary. */
export function formatTaskResult(task: TaskInfo, hostNames: ReadonlyMap<string, string>): string {
  const lines = task.items.map((i) => {
    const who = `${printable(hostNames.get(i.hostId) ?? i.hostId)}/${printable(i.guestName)}`;
    return i.error && i.state !== 'succeeded' ? `${who}: ${i.state}: ${i.error.code}: ${printable(i.error.message)}` : `${who}: ${i.state}`;
  });
  const failed = task.items.filter((i) => i.state === 'failed').length;
  lines.push(`${printable(task.title)}: ${task.state}${failed > 0 ? ` (${failed} of ${task.items.length} failed)` : ''}`);
  return lines.join('\n') + '\n';
}

/** A trace line for --trace: one command vmdeck ran on a host. */
export function formatTrace(record: CommandRecord): string {
  return `vmdeck: trace: ${JSON.stringify(record.argv)} exit=${record.exitCode ?? (record.error ? printable(String(record.error)) : '-')} ${record.durationMs}ms\n`;
}

/** JSON for --json (names stay byte for byte: JSON escapes control characters itself). */
export function formatJson(value: unknown, pretty = true): string {
  return (pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)) + '\n';
}
