/**
 * `xl list -l [dom]` JSON (xl_info.c list_domains_details()): an array of `{ "domid": N, "config":
 * libxl_domain_config }`. Both pretty-printers (YAJL up to 4.20, json-c from 4.21, which escapes `/`) are plain
 * JSON; fields equal to their default are omitted and unknown keys are ignored. `c_info.domid` is
 * 4294967295 in guests created by xl ≥ 4.15: the real domid is the outer one. Domain-0 has no uuid in its stub
 * config; it is the all-zero UUID. Memory is KiB.
 */
import type { ConsoleDevice, DiskDevice, GraphicsDevice, GuestDetails, NicDevice } from '../models';
import { parseError } from './parse-error';

export const XEN_CONTROL_DOMAIN_UUID = '00000000-0000-0000-0000-000000000000';

export interface XlDomainConfig {
  domId: number;
  name: string;
  uuid: string;
  /** pv, pvh, hvm. */
  type?: string;
  maxVcpus?: number;
  onlineVcpus?: number;
  maxMemoryKiB?: number;
  targetMemoryKiB?: number;
  /** The element as printed, serialised again (details keep it as raw). */
  raw: unknown;
}

type Obj = Record<string, unknown>;

export function parseXlListJson(text: string): XlDomainConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const hint = /^\s*\(/.test(text) ? ' (SXP output? set output_format="json" in /etc/xen/xl.conf)' : '';
    throw parseError('xl list -l output', `${e instanceof Error ? e.message : String(e)}${hint}`, text, jsonErrorOffset(e, text));
  }
  const items = Array.isArray(data) ? data : [data];
  return items.map((item, i) => toConfig(item, i, text));
}

function toConfig(item: unknown, index: number, text: string): XlDomainConfig {
  const o = obj(item);
  const config = obj(o?.config);
  const cInfo = obj(config?.c_info);
  const bInfo = obj(config?.b_info) ?? {};
  const domId = typeof o?.domid === 'number' ? o.domid : undefined;
  const name = typeof cInfo?.name === 'string' ? cInfo.name : undefined;
  if (domId === undefined || name === undefined) {
    throw parseError('xl list -l output', `element ${index} has no domid or c_info.name`, text);
  }
  const uuid = typeof cInfo?.uuid === 'string' ? cInfo.uuid.toLowerCase() : domId === 0 ? XEN_CONTROL_DOMAIN_UUID : '';
  const out: XlDomainConfig = { domId, name, uuid, raw: item };
  if (typeof cInfo?.type === 'string') out.type = cInfo.type;
  const maxVcpus = int(bInfo.max_vcpus);
  if (maxVcpus !== undefined) out.maxVcpus = maxVcpus;
  if (Array.isArray(bInfo.avail_vcpus)) out.onlineVcpus = bInfo.avail_vcpus.length;
  const maxMem = int(bInfo.max_memkb);
  if (maxMem !== undefined) out.maxMemoryKiB = maxMem;
  const target = int(bInfo.target_memkb);
  if (target !== undefined) out.targetMemoryKiB = target;
  return out;
}

/** One element of `xl list -l` → GuestDetails. */
export function xlConfigToDetails(c: XlDomainConfig): Omit<GuestDetails, 'hostId'> {
  const config = obj(obj(c.raw)?.config) ?? {};
  const bInfo = obj(config.b_info) ?? {};
  const type = c.type ?? (obj(bInfo['type.hvm']) ? 'hvm' : obj(bInfo['type.pvh']) ? 'pvh' : 'pv');
  const hvm = obj(bInfo['type.hvm']);
  const pv = obj(bInfo['type.pv']);
  const maxMemoryKiB = c.maxMemoryKiB ?? 0;
  const details: Omit<GuestDetails, 'hostId'> = {
    uuid: c.uuid,
    name: c.name,
    toolstack: 'xen',
    kind: 'vm',
    osType: type,
    vcpus: c.onlineVcpus ?? c.maxVcpus ?? 1,
    maxVcpus: c.maxVcpus ?? c.onlineVcpus ?? 1,
    memoryKiB: c.targetMemoryKiB ?? maxMemoryKiB,
    maxMemoryKiB,
    bootOrder: hvmBootOrder(str(hvm?.boot)),
    disks: arr(config.disks).map(xlDisk),
    nics: arr(config.nics).map(xlNic),
    consoles: xlConsoles(type, hvm, bInfo),
    graphics: xlGraphics(hvm, arr(config.vfbs)),
    raw: JSON.stringify(c.raw, null, 2),
    rawFormat: 'json',
  };
  const fw = xlFirmware(type, bInfo, hvm, pv);
  if (fw) details.firmware = fw;
  return details;
}

