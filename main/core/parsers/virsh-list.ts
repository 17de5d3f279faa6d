/**
 * `virsh list` in its machine-friendlier forms:
 *   --uuid --name        → "<uuid> <name>"
 *   --id --uuid --name   → "<uuid> <id|-> <name>"  (libvirt ≥ 7.x; older virsh rejects --id combined this way)
 *   --uuid               → "<uuid>"
 * and the human table (`virsh list --all`), parsed from the right because names may contain spaces.
 * virsh ends each listing with a blank line; blank lines are ignored.
 */
import type { GuestState } from '../models';
import { LIBVIRT_STATE_WORDS, libvirtStateFromWords } from './libvirt-states';
import { lines, parseError } from './parse-error';

export interface ListedDomain {
  uuid: string;
  name: string;
  /** Domain id while active; null for inactive guests or when the listing did not include ids. */
  id: number | null;
}

const UUID = '([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';
const UUID_NAME = new RegExp(`^${UUID} (.*)$`);
const UUID_ID_NAME = new RegExp(`^${UUID} (-|\\d+) (.*)$`);
const UUID_ONLY = new RegExp(`^${UUID}\\s*$`);

/** `virsh list --all --uuid --name`. */
export function parseVirshUuidNameList(text: string): ListedDomain[] {
  return nonEmptyLines(text).map(({ line, at }) => {
    const m = UUID_NAME.exec(line);
    if (!m) throw parseError('virsh list --uuid --name output', `expected "<uuid> <name>", got "${line.slice(0, 80)}"`, text, at);
    return { uuid: (m[1] as string).toLowerCase(), name: m[2] as string, id: null };
  });
}

/** `virsh list --all --id --uuid --name`. */
export function parseVirshIdUuidNameList(text: string): ListedDomain[] {
  return nonEmptyLines(text).map(({ line, at }) => {
    const m = UUID_ID_NAME.exec(line);
    if (!m) throw parseError('virsh list --id --uuid --name output', `expected "<uuid> <id> <name>", got "${line.slice(0, 80)}"`, text, at);
    return { uuid: (m[1] as string).toLowerCase(), id: m[2] === '-' ? null : Number(m[2]), name: m[3] as string };
  });
}

/** `virsh list --all --uuid [--autostart|--persistent|--with-managed-save]`. */
export function parseVirshUuidList(text: string): string[] {
  return nonEmptyLines(text).map(({ line, at }) => {
    const m = UUID_ONLY.exec(line);
    if (!m) throw parseError('virsh list --uuid output', `expected a UUID, got "${line.slice(0, 80)}"`, text, at);
    return (m[1] as string).toLowerCase();
  });
}

export interface ListTableRow {
  id: number | null;
  name: string;
  state: GuestState;
  stateWords: string;
}

/**
 * The default `virsh list --all` table: ` Id   Name   State`, a dashed rule, rows. The name column is padded,
 * so a name's own trailing spaces cannot be recovered; the state is one of libvirt's fixed state words.
 */
export function parseVirshListTable(text: string): ListTableRow[] {
  const all = lines(text);
  const ruleAt = all.findIndex((l) => /^-{5,}\s*$/.test(l));
  if (ruleAt < 1 || !/^\s*Id\s+Name\s+State\s*$/.test(all[ruleAt - 1] ?? '')) {
    throw parseError('virsh list table', 'no " Id   Name   State" header', text);
  }
  const stateAlternatives = [...LIBVIRT_STATE_WORDS].sort((a, b) => b.length - a.length).join('|');
  const row = new RegExp(`^\\s*(-|\\d+)\\s+(.*?)\\s+(${stateAlternatives})\\s*$`);
  const out: ListTableRow[] = [];
  for (const line of all.slice(ruleAt + 1)) {
    if (line.trim() === '') continue;
    const m = row.exec(line);
    if (!m) throw parseError('virsh list table', `unexpected row "${line.slice(0, 80)}"`, text, text.indexOf(line));
    const words = m[3] as string;
    out.push({ id: m[1] === '-' ? null : Number(m[1]), name: m[2] as string, stateWords: words, state: libvirtStateFromWords(words) ?? 'unknown' });
  }
  return out;
}

function nonEmptyLines(text: string): { line: string; at: number }[] {
  const out: { line: string; at: number }[] = [];
  let at = 0;
  for (const line of lines(text)) {
    if (line.trim() !== '') out.push({ line, at });
    at += line.length + 1;
  }
  return out;
}
