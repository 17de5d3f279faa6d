/**
 * libvirt domain XML (`virsh dumpxml`) → GuestDetails. Reads the elements the UI shows and ignores the rest,
 * so any device libvirt knows (or will know) passes through; the XML itself is kept in `raw`.
 * Malformed or truncated XML is a PARSE_ERROR (validated first: the parser alone tolerates truncation).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ConsoleDevice, DiskDevice, GraphicsDevice, GuestDetails, NicDevice } from '../models';
import { parseError } from './parse-error';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

export function parseLibvirtDomainXml(xml: string): Omit<GuestDetails, 'hostId'> {
  const what = 'libvirt domain XML';
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line } = valid.err;
    throw parseError(what, `${msg} (line ${line})`, xml, offsetOfLine(xml, line));
  }
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    throw parseError(what, e instanceof Error ? e.message : String(e), xml);
  }
  const domain = asNode(doc.domain);
  if (domain === undefined) throw parseError(what, 'no <domain> root element', xml);

  const name = text(domain.name);
  const uuid = text(domain.uuid)?.trim();
  if (!name || !uuid) throw parseError(what, 'missing <name> or <uuid>', xml);

  const os = asNode(domain.os) ?? {};
  const osTypeNode = os.type;
  const vcpuNode = domain.vcpu;
  const maxVcpus = toInt(text(vcpuNode)) ?? 1;
  const currentVcpus = toInt(attr(vcpuNode, 'current')) ?? maxVcpus;
  const maxMemoryKiB = memoryKiB(domain.memory) ?? 0;
  const devices = asNode(domain.devices) ?? {};

  const details: Omit<GuestDetails, 'hostId'> = {
    uuid: uuid.toLowerCase(),
    name,
    toolstack: 'libvirt',
    // libvirt-lxc domains are containers (<domain type='lxc'>, os type "exe"); everything else is a VM.
    kind: attr(domain, 'type') === 'lxc' ? 'container' : 'vm',
    vcpus: currentVcpus,
    maxVcpus,
    memoryKiB: memoryKiB(domain.currentMemory) ?? maxMemoryKiB,
    maxMemoryKiB,
    bootOrder: bootOrder(os, devices),
    disks: list(devices.disk).map(disk),
    nics: list(devices.interface).map(nic),
    consoles: consoles(devices),
    graphics: list(devices.graphics).map(graphics),
    raw: xml,
    rawFormat: 'xml',
  };
  const osType = text(osTypeNode)?.trim();
  if (osType) details.osType = osType;
  const arch = attr(osTypeNode, 'arch');
  if (arch) details.arch = arch;
  const machine = attr(osTypeNode, 'machine');
  if (machine) details.machine = machine;
  const fw = firmware(domain, os);
  if (fw) details.firmware = fw;
  return details;
}

// ---------------------------------------------------------------------------------------------------
// Devices

function disk(d: Node): DiskDevice {
  const source = asNode(d.source);
  const out: DiskDevice = { device: attr(d, 'device') ?? 'disk' };
  const target = asNode(d.target);
  const dev = attr(target, 'dev');
  if (dev) out.target = dev;
  const bus = attr(target, 'bus');
  if (bus) out.bus = bus;
  const src = diskSource(attr(d, 'type'), source);
  if (src) out.source = src;
  const format = attr(d.driver, 'type');
  if (format) out.format = format;
  if (d.readonly !== undefined) out.readonly = true;
  return out;
}

function diskSource(type: string | undefined, source: Node | undefined): string | undefined {
  if (source === undefined) return undefined;
  if (type === 'volume' || (attr(source, 'pool') && attr(source, 'volume'))) return `${attr(source, 'pool')}/${attr(source, 'volume')}`;
  if (type === 'network' || attr(source, 'protocol')) {
    const host = asNode(list(source.host)[0]);
    const where = host ? `${attr(host, 'name') ?? ''}${attr(host, 'port') ? `:${attr(host, 'port')}` : ''}/` : '';
    return `${attr(source, 'protocol') ?? 'network'}://${where}${attr(source, 'name') ?? ''}`;
  }
  return attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'dir') ?? attr(source, 'name');
}

function nic(i: Node): NicDevice {
  const out: NicDevice = {};
  const type = attr(i, 'type');
  if (type) out.type = type;
  const mac = attr(i.mac, 'address');
  if (mac) out.mac = mac.toLowerCase();
  const source = asNode(i.source);
  const src = attr(source, 'network') ?? attr(source, 'bridge') ?? attr(source, 'dev') ?? attr(source, 'path');
  if (src) out.source = src;
  const model = attr(i.model, 'type');
  if (model) out.model = model;
  const target = attr(i.target, 'dev');
  if (target) out.target = target;
  return out;
}

function graphics(g: Node): GraphicsDevice {
  const out: GraphicsDevice = { type: attr(g, 'type') ?? 'unknown' };
  const port = toInt(attr(g, 'port'));
  if (port !== undefined && port > 0) out.port = port;
  const listen = attr(g, 'listen') ?? attr(list(g.listen)[0], 'address') ?? attr(list(g.listen)[0], 'socket');
  if (listen) out.listen = listen;
  return out;
}

/**
 * Serial ports and consoles, named as `virsh console --devname` wants them: the device alias (present on
 * running guests, or user aliases "ua-*"), else the alias libvirt will assign (serialN, consoleN). The first
 * <console> of target type serial is the same device as serial0 and is listed once.
 */
