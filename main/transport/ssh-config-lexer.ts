/**
 * Splits OpenSSH client config text into directives: a case-insensitive keyword and its arguments.
 * `Keyword value`, `Keyword=value` and `Keyword = value` are all accepted; arguments may be quoted with
 * double or single quotes; a word starting with `#` starts a comment.
 */
export interface SshConfigDirective {
  /** Lower-cased keyword. */
  keyword: string;
  args: string[];
  line: number;
}

export interface LexResult {
  directives: SshConfigDirective[];
  errors: string[];
}

/** OpenSSH's argv_split: whitespace separated words, quotes group, backslash escapes quotes and spaces. */
export function splitArgs(text: string): string[] | { error: string } {
  const args: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '#') break;
    let word = '';
    let quote: string | null = null;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (quote === null && /\s/.test(ch)) break;
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[i + 1]!;
        if (next === '"' || next === "'" || next === '\\' || (quote === null && /\s/.test(next))) {
          word += next;
          i++;
          continue;
        }
        word += ch;
        continue;
      }
      if (quote !== null) {
        if (ch === quote) quote = null;
        else word += ch;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        continue;
      }
      word += ch;
    }
    if (quote !== null) return { error: 'unterminated quote' };
    args.push(word);
  }
  return args;
}

export function lexSshConfig(text: string): LexResult {
  const directives: SshConfigDirective[] = [];
  const errors: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([^\s=]+)(?:\s*=\s*|\s+|$)(.*)$/s.exec(line);
    if (!m) {
      errors.push(`line ${lineNo}: cannot parse`);
      return;
    }
    const split = splitArgs(m[2] ?? '');
    if (!Array.isArray(split)) {
      errors.push(`line ${lineNo}: ${split.error}`);
      return;
    }
    directives.push({ keyword: m[1]!.toLowerCase(), args: split, line: lineNo });
  });
  return { directives, errors };
}
