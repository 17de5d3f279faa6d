import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../main/core/runner';
import { LocalCommandRunner } from '../../../main/transport/local-runner';
import { HOSTILE_STRINGS } from './hostile-strings';
import { failure } from '../../support/failure';

const work = mkdtempSync(join(tmpdir(), 'vmdeck-local-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const runner = new LocalCommandRunner({ hostId: 'local' });


describe('LocalCommandRunner', () => {
  it('passes arguments without a shell', async () => {
    for (const raw of HOSTILE_STRINGS) {
      const arg = raw.replaceAll('SENTINEL', join(work, 'pwned'));
      expect((await runner.exec(['printf', '%s', arg])).stdout).toBe(arg);
    }
    expect(existsSync(join(work, 'pwned'))).toBe(false);
  });

  it('supports stdin, env, okExitCodes and reports COMMAND_FAILED / NOT_FOUND', async () => {
    expect((await runner.exec(['cat'], { stdin: 'abc' })).stdout).toBe('abc');
    expect((await runner.exec(['sh', '-c', 'printf %s "$X"'], { env: { X: 'y' } })).stdout).toBe('y');
    expect((await runner.exec(['sh', '-c', 'exit 2'], { okExitCodes: [2] })).exitCode).toBe(2);
    const err = await failure(runner.exec(['sh', '-c', 'echo bad >&2; exit 5']));
    expect(err.code).toBe('COMMAND_FAILED');
    expect(err.details).toMatchObject({ exitCode: 5, stderr: 'bad\n' });
    expect((await failure(runner.exec(['/nonexistent/cmd']))).code).toBe('NOT_FOUND');
  });

  it('times out, cancels and caps output', async () => {
    expect((await failure(runner.exec(['sleep', '5'], { timeoutMs: 100 }))).code).toBe('TIMEOUT');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await failure(runner.exec(['sleep', '5'], { signal: ac.signal }))).code).toBe('CANCELLED');
    expect((await failure(runner.exec(['head', '-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }))).code).toBe('OUTPUT_TOO_LARGE');
  });

  it('streams without a PTY and records commands', async () => {
    const records: CommandRecord[] = [];
    const sub = runner.onCommand((r) => records.push(r));
    const stream = await runner.stream(['sh', '-c', 'read x; echo "got $x"']);
    let out = '';
    stream.onData((c) => (out += Buffer.from(c).toString()));
    stream.write('line\n');
    const code = await new Promise<number | null>((r) => stream.onClose(r));
    expect(code).toBe(0);
    expect(out).toBe('got line\n');
    expect(records.at(-1)).toMatchObject({ kind: 'stream', exitCode: 0, hostId: 'local' });
    sub.dispose();
  });
});
