/**
 * The LXC refresh script's output (main/hypervisors/lxc/inventory-script.ts). Every section starts with a
 * header line `<TOKEN> <section>`, where TOKEN is random per run, so nothing a container name, config
 * value or lxc-info line contains can be taken for a header:
 *
 *   <T> facts            key=value lines: uid, lxcpath, hostname, machineid, cpus, memtotal, memavail (kB), version
 *   <T> ct <hex>         one per container; hex = the name's bytes (names may hold spaces, quotes, newlines)
 *   ...                  lxc-info -H of that container
 *   <T> cfg              its config lines for lxc.start.auto, lxc.arch, lxc.cgroup*.
 *   <T> end              absent = truncated output (PARSE_ERROR)
 */
import { parseLxcConfig, type LxcConfigEntry } from './lxc-config';
import { parseLxcInfo, type LxcInfo } from './lxc-info';
import { parseError } from './parse-error';

export interface LxcHostFacts {
  uid: number | null;
  lxcpath: string;
  hostname: string;
  machineId: string;
  cpus: number;
  memTotalKiB: number;
  memAvailableKiB: number;
  version: string;
}

export interface LxcContainerRow {
  name: string;
  info: LxcInfo;
  config: LxcConfigEntry[];
}

export interface LxcInventory {
  facts: LxcHostFacts;
  containers: LxcContainerRow[];
}

/** Decodes the hex of a name's bytes (UTF-8; invalid sequences become U+FFFD). */
export function decodeHexName(hex: string): string | null {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new TextDecoder('utf-8').decode(bytes);
}

export function parseLxcInventory(stdout: string, token: string): LxcInventory {
  const text = stdout.replace(/\r\n/g, '\n');
  const prefix = `${token} `;
  const facts = new Map<string, string>();
  const containers: LxcContainerRow[] = [];
  let section: 'none' | 'facts' | 'info' | 'cfg' | 'end' = 'none';
  let current: { name: string; info: string[]; cfg: string[] } | undefined;
  let sawFacts = false;
  const close = () => {
    if (current) containers.push({ name: current.name, info: parseLxcInfo(current.info.join('\n')), config: parseLxcConfig(current.cfg.join('\n')) });
    current = undefined;
  };
  let offset = 0;
  for (const line of text.split('\n')) {
    const at = offset;
    offset += line.length + 1;
    if (line.startsWith(prefix)) {
      const header = line.slice(prefix.length).trim().split(' ');
      switch (header[0]) {
        case 'facts':
          section = 'facts';
          sawFacts = true;
          break;
        case 'ct': {
          close();
          const name = decodeHexName(header[1] ?? '');
          if (name === null) throw parseError('the LXC inventory', `bad container header "${line.slice(0, 80)}"`, text, at);
          current = { name, info: [], cfg: [] };
          section = 'info';
          break;
        }
        case 'cfg':
          if (!current) throw parseError('the LXC inventory', 'config section outside a container', text, at);
          section = 'cfg';
          break;
        case 'end':
          close();
          section = 'end';
          break;
        default:
          throw parseError('the LXC inventory', `unknown section "${header[0] ?? ''}"`, text, at);
      }
      continue;
    }
    if (section === 'facts') {
      const eq = line.indexOf('=');
      if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1).trim());
    } else if (section === 'info') current?.info.push(line);
    else if (section === 'cfg') current?.cfg.push(line);
  }
  if (!sawFacts) throw parseError('the LXC inventory', 'no facts section (did the script run?)', text);
  if (section !== 'end') throw parseError('the LXC inventory', 'output ends before the end marker (truncated)', text, text.length);
  const num = (k: string) => {
    const v = facts.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
  };
  return {
    facts: {
      uid: num('uid'),
      lxcpath: facts.get('lxcpath') ?? '',
      hostname: facts.get('hostname') ?? '',
      machineId: facts.get('machineid') ?? '',
      cpus: num('cpus') ?? 1,
      memTotalKiB: num('memtotal') ?? 0,
      memAvailableKiB: num('memavail') ?? 0,
      version: facts.get('version') ?? '',
    },
    containers,
  };
}
