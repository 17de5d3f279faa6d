import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { quoteArg, quoteCommand } from '../../../main/transport/shell-quote';
import { HOSTILE_STRINGS } from './hostile-strings';

const work = mkdtempSync(join(tmpdir(), 'vmdeck-quote-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a quoted command line through a real POSIX shell in the scratch dir. */
function sh(commandLine: string): Buffer {
  const r = spawnSync('sh', ['-c', commandLine], { cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work } });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('quoteArg', () => {
  it('has 30+ hostile strings to test', () => {
    expect(HOSTILE_STRINGS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE_STRINGS.map((s) => [JSON.stringify(s), s]))('round-trips %s byte for byte through sh -c', (_label, s) => {
    const out = sh(quoteCommand(['printf', '%s', s]));
    expect(out.equals(Buffer.from(s, 'utf8'))).toBe(true);
  });

  it('never lets an injection create the sentinel file', () => {
    for (const s of HOSTILE_STRINGS) sh(quoteCommand(['printf', '%s', s.replaceAll('SENTINEL', 'sentinel-file')]));
    expect(existsSync(join(work, 'sentinel-file'))).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('passes every argument as exactly one word', () => {
    const args = HOSTILE_STRINGS;
    const out = sh(quoteCommand(['sh', '-c', 'printf "%s\\0" "$@"', 'argv0', ...args])).toString('utf8');
    expect(out.split('\0').slice(0, -1)).toEqual(args);
  });

  it('quotes the empty string as two single quotes', () => {
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("a'b")).toBe(`'a'\\''b'`);
  });

  it('refuses NUL bytes with INVALID_ARGUMENT', () => {
    expect(() => quoteArg('a\0b')).toThrow();
    try {
      quoteCommand(['echo', 'x\0']);
    } catch (e) {
      expect(isVmdeckError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('refuses an empty argv', () => {
    expect(() => quoteCommand([])).toThrow(/empty command/);
  });
});

describe('quoteCommand env', () => {
  it('prefixes env NAME=value with the values quoted', () => {
    const line = quoteCommand(['sh', '-c', 'printf "%s|%s" "$A" "$B_2"'], { env: { A: "it's $(x)", B_2: 'two\nlines' } });
    expect(line.startsWith("'env' ") || line.startsWith('env ')).toBe(true);
    expect(sh(line).toString()).toBe("it's $(x)|two\nlines");
  });

  it.each(['1A', 'A-B', 'A B', '', 'A=B', '$(x)'])('rejects the variable name %j', (name) => {
    expect(() => quoteCommand(['true'], { env: { [name]: 'v' } })).toThrow(/invalid environment variable name/);
  });
});