function consoles(devices: Node): ConsoleDevice[] {
  const out: ConsoleDevice[] = [];
  const seen = new Set<string>();
  const add = (c: ConsoleDevice) => {
    if (seen.has(c.devName)) return;
    seen.add(c.devName);
    out.push(c);
  };
  list(devices.serial).forEach((s, index) => {
    const target = asNode(s.target);
    const port = toInt(attr(target, 'port')) ?? index;
    const devName = attr(s.alias, 'name') ?? `serial${index}`;
    const c: ConsoleDevice = { kind: 'serial', devName, port, label: `Serial ${port} (${attr(s, 'type') ?? 'pty'})` };
    const targetType = attr(target, 'type');
    if (targetType) c.targetType = targetType;
    add(c);
  });
  list(devices.console).forEach((k, index) => {
    const target = asNode(k.target);
    const targetType = attr(target, 'type') ?? 'serial';
    const port = toInt(attr(target, 'port')) ?? index;
    const fallback = index === 0 && targetType === 'serial' ? `serial${port}` : `console${index}`;
    const devName = attr(k.alias, 'name') ?? fallback;
    add({ kind: 'console', devName, targetType, port, label: `Console ${index} (${targetType})` });
  });
  return out;
}

function bootOrder(os: Node, devices: Node): string[] {
  const perDevice: { order: number; what: string }[] = [];
  for (const d of list(devices.disk)) {
    const order = toInt(attr(d.boot, 'order'));
    if (order !== undefined) perDevice.push({ order, what: attr(asNode(d.target), 'dev') ?? attr(d, 'device') ?? 'disk' });
  }
  for (const i of list(devices.interface)) {
    const order = toInt(attr(i.boot, 'order'));
    if (order !== undefined) perDevice.push({ order, what: `network ${attr(i.mac, 'address') ?? ''}`.trim() });
  }
  for (const h of list(devices.hostdev)) {
    const order = toInt(attr(h.boot, 'order'));
    if (order !== undefined) perDevice.push({ order, what: 'hostdev' });
  }
  if (perDevice.length > 0) return perDevice.sort((a, b) => a.order - b.order).map((p) => p.what);
  return list(os.boot)
    .map((b) => attr(b, 'dev'))
    .filter((d): d is string => d !== undefined);
}

function firmware(domain: Node, os: Node): string | undefined {
  const fw = attr(os, 'firmware');
  if (fw) return fw;
  const loader = os.loader;
  if (loader !== undefined) {
    const path = text(loader)?.trim();
    return path ? `loader ${path}` : 'loader';
  }
  const bootloader = text(domain.bootloader)?.trim();
  if (bootloader) return bootloader;
  if (text(os.kernel)?.trim()) return 'direct kernel';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Tree access helpers (fast-xml-parser gives a string for text-only elements, an object otherwise)

function asNode(v: unknown): Node | undefined {
  if (Array.isArray(v)) return asNode(v[0]);
  if (v !== null && typeof v === 'object') return v as Node;
  if (typeof v === 'string') return { '#text': v };
  return undefined;
}

function list(v: unknown): Node[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => asNode(x)).filter((x): x is Node => x !== undefined);
}

function attr(v: unknown, name: string): string | undefined {
  const n = asNode(v);
  const a = n?.[`@${name}`];
  return typeof a === 'string' ? a : undefined;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const n = asNode(v);
  const t = n?.['#text'];
  return typeof t === 'string' ? t : typeof t === 'number' ? String(t) : undefined;
}

function toInt(s: string | undefined): number | undefined {
  if (s === undefined || !/^\s*\d+\s*$/.test(s)) return undefined;
  return Number(s);
}

const UNIT_BYTES: Record<string, number> = {
  b: 1, bytes: 1,
  k: 1024, kib: 1024, kb: 1000,
  m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2,
  g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3,
  t: 1024 ** 4, tib: 1024 ** 4, tb: 1000 ** 4,
};

function memoryKiB(v: unknown): number | undefined {
  const amount = toInt(text(v)?.trim());
  if (amount === undefined) return undefined;
  const unit = (attr(v, 'unit') ?? 'KiB').toLowerCase();
  const bytes = UNIT_BYTES[unit] ?? 1024;
  return Math.round((amount * bytes) / 1024);
}

function offsetOfLine(text: string, line: number): number {
  let at = 0;
  for (let i = 1; i < line && at >= 0; i++) at = text.indexOf('\n', at) + 1;
  return Math.max(0, at);
}
