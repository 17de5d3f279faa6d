/**
 * The libvirt refresh: ONE `virsh -c URI '<script>'` invocation whatever the number of guests. virsh runs a
 * `;`-separated command string over a single libvirt connection, so the listing, the statistics and the host
 * facts come from one SSH round trip and one consistent view. The script is a constant: no guest name or user
 * input is ever part of it. Sections are delimited by `echo` markers; a missing end marker means truncation.
 * The markers carry a boundary drawn at random for every run (`@@vmdeck:<boundary>:<section>@@`, 128 bits),
 * so no guest name, hostname or error text can contain one: framing does not depend on what names cannot
 * contain (a guest named `@@vmdeck:end@@`, the fixed marker of old, is just a guest).
 *
 *   list --all --uuid --name                            uuid ↔ name (domstats reports names only)
 *   list --all --id --uuid --name                       domain ids (newer virsh; optional)
 *   list --all --autostart --uuid                       autostart flags
 *   list --all --persistent --uuid                      persistent (defined) guests
 *   list --all --with-managed-save --uuid               managed save images
 *   domstats --raw --state --cpu-total --balloon --vcpu state + reason, cpu.time, balloon.*, vcpu.*
 *   hostname; nodeinfo; nodememstats; nodecpustats; version     host facts
 *
 * virsh keeps going after a failing sub-command (e.g. nodememstats on the test driver) and reports it on
 * stderr; only the listing and domstats are required. But virsh parses the whole string first, so ONE option
 * an older virsh does not know (`list --uuid --name` combined, `list --id`) rejects the whole script: then the
 * driver switches to COMPAT_REFRESH_SCRIPT, which lists `--uuid` and `--name` separately (same connection, same
 * order: active guests by id, then inactive by name) and has no domain ids.
 */
import { VmdeckError } from '../../core/errors';
import type { Guest, HostFacts } from '../../core/models';
import {
  classifyFailure,
  parseDomstats,
  parseError,
  parseVirshIdUuidNameList,
  parseVirshNodeCpuStats,
  parseVirshNodeInfo,
  parseVirshNodeMemStats,
  parseVirshUuidList,
  parseVirshUuidNameList,
  parseVirshVersion,
  type ListedDomain,
} from '../../core/parsers';
import type { RefreshResult } from '../driver';

const SECTIONS = ['names', 'ids', 'uuids', 'nameonly', 'autostart', 'persistent', 'managedsave', 'stats', 'hostname', 'nodeinfo', 'nodememstats', 'nodecpustats', 'version'] as const;
type Section = (typeof SECTIONS)[number];

const SECTION_COMMANDS: Readonly<Record<Section, string>> = {
  names: 'list --all --uuid --name',
  ids: 'list --all --id --uuid --name',
  uuids: 'list --all --uuid',
  nameonly: 'list --all --name',
  autostart: 'list --all --autostart --uuid',
  persistent: 'list --all --persistent --uuid',
  managedsave: 'list --all --with-managed-save --uuid',
  stats: 'domstats --raw --state --cpu-total --balloon --vcpu',
  hostname: 'hostname',
  nodeinfo: 'nodeinfo',
  nodememstats: 'nodememstats',
  nodecpustats: 'nodecpustats',
  version: 'version',
};

const BOUNDARY = /^[0-9a-f]{32}$/;

