import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSshConfigCandidates } from '../../../main/app/ssh-config-import';
import { isVmdeckError } from '../../../main/core/errors';

describe('listSshConfigCandidates', () => {
  it('no path: reads ~/.ssh/config; when it does not exist says "file not found", not an empty list', () => {
    const home = mkdtempSync(join(tmpdir(), 'vmdeck-home-'));
    let err: unknown;
    try {
      listSshConfigCandidates(undefined, home);
    } catch (e) {
      err = e;
    }
    expect(isVmdeckError(err, 'NOT_FOUND')).toBe(true);
    expect((err as Error).message).toBe(`file not found: ${join(home, '.ssh', 'config')}`);
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'config'), 'Host kvm9\n  HostName 10.0.0.9\n');
    expect(listSshConfigCandidates(undefined, home).map((c) => c.alias)).toEqual(['kvm9']);
    // ~ in a typed path is the home directory.
    expect(listSshConfigCandidates('~/.ssh/config', home).map((c) => c.alias)).toEqual(['kvm9']);
  });

  it('a typed path that does not exist is NOT_FOUND; a directory is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-cfg-'));
    expect(() => listSshConfigCandidates(join(dir, 'nope'), dir)).toThrow(/^file not found: /);
    expect(() => listSshConfigCandidates(dir, dir)).toThrow(/^not a file: /);
    // An existing file without concrete hosts is an empty list (the dialog says so).
    writeFileSync(join(dir, 'only-wildcards'), 'Host *\n  User x\n');
    expect(listSshConfigCandidates(join(dir, 'only-wildcards'), dir)).toEqual([]);
  });
});
