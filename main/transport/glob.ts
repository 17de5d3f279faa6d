/**
 * Minimal glob expansion for ssh_config `Include`: `*`, `?` and `[...]` inside path segments, sorted results
 * as glob(3) returns them. No `**`, no brace expansion (OpenSSH uses plain glob(3) without GLOB_BRACE).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

const MAGIC = /[*?[]/;

function segmentToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        let cls = segment.slice(i + 1, end);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Expands an absolute pattern to the existing paths it matches; hidden files match only an explicit dot. */
export function expandGlob(pattern: string): string[] {
  if (!MAGIC.test(pattern)) return exists(pattern) ? [pattern] : [];
  const segments = pattern.split(sep);
  let bases = [segments[0] === '' ? sep : segments[0]!];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!MAGIC.test(segment)) {
        const p = join(base, segment);
        if (exists(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      const re = segmentToRegExp(segment);
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (re.test(name)) next.push(join(base, name));
      }
    }
    bases = next;
  }
  return bases.sort();
}