/** A fresh boundary for one run: 128 random bits as hex (never in the output unless the script echoed it). */
export function newBoundary(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const marker = (boundary: string, s: Section | 'end') => `@@vmdeck:${boundary}:${s}@@`;

const COMMON: readonly Section[] = ['autostart', 'persistent', 'managedsave', 'stats', 'hostname', 'nodeinfo', 'nodememstats', 'nodecpustats', 'version'];
const FULL: readonly Section[] = ['names', 'ids', ...COMMON];
/** For a virsh that cannot combine --uuid/--name/--id in `list`. */
const COMPAT: readonly Section[] = ['uuids', 'nameonly', ...COMMON];

/** The virsh command string of a refresh with `boundary`: constant apart from the boundary. */
export function refreshScript(boundary: string, compat = false): string {
  if (!BOUNDARY.test(boundary)) throw new VmdeckError('INVALID_ARGUMENT', 'a refresh boundary is 32 hex digits');
  return [...(compat ? COMPAT : FULL).map((s) => `echo ${marker(boundary, s)} ; ${SECTION_COMMANDS[s]}`), `echo ${marker(boundary, 'end')}`].join(' ; ');
}

/** The boundary a refresh script was built with, and whether it is the compat script. */
export function scriptFraming(script: string): { boundary: string; compat: boolean } | undefined {
  const m = /^echo @@vmdeck:([0-9a-f]{32}):(names|uuids)@@ ; /.exec(script);
  return m ? { boundary: m[1]!, compat: m[2] === 'uuids' } : undefined;
}

export function refreshArgv(uri: string, compat = false, boundary: string = newBoundary()): string[] {
  return ['virsh', '-c', uri, refreshScript(boundary, compat)];
}

/** The failures that mean "this virsh cannot run the full script": retry with the compat script. */
export function needsCompatScript(e: unknown): boolean {
  if (!(e instanceof VmdeckError) || e.code !== 'UNSUPPORTED') return false;
  return e.details?.incompatibleListing === true || /doesn't support option|unknown option/i.test(String(e.details?.stderr ?? ''));
}

export function splitSections(stdout: string, boundary: string): Record<Section, string> {
  const out = Object.fromEntries(SECTIONS.map((s) => [s, ''])) as Record<Section, string>;
  const byMarker = new Map<string, Section | 'end'>([...SECTIONS.map((s) => [marker(boundary, s), s] as const), [marker(boundary, 'end'), 'end']]);
  let current: Section | null = null;
  let sawEnd = false;
  for (const line of stdout.replace(/\r\n/g, '\n').split('\n')) {
    const m = byMarker.get(line.trim());
    if (m === 'end') {
      sawEnd = true;
      current = null;
    } else if (m !== undefined) {
      current = m;
    } else if (current !== null) {
      out[current] += `${line}\n`;
    }
  }
  if (!sawEnd || !stdout.includes(`${marker(boundary, 'stats')}\n`)) throw parseError('virsh refresh output', 'the end marker is missing (output truncated?)', stdout, Math.max(0, stdout.length - 200));
  return out;
}

/** CPU counters of the previous refresh, to turn nodecpustats into a percentage. */
export interface HostCpuSample {
  busyNs: number;
  totalNs: number;
}

/** Guests of an `lxc://` connection (libvirt-lxc) are containers; every other libvirt driver runs VMs. */
export function libvirtGuestKind(uri: string): 'vm' | 'container' {
  return /^lxc(?:\+[a-z]+)?:/i.test(uri) ? 'container' : 'vm';
}

export function parseRefresh(
  stdout: string,
  stderr: string,
  argv: readonly string[],
  uri: string,
  previousCpu: HostCpuSample | undefined,
): RefreshResult & { cpu?: HostCpuSample } {
  const framing = scriptFraming(argv[3] ?? '');
  if (!framing) throw new VmdeckError('INTERNAL', 'not a refresh command', { command: argv });
  const s = splitSections(stdout, framing.boundary);
  const listed = framing.compat ? zipUuidsAndNames(s.uuids, s.nameonly) : parseVirshUuidNameList(s.names);
  const stats = parseDomstats(s.stats);
  if (listed.length === 0 && stats.length > 0) {
    // An older virsh refuses to combine `list --uuid --name` (a run-time error, the script goes on).
    throw new VmdeckError('UNSUPPORTED', 'virsh listed no guests but domstats did', { stderr, command: argv, incompatibleListing: true });
  }
  if (listed.length > 0 && stats.length === 0 && stderr.trim() !== '') {
    // domstats itself failed (old libvirt, a busy guest's job lock ...): report why.
    throw classifyFailure('virsh', { argv, stderr, stdout, exitCode: 0 });
  }
  const ids = optional(() => parseVirshIdUuidNameList(s.ids), [] as ListedDomain[]);
  const idByUuid = new Map(ids.map((d) => [d.uuid, d.id]));
  const uuidByName = new Map(listed.map((d) => [d.name, d.uuid]));
  const autostart = new Set(optional(() => parseVirshUuidList(s.autostart), []));
  const persistent = new Set(optional(() => parseVirshUuidList(s.persistent), []));
  const managedSave = new Set(optional(() => parseVirshUuidList(s.managedsave), []));

  const guests: Guest[] = [];
  for (const st of stats) {
    const uuid = uuidByName.get(st.name);
    if (uuid === undefined) continue; // defined between the listing and domstats: next refresh
    const active = st.state !== 'shutoff';
    const g: Guest = {
      hostId: '',
      uuid,
      name: st.name,
      domId: active ? (idByUuid.get(uuid) ?? null) : null,
      state: st.state,
      vcpus: st.vcpuCurrent ?? 0,
      memoryKiB: st.balloonCurrentKiB ?? 0,
      maxMemoryKiB: st.balloonMaximumKiB ?? st.balloonCurrentKiB ?? 0,
      cpuTimeNs: st.cpuTimeNs ?? 0,
      cpuPercent: null,
      autostart: autostart.has(uuid),
      persistent: persistent.has(uuid),
      hasManagedSave: managedSave.has(uuid),
      kind: libvirtGuestKind(uri),
    };
    if (st.reason !== undefined) g.stateReason = st.reason;
    if (st.vcpuMaximum !== undefined) g.maxVcpus = st.vcpuMaximum;
    guests.push(g);
  }
  const { facts, cpu } = hostFacts(s, uri, previousCpu);
  return cpu ? { guests, facts, cpu } : { guests, facts };
}

function hostFacts(s: Record<Section, string>, uri: string, previousCpu: HostCpuSample | undefined): { facts: HostFacts; cpu?: HostCpuSample } {
  const node = optional(() => parseVirshNodeInfo(s.nodeinfo), undefined);
  const mem = optional(() => parseVirshNodeMemStats(s.nodememstats), {});
  const version = optional(() => parseVirshVersion(s.version), {});
  const cpuStats = optional(() => parseVirshNodeCpuStats(s.nodecpustats), {} as Record<string, number>);
  const facts: HostFacts = {
    cpus: node?.cpus ?? 0,
    memoryKiB: mem.totalKiB ?? node?.memoryKiB ?? 0,
    freeMemoryKiB: mem.freeKiB ?? 0,
    hypervisor: version.hypervisor ?? 'libvirt',
    uri,
    cpuPercent: null,
    memoryUsedPercent: null,
  };
  const hostname = s.hostname.trim();
  if (hostname) facts.hostname = hostname;
  if (version.hypervisorVersion) facts.hypervisorVersion = version.hypervisorVersion;
  let cpu: HostCpuSample | undefined;
  if (cpuStats.idle !== undefined) {
    const total = Object.entries(cpuStats).reduce((sum, [k, v]) => (k === 'intr' ? sum : sum + v), 0);
    cpu = { busyNs: total - cpuStats.idle - (cpuStats.iowait ?? 0), totalNs: total };
    if (previousCpu && cpu.totalNs > previousCpu.totalNs) {
      const pct = ((cpu.busyNs - previousCpu.busyNs) / (cpu.totalNs - previousCpu.totalNs)) * 100;
      facts.cpuPercent = Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
    }
  }
  return cpu ? { facts, cpu } : { facts };
}

/** `list --all --uuid` and `list --all --name` print the same guests in the same order. */
function zipUuidsAndNames(uuidsText: string, namesText: string): ListedDomain[] {
  const uuids = parseVirshUuidList(uuidsText);
  const names = namesText.split('\n').filter((n) => n.trim() !== '');
  if (uuids.length !== names.length) {
    throw parseError('virsh refresh output', `${uuids.length} UUIDs but ${names.length} names (guests changed during the refresh?)`, `${uuidsText}\n${namesText}`);
  }
  return uuids.map((uuid, i) => ({ uuid, name: names[i] as string, id: null }));
}

/** Optional sections: a failed or missing sub-command leaves the fallback. */
function optional<T>(parse: () => T, fallback: T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof VmdeckError && e.code === 'PARSE_ERROR') return fallback;
    throw e;
  }
}
