/**
 * An LXC container config file (lxc.container.conf(5)): `key = value` lines, `#` comments. Keys repeat
 * (lxc.mount.entry, lxc.cgroup.*), networks are indexed (`lxc.net.0.type`; LXC 2's unindexed
 * `lxc.network.type` starts a new network each time). LXC strips one pair of matching quotes around a value.
 * `lxc.include` files are not followed: the details show what this file says.
 */
import type { ConsoleDevice, GuestDetails, MountEntry, NicDevice, ResourceLimit } from '../models';

export interface LxcConfigEntry {
  key: string;
  value: string;
}

export function parseLxcConfig(text: string): LxcConfigEntry[] {
  const out: LxcConfigEntry[] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^lxc\.[\w.-]+$/.test(key)) continue;
    out.push({ key, value: dequote(line.slice(eq + 1).trim()) });
  }
  return out;
}

function dequote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/** The last value of a key (later lines override earlier ones), or undefined. */
export function lxcConfigValue(entries: readonly LxcConfigEntry[], key: string): string | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if ((entries[i] as LxcConfigEntry).key === key) return (entries[i] as LxcConfigEntry).value;
  return undefined;
}

/** cgroup limits: `lxc.cgroup.memory.limit_in_bytes = 64M`, `lxc.cgroup2.memory.max = 1G`. Later lines win. */
export function lxcLimits(entries: readonly LxcConfigEntry[]): ResourceLimit[] {
  const byKey = new Map<string, ResourceLimit>();
  for (const e of entries) {
    const m = /^lxc\.(cgroup2?)\.(.+)$/.exec(e.key);
    if (!m || m[2] === 'dir' || (m[2] as string).startsWith('dir.') || m[2] === 'relative') continue;
    const hierarchy = m[1] as 'cgroup' | 'cgroup2';
    byKey.set(`${hierarchy}:${m[2]}`, { key: m[2] as string, value: e.value, hierarchy });
  }
  return [...byKey.values()];
}

/** "64M", "1G", "67108864", "512K" → bytes; "max", "-1" and anything else → null (no limit / unknown). */
export function parseLxcSize(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?$/.exec(v.trim());
  if (!m) return null;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] as string).toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

/** Number of CPUs in a cpuset list ("0-3,6" → 5), or null when it cannot be read. */
export function cpusetCount(v: string): number | null {
  const set = new Set<number>();
  for (const part of v.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a || b - a > 4096) return null;
    for (let i = a; i <= b; i++) set.add(i);
  }
  return set.size > 0 ? set.size : null;
}

/**
 * Memory limit in bytes: v1 memory.limit_in_bytes, v2 memory.max. A value of 2^63 rounded to pages
 * (v1's "unlimited") counts as none.
 */
export function lxcMemoryLimitBytes(limits: readonly ResourceLimit[]): number | null {
  const l = limits.find((x) => x.key === 'memory.max' || x.key === 'memory.limit_in_bytes');
  if (!l) return null;
  const n = parseLxcSize(l.value);
  return n !== null && n > 0 && n < 2 ** 62 ? n : null;
}

export function lxcCpuLimit(limits: readonly ResourceLimit[]): number | null {
  const l = limits.find((x) => x.key === 'cpuset.cpus');
  return l ? cpusetCount(l.value) : null;
}

export function lxcAutostart(entries: readonly LxcConfigEntry[]): boolean {
  const v = lxcConfigValue(entries, 'lxc.start.auto');
  return v !== undefined && v.trim() !== '' && v.trim() !== '0';
}

export function lxcMounts(entries: readonly LxcConfigEntry[]): MountEntry[] {
  const out: MountEntry[] = [];
  for (const e of entries) {
    if (e.key === 'lxc.mount.entry') {
      const f = e.value.split(/\s+/);
      out.push({ source: f[0] ?? '', target: f[1] ?? '', fstype: f[2] ?? '', options: f[3] ?? '' });
    } else if (e.key === 'lxc.mount.fstab') {
      out.push({ source: e.value, target: '', fstype: 'fstab', options: '' });
    } else if (e.key === 'lxc.mount.auto') {
      out.push({ source: e.value, target: '', fstype: 'auto', options: '' });
    }
  }
  return out;
}

