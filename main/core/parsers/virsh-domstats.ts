/**
 * `virsh domstats --raw [--state --cpu-total --balloon --vcpu ...]`: one block per guest,
 *
 *   Domain: 'name'
 *     state.state=1
 *     state.reason=5
 *     cpu.time=123456789
 *     balloon.current=1048576
 *   (blank line)
 *
 * The name is printed between single quotes without escaping, so it is everything between the first `'`
 * and the last `'` of the line (libvirt rejects newlines in names).
 */
import type { GuestState } from '../models';
import { lines, parseError } from './parse-error';
import { libvirtReasonWords, libvirtStateFromCode } from './libvirt-states';

export interface DomainStats {
  name: string;
  state: GuestState;
  stateCode: number;
  reasonCode?: number;
  /** The reason in words, undefined when libvirt says "unknown". */
  reason?: string;
  cpuTimeNs?: number;
  balloonCurrentKiB?: number;
  balloonMaximumKiB?: number;
  vcpuCurrent?: number;
  vcpuMaximum?: number;
  /** Every field as printed, for callers that want more (block.*, net.*). */
  fields: Record<string, string>;
}

const HEADER = /^Domain: '(.*)'\s*$/;
const FIELD = /^\s+([A-Za-z0-9_.-]+)=(.*)$/;

export function parseDomstats(text: string): DomainStats[] {
  const out: DomainStats[] = [];
  let current: { name: string; fields: Record<string, string>; offset: number } | null = null;
  let offset = 0;

  const finish = () => {
    if (current === null) return;
    out.push(toStats(current.name, current.fields, text, current.offset));
    current = null;
  };

  for (const line of lines(text)) {
    const header = HEADER.exec(line);
    if (header) {
      finish();
      current = { name: header[1] ?? '', fields: {}, offset };
    } else if (line.trim() === '') {
      finish();
    } else {
      const field = FIELD.exec(line);
      if (!field || current === null) throw parseError('virsh domstats output', `unexpected line "${line.slice(0, 80)}"`, text, offset);
      current.fields[field[1] as string] = field[2] as string;
    }
    offset += line.length + 1;
  }
  finish();
  return out;
}

function num(fields: Record<string, string>, key: string, text: string, at: number): number | undefined {
  const raw = fields[key];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw parseError('virsh domstats output', `${key} is not a number: "${raw}"`, text, at);
  return Number(raw);
}

function toStats(name: string, fields: Record<string, string>, text: string, at: number): DomainStats {
  const stateCode = num(fields, 'state.state', text, at);
  if (stateCode === undefined) throw parseError('virsh domstats output', `no state.state for domain '${name}' (truncated?)`, text, at);
  const reasonCode = num(fields, 'state.reason', text, at);
  const stats: DomainStats = { name, state: libvirtStateFromCode(stateCode), stateCode, fields };
  if (reasonCode !== undefined) {
    stats.reasonCode = reasonCode;
    const words = libvirtReasonWords(stateCode, reasonCode);
    if (words !== undefined) stats.reason = words;
  }
  const set = (key: keyof DomainStats, field: string) => {
    const v = num(fields, field, text, at);
    if (v !== undefined) (stats as unknown as Record<string, number>)[key] = v;
  };
  set('cpuTimeNs', 'cpu.time');
  set('balloonCurrentKiB', 'balloon.current');
  set('balloonMaximumKiB', 'balloon.maximum');
  set('vcpuCurrent', 'vcpu.current');
  set('vcpuMaximum', 'vcpu.maximum');
  return stats;
}
