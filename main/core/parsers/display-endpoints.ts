/**
 * Where a guest's screen listens, from the two toolstacks:
 *  - libvirt: the `<graphics>` elements of the live domain XML (`virsh dumpxml`). VNC on TCP has `port`
 *    (-1 or absent until QEMU runs with autoport), `listen` or a `<listen type='address|network'>` child;
 *    VNC on a UNIX socket has `socket` or `<listen type='socket' socket=...>`. `passwd` only appears with
 *    `--security-info`; `passwdValidTo`/`connected` hint at a password without revealing it.
 *  - xl: xenstore under `/local/domain/<domid>/console` as `xl vncviewer` (libxl_vncviewer_exec) reads it:
 *    `vnc-port` (the TCP port itself), `vnc-listen` (default "localhost"), `vnc-pass` (only its presence
 *    is used here). Input is `xenstore-ls -f` output.
 * A wildcard listen address (0.0.0.0, ::) is reached as loopback from the host itself.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { DisplayDevice, DisplayEndpoint } from '../models';
import { lines, parseError } from './parse-error';

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'graphics' || name === 'listen',
});

export function parseLibvirtDisplays(xml: string): DisplayDevice[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw parseError('libvirt domain XML', `${valid.err.msg} (line ${valid.err.line})`, xml);
  const doc = parser.parse(xml) as Node;
  const domain = doc.domain as Node | undefined;
  if (!domain || typeof domain !== 'object') throw parseError('libvirt domain XML', 'no <domain> root element', xml);
  const devices = (domain.devices ?? {}) as Node;
  const graphics = (Array.isArray(devices.graphics) ? devices.graphics : []) as Node[];
  return graphics.map((g, index) => libvirtDisplay(g, index));
}

function libvirtDisplay(g: Node, index: number): DisplayDevice {
  const protocol = attr(g, 'type') ?? 'unknown';
  const listens = (Array.isArray(g.listen) ? g.listen : []) as Node[];
  const socketListen = listens.find((l) => attr(l, 'type') === 'socket');
  const socket = attr(g, 'socket') ?? (socketListen ? attr(socketListen, 'socket') : undefined);
  const hasPassword = attr(g, 'passwd') !== undefined || attr(g, 'passwdValidTo') !== undefined;
  const autoport = attr(g, 'autoport') === 'yes' || undefined;
  const out: DisplayDevice = { index, protocol, hasPassword, label: '' };
  if (autoport) out.autoport = true;
  if (socket) {
    out.endpoint = { kind: 'unix', path: socket };
  } else {
    const port = toPort(attr(g, 'port'));
    const addressListen = listens.find((l) => attr(l, 'type') === 'address' || attr(l, 'type') === 'network');
    const listen = attr(g, 'listen') ?? (addressListen ? attr(addressListen, 'address') : undefined);
    if (port !== undefined) out.endpoint = { kind: 'tcp', host: reachableHost(listen), port };
  }
  out.label = displayLabel(out);
  return out;
}

/** `xenstore-ls -f /local/domain/<domid>/console` → the domain's VNC display, if it has one. */
export function parseXenstoreDisplays(text: string, domId: number): DisplayDevice[] {
  const base = `/local/domain/${domId}/console/`;
  const values = new Map<string, string>();
  for (const line of lines(text)) {
    const m = /^(\S+) = "(.*)"(?:\s+\([^)]*\))?$/.exec(line);
    if (!m) {
      if (line.trim() === '') continue;
      throw parseError('xenstore-ls output', 'expected `path = "value"`', text, text.indexOf(line));
    }
    if (m[1]!.startsWith(base)) values.set(m[1]!.slice(base.length), unescapeXs(m[2]!));
  }
  const portText = values.get('vnc-port');
  if (portText === undefined) return [];
  const port = toPort(portText);
  if (port === undefined) throw parseError('xenstore vnc-port', `not a port: ${portText}`, text);
  const out: DisplayDevice = {
    index: 0,
    protocol: 'vnc',
    endpoint: { kind: 'tcp', host: reachableHost(values.get('vnc-listen') ?? 'localhost'), port },
    hasPassword: (values.get('vnc-pass') ?? '') !== '',
    label: '',
  };
  out.label = displayLabel(out);
  return [out];
}

export function displayLabel(d: Pick<DisplayDevice, 'protocol' | 'endpoint'>): string {
  const proto = d.protocol.toUpperCase();
  if (!d.endpoint) return `${proto} (not listening)`;
  if (d.endpoint.kind === 'unix') return `${proto} socket ${d.endpoint.path}`;
  const host = d.endpoint.host.includes(':') ? `[${d.endpoint.host}]` : d.endpoint.host;
  return `${proto} ${host}:${d.endpoint.port}`;
}

export function endpointEquals(a: DisplayEndpoint | undefined, b: DisplayEndpoint | undefined): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind === 'unix' ? a.path === (b as typeof a).path : a.host === (b as typeof a).host && a.port === (b as typeof a).port;
}

function reachableHost(listen: string | undefined): string {
  if (!listen || listen === '0.0.0.0' || listen === '::' || listen === '[::]' || listen === 'localhost') return '127.0.0.1';
  return listen.replace(/^\[(.*)\]$/, '$1');
}

function toPort(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s.trim())) return undefined;
  const n = Number(s);
  return n > 0 && n < 65536 ? n : undefined;
}

function attr(n: unknown, name: string): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const v = (n as Node)[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

const XS_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r' };

/** xenstore-ls escapes control bytes as \t \n \r \NNN (octal) \xNN, and the backslash as \\. */
function unescapeXs(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e.length === 3 && e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (e.length === 3) return String.fromCharCode(parseInt(e, 8));
    return XS_ESCAPES[e] ?? e;
  });
}
