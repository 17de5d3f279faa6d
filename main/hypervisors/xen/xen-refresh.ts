/**
 * The Xen refresh: a fixed set of commands, run in parallel on the shared connection, whatever the number of
 * domains:
 *   xl list -v     state flags, domid, online vCPUs, current memory, CPU time, and the UUID of EVERY domain
 *                  (xl list -l leaves out domains whose stored config cannot be read)
 *   xl list -l     the stored configs: type (pv/pvh/hvm), max vCPUs, max memory
 *   xl uptime      seconds since each domain started (xenstore `/vm/<uuid>/start_time`; dom0: /proc/uptime)
 *   xl info        host facts, only every `factsIntervalMs` (cached in between)
 * If this xl rejects `list -v`, plain `xl list` is used and UUIDs come from the JSON.
 */
import type { Guest, HostFacts } from '../../core/models';
import { XEN_CONTROL_DOMAIN_UUID, type XlDomainConfig, type XlInfo, type XlListRow } from '../../core/parsers';

export function xenGuests(rows: readonly XlListRow[], configs: readonly XlDomainConfig[], uptimes: ReadonlyMap<number, number> = new Map()): Guest[] {
  const configByDomId = new Map(configs.map((c) => [c.domId, c]));
  const guests: Guest[] = [];
  for (const row of rows) {
    const config = configByDomId.get(row.domId);
    const uuid = row.uuid ?? (config && config.name === row.name ? config.uuid : row.domId === 0 ? XEN_CONTROL_DOMAIN_UUID : '');
    if (uuid === '') continue; // no way to key it; it shows up once its config or `list -v` names it
    const g: Guest = {
      hostId: '',
      uuid,
      name: row.name,
      domId: row.domId,
      state: row.state,
      vcpus: row.vcpus,
      memoryKiB: row.memoryMiB * 1024,
      maxMemoryKiB: config?.maxMemoryKiB ?? row.memoryMiB * 1024,
      cpuTimeNs: Math.round(row.cpuTimeSec * 1e9),
      cpuPercent: null,
      autostart: null,
      persistent: false,
      isControlDomain: row.domId === 0,
      kind: 'vm',
    };
    if (row.stateReason !== undefined) g.stateReason = row.stateReason;
    if (config?.maxVcpus !== undefined) g.maxVcpus = config.maxVcpus;
    if (config?.type !== undefined) g.osType = config.type;
    const uptime = uptimes.get(row.domId);
    if (uptime !== undefined) g.uptimeSec = uptime;
    guests.push(g);
  }
  return guests;
}

export function xenFacts(info: XlInfo): HostFacts {
  const facts: HostFacts = {
    cpus: info.nrCpus,
    memoryKiB: info.totalMemoryMiB * 1024,
    freeMemoryKiB: info.freeMemoryMiB * 1024,
    hypervisor: 'Xen',
    cpuPercent: null,
    memoryUsedPercent: null,
  };
  if (info.host) facts.hostname = info.host;
  if (info.xenVersion) facts.hypervisorVersion = info.xenVersion;
  return facts;
}
