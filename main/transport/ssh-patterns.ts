/**
 * OpenSSH pattern matching (match.c): `*` and `?` wildcards, comma-separated lists with `!` negation.
 * Host names compare case-insensitively.
 */

function wildcardToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function matchWildcard(value: string, pattern: string, caseInsensitive = true): boolean {
  const v = caseInsensitive ? value.toLowerCase() : value;
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  return wildcardToRegExp(p).test(v);
}

/**
 * A list of patterns (already split): true when some positive pattern matches and no negated one does.
 * This is the semantics of a `Host` line and of comma lists in `Match host a,!b`.
 */
export function matchPatternList(value: string, patterns: readonly string[], caseInsensitive = true): boolean {
  let matched = false;
  for (const raw of patterns) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (matchWildcard(value, pattern, caseInsensitive)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}
