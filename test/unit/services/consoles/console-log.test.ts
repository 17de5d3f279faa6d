import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleLog, consoleLogPath } from '../../../../main/services/consoles/console-log';
import { stripTerminalControls } from '../../../../main/services/consoles/terminal-text';
import { ManualClock } from './fakes';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describe('ConsoleLog', () => {
  let dir: string;
  let clock: ManualClock;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-log-'));
    clock = new ManualClock();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (maxBytes = 1024 * 1024, keep = 3) => ConsoleLog.open({ path: join(dir, 'h1', 'alpha-2026-11-25.log'), maxBytes, keep, clock });
  const lines = (log: ConsoleLog) => readFileSync(log.path, 'utf8').split('\n').filter((l) => l.length > 0);

  it('writes timestamped lines with escapes and carriage returns removed', () => {
    const log = open();
    log.mark('session started');
    log.output(bytes('\x1b[1;32malpha:~#\x1b[0m echo $((6*7))\r\n42\r\n'));
    clock.advance(1500);
    log.output(bytes('\x1b]0;title\x07bold \x1b[1mtext\x1b[0m\r\n'));
    log.dispose();
    const l = lines(log);
    expect(l).toHaveLength(4);
    for (const line of l) expect(line).toMatch(ISO);
    expect(l.map((x) => x.replace(ISO, ''))).toEqual(['---- session started ----', 'alpha:~# echo $((6*7))', '42', 'bold text']);
    expect(l[3]!.slice(0, 24)).toBe(new Date(clock.now()).toISOString());
  });

  it('keeps a partial line until its newline, or writes it after the partial-line timeout', () => {
    const log = open();
    log.output(bytes('alpha:~# '));
    clock.advance(300);
    log.output(bytes('ec'));
    log.output(bytes('ho hi\r\nhi\r\n'));
    clock.advance(300);
    expect(lines(log).map((x) => x.replace(ISO, ''))).toEqual(['alpha:~# echo hi', 'hi']);
    log.output(bytes('alpha:~# '));
    clock.advance(1000);
    clock.advance(300);
    expect(lines(log).at(-1)!.replace(ISO, '')).toBe('alpha:~# ');
    log.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('decodes a UTF-8 character split across writes and applies backspaces', () => {
    const log = open();
    const b = bytes('5€ ok\r\n');
    log.output(b.subarray(0, 2));
    log.output(b.subarray(2));
    log.output(bytes('abx\bc\n'));
    log.dispose();
    expect(lines(log).map((x) => x.replace(ISO, ''))).toEqual(['5€ ok', 'abc']);
  });

  it('creates the file with mode 0600 in a 0700 directory', () => {
    const log = open();
    log.mark('x');
    log.dispose();
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'h1')).mode & 0o777).toBe(0o700);
  });

  it('rotates before passing the size cap and keeps the configured number of files', () => {
    const log = open(2048, 2);
    const line = `${'x'.repeat(99)}\n`; // 124 bytes with the timestamp
    for (let i = 0; i < 100; i++) log.output(bytes(line));
    log.dispose();
    for (const p of [log.path, `${log.path}.1`, `${log.path}.2`]) {
      expect(existsSync(p)).toBe(true);
      expect(statSync(p).size).toBeLessThanOrEqual(2048);
      expect(statSync(p).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(`${log.path}.3`)).toBe(false);
    expect(statSync(`${log.path}.1`).size).toBeGreaterThan(2048 - 124);
  });

  it('builds the log path from host, file-safe guest name and date', () => {
    const t = new Date(2026, 10, 25, 12).getTime();
    expect(consoleLogPath('/logs', 'kvm1', 'alpha', 'abcdef12-0000', t)).toBe('/logs/kvm1/alpha-2026-11-25.log');
    expect(consoleLogPath('/logs', 'k/1', '../we b', 'abcdef12-0000', t)).toBe('/logs/k_1/__we_b-abcdef12-2026-11-25.log');
  });

  it('strips terminal controls for readability', () => {
    expect(stripTerminalControls('\x1b[?2004hA\x1b[2J\x1b[H\x1b(B\x1b=B\r\x00\x07')).toBe('AB');
  });
});
