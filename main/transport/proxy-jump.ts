/**
 * ProxyJump values: a comma-separated list of hops, each `[user@]host[:port]`, `[user@][v6addr]:port` or
 * `ssh://[user@]host[:port]`; `none` means a direct connection.
 */
import { VmdeckError } from '../core/errors';

export interface ProxyHop {
  /** As written: an alias resolved through the same configuration, or an address. */
  host: string;
  user?: string;
  port?: number;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseProxyHop(spec: string): ProxyHop {
  let rest = spec.trim();
  if (rest.toLowerCase().startsWith('ssh://')) rest = rest.slice(6).replace(/\/$/, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    port = parsePort(bracketed[2]);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon !== -1 && rest.indexOf(':') === colon) {
      host = rest.slice(0, colon);
      port = parsePort(rest.slice(colon + 1));
      if (port === undefined) throw new VmdeckError('CONFIG_ERROR', `invalid port in ProxyJump hop ${JSON.stringify(spec)}`);
    }
  }
  if (host === '' || (user !== undefined && user === '')) throw new VmdeckError('CONFIG_ERROR', `invalid ProxyJump hop ${JSON.stringify(spec)}`);
  const hop: ProxyHop = { host };
  if (user !== undefined) hop.user = user;
  if (port !== undefined) hop.port = port;
  return hop;
}

export function formatProxyHop(hop: ProxyHop): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user !== undefined ? `${hop.user}@` : ''}${host}${hop.port !== undefined ? `:${hop.port}` : ''}`;
}

/** The ProxyJump value as a list of hops; `none` (or empty) means direct. */
export function parseProxyJump(value: string | undefined): ProxyHop[] {
  if (value === undefined || value === '' || value.toLowerCase() === 'none') return [];
  return value.split(',').map((s) => parseProxyHop(s));
}