function xlDisk(d: Obj): DiskDevice {
  const out: DiskDevice = { device: int(d.is_cdrom) === 1 ? 'cdrom' : 'disk' };
  const vdev = str(d.vdev);
  if (vdev) out.target = vdev;
  const backend = str(d.backend);
  if (backend) out.bus = backend;
  const src = str(d.pdev_path) ?? str(d.target);
  if (src) out.source = src;
  const format = str(d.format);
  if (format) out.format = format;
  if (int(d.readwrite) !== 1) out.readonly = true;
  return out;
}

function xlNic(n: Obj): NicDevice {
  const out: NicDevice = { type: str(n.nictype) ?? 'vif' };
  const mac = str(n.mac);
  if (mac) out.mac = mac.toLowerCase();
  const bridge = str(n.bridge);
  if (bridge) out.source = bridge;
  const model = str(n.model);
  if (model) out.model = model;
  const ifname = str(n.ifname);
  if (ifname) out.target = ifname;
  return out;
}

/**
 * Console devices as `xl console -t TYPE [-n NUM]` names them: devName "pv", "serial", "vuart" (number 0), or
 * "pv:1" for another number. PV/PVH guests have a PV console; HVM guests a serial port when one is configured
 * (and a PV console once PV drivers run).
 */
function xlConsoles(type: string, hvm: Obj | undefined, bInfo: Obj): ConsoleDevice[] {
  const out: ConsoleDevice[] = [];
  if (type === 'hvm') {
    const serialList = hvm?.serial_list;
    const hasSerial = str(hvm?.serial) !== undefined || (Array.isArray(serialList) && serialList.length > 0);
    if (hasSerial) out.push({ kind: 'serial', devName: 'serial', targetType: 'serial', port: 0, label: 'Serial 0' });
  }
  out.push({ kind: 'pv', devName: 'pv', targetType: 'xen', port: 0, label: type === 'hvm' ? 'PV console (needs PV drivers)' : 'PV console' });
  const arm = obj(bInfo.arch_arm);
  if (str(arm?.vuart)) out.push({ kind: 'vuart', devName: 'vuart', targetType: 'vuart', port: 0, label: 'Virtual UART' });
  return out;
}

function xlGraphics(hvm: Obj | undefined, vfbs: Obj[]): GraphicsDevice[] {
  const out: GraphicsDevice[] = [];
  const fromVnc = (vnc: Obj | undefined) => {
    if (vnc === undefined || str(vnc.enable) !== 'True') return;
    const g: GraphicsDevice = { type: 'vnc' };
    const display = int(vnc.display);
    if (display !== undefined) g.port = 5900 + display;
    const listen = str(vnc.listen);
    if (listen) g.listen = listen;
    out.push(g);
  };
  fromVnc(obj(hvm?.vnc));
  const spice = obj(hvm?.spice);
  if (spice && str(spice.enable) === 'True') {
    const g: GraphicsDevice = { type: 'spice' };
    const port = int(spice.port);
    if (port) g.port = port;
    const host = str(spice.host);
    if (host) g.listen = host;
    out.push(g);
  }
  for (const v of vfbs) fromVnc(obj(v.vnc));
  return out;
}

function xlFirmware(type: string, bInfo: Obj, hvm: Obj | undefined, pv: Obj | undefined): string | undefined {
  if (type === 'hvm') return str(hvm?.firmware) ?? str(hvm?.bios) ?? str(bInfo.firmware) ?? 'bios';
  const bootloader = str(pv?.bootloader) ?? str(bInfo.bootloader);
  if (bootloader) return bootloader;
  if (str(bInfo.kernel)) return 'direct kernel';
  return str(bInfo.firmware);
}

const BOOT_DEVICES: Readonly<Record<string, string>> = { a: 'floppy', c: 'disk', d: 'cdrom', n: 'network' };

function hvmBootOrder(boot: string | undefined): string[] {
  if (!boot) return [];
  return [...boot].map((ch) => BOOT_DEVICES[ch] ?? ch);
}

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Obj => x !== undefined) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function jsonErrorOffset(e: unknown, text: string): number {
  const m = e instanceof Error ? /position (\d+)/.exec(e.message) : null;
  return m ? Number(m[1]) : Math.max(0, text.length - 120);
}
