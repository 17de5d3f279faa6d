/**
 * The guest filter language: free words match name, host and state (all words must match);
 * `key:value` narrows one field (`state:paused`, `host:kvm1`, `name:web`, `uuid:1234`, `kind:container`);
 * comma-separated values are alternatives (`state:running,paused`); a leading `-` negates a term;
 * double quotes keep spaces (`name:"web 01"`). Matching is case-insensitive substring, except `state:`
 * which matches a state's words by prefix (`state:run`), and `kind:`, which matches exactly or by prefix
 * (`kind:vm`, `kind:c`).
 *
 * One vocabulary: a state answers to the words the screen shows for it (`state:"shut off"`, `suspended`,
 * `idle`, `"shutting down"`) and to the toolstack's own name (`shutoff`, `pmsuspended`, `blocked`,
 * `shutdown`). A blocked guest is shown as "Running (idle)" and counts as running: `state:running` finds
 * running and idle guests (as the status bar's "N running" counts them), `state:idle` only the idle ones.
 */
import type { GuestState } from './models';

/** What the screen calls each state. */
export const GUEST_STATE_LABEL: Readonly<Record<GuestState, string>> = {
  running: 'Running',
  blocked: 'Running (idle)',
  paused: 'Paused',
  shutdown: 'Shutting down',
  shutoff: 'Shut off',
  crashed: 'Crashed',
  dying: 'Dying',
  pmsuspended: 'Suspended',
  unknown: 'Unknown',
};

/** Every phrase a state answers to, lower case: its label, the toolstack's name, the label's words. */
export const GUEST_STATE_WORDS: Readonly<Record<GuestState, readonly string[]>> = Object.fromEntries(
  (Object.keys(GUEST_STATE_LABEL) as GuestState[]).map((s) => {
    const label = GUEST_STATE_LABEL[s].toLowerCase();
    const words = label.replace(/[()]/g, '').split(/\s+/);
    return [s, [...new Set([label, label.replace(/[()]/g, ''), s, ...words, ...(s === 'blocked' ? ['idle'] : [])])]];
  }),
) as unknown as Record<GuestState, readonly string[]>;

/** Whether a guest in this state counts as running (status bar counts, `state:running`). */
export function countsAsRunning(state: GuestState | string): boolean {
  return state === 'running' || state === 'blocked';
}

function stateMatches(state: string, value: string): boolean {
  const words = (GUEST_STATE_WORDS as Record<string, readonly string[] | undefined>)[state] ?? [state.toLowerCase()];
  return words.some((w) => w.startsWith(value));
}

export const FILTER_FIELDS = ['name', 'host', 'state', 'uuid', 'os', 'kind'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface FilterTerm {
  field: FilterField | 'any';
  values: string[];
  negate: boolean;
}

export interface ParsedFilter {
  terms: FilterTerm[];
  /** Unknown `key:` prefixes, reported to the user rather than silently ignored. */
  unknownFields: string[];
}

export interface FilterableGuest {
  name: string;
  hostName: string;
  state: GuestState | string;
  uuid: string;
  osType?: string;
  /** 'vm' | 'container'; absent counts as 'vm'. */
  kind?: string;
}

function tokenize(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of input) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export function parseFilter(input: string): ParsedFilter {
  const terms: FilterTerm[] = [];
  const unknownFields: string[] = [];
  for (let tok of tokenize(input)) {
    let negate = false;
    if (tok.startsWith('-') && tok.length > 1) {
      negate = true;
      tok = tok.slice(1);
    }
    const m = /^([a-zA-Z]+):(.*)$/.exec(tok);
    if (m) {
      const key = m[1]!.toLowerCase();
      const values = m[2]!
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .filter((v) => v.length > 0);
      if ((FILTER_FIELDS as readonly string[]).includes(key)) {
        if (values.length > 0) terms.push({ field: key as FilterField, values, negate });
        continue;
      }
      unknownFields.push(key);
      // Fall through: treat the whole token as free text so "a:b" still finds a guest named "a:b".
    }
    const v = tok.toLowerCase();
    if (v.length > 0) terms.push({ field: 'any', values: [v], negate });
  }
  return { terms, unknownFields };
}

function fieldMatches(field: FilterField | 'any', value: string, g: FilterableGuest): boolean {
  switch (field) {
    case 'name':
      return g.name.toLowerCase().includes(value);
    case 'host':
      return g.hostName.toLowerCase().includes(value);
    case 'state':
      return stateMatches(g.state, value);
    case 'uuid':
      return g.uuid.toLowerCase().includes(value);
    case 'os':
      return (g.osType ?? '').toLowerCase().includes(value);
    case 'kind':
      return (g.kind ?? 'vm').startsWith(value);
    case 'any':
      return (
        g.name.toLowerCase().includes(value) ||
        g.hostName.toLowerCase().includes(value) ||
        stateMatches(g.state, value)
      );
  }
}

export function matchesFilter(filter: ParsedFilter, g: FilterableGuest): boolean {
  for (const t of filter.terms) {
    const hit = t.values.some((v) => fieldMatches(t.field, v, g));
    if (hit === t.negate) return false;
  }
  return true;
}
