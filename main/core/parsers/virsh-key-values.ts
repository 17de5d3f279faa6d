/**
 * virsh's "Key:   value" outputs: `dominfo`, `nodeinfo`, `nodememstats`, `nodecpustats`, `version`.
 * The key ends at the first colon; values keep their inner spaces.
 */
import type { GuestState } from '../models';
import { libvirtStateFromWords } from './libvirt-states';
import { lines, parseError } from './parse-error';

export function parseVirshKeyValues(text: string, what: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  for (const line of lines(text)) {
    if (line.trim() !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) throw parseError(what, `expected "Key: value", got "${line.slice(0, 80)}"`, text, at);
      out.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    at += line.length + 1;
  }
  return out;
}

/** "8388608 KiB" → 8388608 (KiB); also accepts bare numbers. */
function kib(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:\s*KiB)?$/i.exec(v);
  return m ? Number(m[1]) : undefined;
}

function required<T>(v: T | undefined, key: string, what: string, text: string): T {
  if (v === undefined) throw parseError(what, `missing or malformed "${key}" (truncated?)`, text);
  return v;
}

export interface VirshDomInfo {
  id: number | null;
  name: string;
  uuid: string;
  osType?: string;
  state: GuestState;
  stateWords: string;
  vcpus: number;
  cpuTimeNs?: number;
  maxMemoryKiB: number;
  memoryKiB: number;
  persistent?: boolean;
  autostart?: boolean;
  hasManagedSave?: boolean;
}

export function parseVirshDomInfo(text: string): VirshDomInfo {
  const what = 'virsh dominfo output';
  const kv = parseVirshKeyValues(text, what);
  const stateWords = required(kv.get('State'), 'State', what, text);
  const id = kv.get('Id');
  const cpuTime = /^([\d.]+)s$/.exec(kv.get('CPU time') ?? '');
  const yesNo = (v: string | undefined) => (v === undefined ? undefined : v === 'yes' || v === 'enable');
  const info: VirshDomInfo = {
    id: id !== undefined && /^\d+$/.test(id) ? Number(id) : null,
    name: required(kv.get('Name'), 'Name', what, text),
    uuid: required(kv.get('UUID'), 'UUID', what, text).toLowerCase(),
    state: libvirtStateFromWords(stateWords) ?? 'unknown',
    stateWords,
    vcpus: Number(required(kv.get('CPU(s)')?.match(/^\d+$/)?.[0], 'CPU(s)', what, text)),
    maxMemoryKiB: required(kib(kv.get('Max memory')), 'Max memory', what, text),
    memoryKiB: required(kib(kv.get('Used memory')), 'Used memory', what, text),
  };
  const osType = kv.get('OS Type');
  if (osType) info.osType = osType;
  if (cpuTime) info.cpuTimeNs = Math.round(Number(cpuTime[1]) * 1e9);
  const persistent = yesNo(kv.get('Persistent'));
  if (persistent !== undefined) info.persistent = persistent;
  const autostart = yesNo(kv.get('Autostart'));
  if (autostart !== undefined) info.autostart = autostart;
  const managed = yesNo(kv.get('Managed save'));
  if (managed !== undefined) info.hasManagedSave = managed;
  return info;
}

export interface VirshNodeInfo {
  cpuModel?: string;
  cpus: number;
  mhz?: number;
  memoryKiB: number;
}

export function parseVirshNodeInfo(text: string): VirshNodeInfo {
  const what = 'virsh nodeinfo output';
  const kv = parseVirshKeyValues(text, what);
  const cpus = kv.get('CPU(s)');
  const info: VirshNodeInfo = {
    cpus: Number(required(cpus?.match(/^\d+$/)?.[0], 'CPU(s)', what, text)),
    memoryKiB: required(kib(kv.get('Memory size')), 'Memory size', what, text),
  };
  const model = kv.get('CPU model');
  if (model) info.cpuModel = model;
  const mhz = /^(\d+)/.exec(kv.get('CPU frequency') ?? '');
  if (mhz) info.mhz = Number(mhz[1]);
  return info;
}

export interface VirshNodeMemStats {
  totalKiB?: number;
  freeKiB?: number;
  buffersKiB?: number;
  cachedKiB?: number;
}

/** `virsh nodememstats`: "total  :   16314264 KiB" ... */
export function parseVirshNodeMemStats(text: string): VirshNodeMemStats {
  const kv = parseVirshKeyValues(text, 'virsh nodememstats output');
  const out: VirshNodeMemStats = {};
  const put = (k: keyof VirshNodeMemStats, key: string) => {
    const v = kib(kv.get(key));
    if (v !== undefined) out[k] = v;
  };
  put('totalKiB', 'total');
  put('freeKiB', 'free');
  put('buffersKiB', 'buffers');
  put('cachedKiB', 'cached');
  return out;
}

/** `virsh nodecpustats` (cumulative, ns): user, system, idle, iowait. Unknown keys kept. */
export function parseVirshNodeCpuStats(text: string): Record<string, number> {
  const kv = parseVirshKeyValues(text, 'virsh nodecpustats output');
  const out: Record<string, number> = {};
  for (const [k, v] of kv) if (/^\d+$/.test(v)) out[k] = Number(v);
  return out;
}

/** `virsh version`: "Running hypervisor: QEMU 8.2.2" → { name: 'QEMU', version: '8.2.2' }. */
export function parseVirshVersion(text: string): { hypervisor?: string; hypervisorVersion?: string; library?: string } {
  const kv = parseVirshKeyValues(text, 'virsh version output');
  const out: { hypervisor?: string; hypervisorVersion?: string; library?: string } = {};
  const running = /^(.*\S)\s+(\S+)$/.exec(kv.get('Running hypervisor') ?? '');
  if (running) {
    out.hypervisor = running[1] as string;
    out.hypervisorVersion = running[2] as string;
  }
  const lib = kv.get('Using library');
  if (lib) out.library = lib;
  return out;
}
