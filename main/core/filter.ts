/**
 * The guest filter language: free words match name, host and state (all words must match);
 * `key:value` narrows one field (`state:paused`, `host:kvm1`, `name:web`, `uuid:1234`);
 * comma-separated values are alternatives (`state:running,paused`); a leading `-` negates a term;
 * double quotes keep spaces (`name:"web 01"`). Matching is case-insensitive substring, except `state:`
 * which matches the state exactly or by prefix (`state:run`).
 */
import type { GuestState } from './models';

export const FILTER_FIELDS = ['name', 'host', 'state', 'uuid', 'os'] as const;
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
      return g.state.toLowerCase().startsWith(value);
    case 'uuid':
      return g.uuid.toLowerCase().includes(value);
    case 'os':
      return (g.osType ?? '').toLowerCase().includes(value);
    case 'any':
      return (
        g.name.toLowerCase().includes(value) ||
        g.hostName.toLowerCase().includes(value) ||
        g.state.toLowerCase().startsWith(value)
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