export function lxcNics(entries: readonly LxcConfigEntry[]): NicDevice[] {
  const indexed = new Map<string, Record<string, string>>();
  const legacy: Record<string, string>[] = [];
  for (const e of entries) {
    const m = /^lxc\.net\.(\d+)\.(.+)$/.exec(e.key);
    if (m) {
      const nic = indexed.get(m[1] as string) ?? {};
      nic[m[2] as string] = e.value;
      indexed.set(m[1] as string, nic);
      continue;
    }
    const l = /^lxc\.network\.(.+)$/.exec(e.key);
    if (l) {
      if (l[1] === 'type' || legacy.length === 0) legacy.push({});
      (legacy[legacy.length - 1] as Record<string, string>)[l[1] as string] = e.value;
    }
  }
  const ordered = [...indexed.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v);
  return [...ordered, ...legacy].map((n) => {
    const nic: NicDevice = {};
    if (n.type) nic.type = n.type;
    if (n.link) nic.source = n.link;
    if (n.hwaddr) nic.mac = n.hwaddr;
    const target = n['veth.pair'] ?? n.name;
    if (target) nic.target = target;
    return nic;
  });
}

/** lxc-console's devices: the console (-t 0), each tty (-t N), and a shell through lxc-attach. */
export function lxcConsoles(entries: readonly LxcConfigEntry[]): ConsoleDevice[] {
  const out: ConsoleDevice[] = [{ kind: 'console', devName: 'console', label: 'Console (lxc-console)' }];
  const ttys = Number(lxcConfigValue(entries, 'lxc.tty.max') ?? lxcConfigValue(entries, 'lxc.tty') ?? '0');
  for (let i = 1; Number.isInteger(ttys) && i <= Math.min(ttys, 12); i++) {
    out.push({ kind: 'tty', devName: `tty:${i}`, port: i, label: `tty${i} (lxc-console -t ${i})` });
  }
  out.push({ kind: 'shell', devName: 'shell', label: 'Shell (lxc-attach)' });
  return out;
}

export interface LxcDetailsInput {
  uuid: string;
  name: string;
  raw: string;
  /** Host CPUs and memory: what a container without a limit may use. */
  hostCpus: number;
  hostMemoryKiB: number;
  /** Memory in use now (bytes), when running. */
  memoryBytes?: number | null;
}

export function lxcConfigToDetails(input: LxcDetailsInput): Omit<GuestDetails, 'hostId'> {
  const entries = parseLxcConfig(input.raw);
  const limits = lxcLimits(entries);
  const memLimit = lxcMemoryLimitBytes(limits);
  const maxMemoryKiB = memLimit !== null ? Math.floor(memLimit / 1024) : input.hostMemoryKiB;
  const vcpus = lxcCpuLimit(limits) ?? input.hostCpus;
  const details: Omit<GuestDetails, 'hostId'> = {
    uuid: input.uuid,
    name: input.name,
    toolstack: 'lxc',
    kind: 'container',
    osType: 'container',
    vcpus,
    maxVcpus: vcpus,
    memoryKiB: input.memoryBytes != null ? Math.floor(input.memoryBytes / 1024) : 0,
    maxMemoryKiB,
    bootOrder: [],
    disks: [],
    nics: lxcNics(entries),
    consoles: lxcConsoles(entries),
    graphics: [],
    raw: input.raw,
    rawFormat: 'lxc-config',
    mounts: lxcMounts(entries),
    limits,
  };
  const rootfs = lxcConfigValue(entries, 'lxc.rootfs.path') ?? lxcConfigValue(entries, 'lxc.rootfs');
  if (rootfs !== undefined) {
    details.rootfs = rootfs;
    details.disks.push({ device: 'rootfs', target: '/', source: rootfs });
  }
  const arch = lxcConfigValue(entries, 'lxc.arch');
  if (arch !== undefined) details.arch = arch;
  return details;
}
