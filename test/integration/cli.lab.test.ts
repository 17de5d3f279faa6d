// The vmdeck CLI against the lab, as a script would use it: JSON output of 1000+ guests from one refresh
// command, hostile names byte for byte, and exit statuses by error class.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeLab } from '../lab/describe-lab';
import { loadLab, type Lab } from '../lab/lab';

const BIN = resolve('bin/vmdeck.mjs');
const RUNSTATE: Record<number, string> = { 1: 'running', 2: 'blocked', 3: 'paused', 4: 'shutdown', 5: 'shutoff', 6: 'crashed', 7: 'pmsuspended' };

function vmdeck(args: string[], configDir: string) {
  const r = spawnSync(process.execPath, [BIN, '--config-dir', configDir, ...args], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeLab('vmdeck CLI against the lab', () => {
  let lab: Lab;
  let configDir: string;
  beforeAll(() => {
    lab = loadLab()!;
    configDir = mkdtempSync(join(tmpdir(), 'vmdeck-cli-'));
  });

  it('list fleet --json gives every guest with the state libvirt has, from one refresh command', () => {
    const r = vmdeck(['--ssh-config', lab.sshConfig, '--trace', 'list', 'fleet', '--json'], configDir);
    expect(r.status, r.stderr).toBe(0);
    const guests = JSON.parse(r.stdout) as { uuid: string; name: string; state: string; host: string }[];
    const expected = JSON.parse(readFileSync(lab.fleet!.guestsFile, 'utf8')) as { uuid: string; name: string; runstate: number }[];
    expect(guests.length).toBe(expected.length);
    expect(guests.length).toBeGreaterThanOrEqual(1000);
    const byUuid = new Map(guests.map((g) => [g.uuid, g]));
    for (const e of expected) {
      const g = byUuid.get(e.uuid);
      expect(g, e.name).toBeDefined();
      expect(g!.name).toBe(e.name); // quotes, $(), backticks, unicode: byte for byte
      expect(g!.state, e.name).toBe(RUNSTATE[e.runstate]);
      expect(g!.host).toBe('fleet');
    }
    const commands = r.stderr.split('\n').filter((l) => l.startsWith('vmdeck: trace: '));
    const virsh = commands.filter((l) => l.includes('"virsh"'));
    expect(virsh, commands.join('\n')).toHaveLength(1); // the refresh: one command whatever the guest count
    expect(commands).toHaveLength(2); // plus the toolstack probe
  });

  it('exits by error class: 3 for an unknown guest or host, 2 for usage, 9 for a console without a terminal', () => {
    expect(vmdeck(['--ssh-config', lab.sshConfig, 'info', 'kvm1/no-such-guest'], configDir)).toMatchObject({ status: 3, stderr: expect.stringContaining('NOT_FOUND') });
    expect(vmdeck(['--ssh-config', lab.sshConfig, 'start', 'nohost/alpha'], configDir).status).toBe(3);
    expect(vmdeck(['--ssh-config', lab.sshConfig, 'start', 'kvm1'], configDir).status).toBe(2);
    expect(vmdeck(['frobnicate'], configDir).status).toBe(2);
    expect(vmdeck(['--ssh-config', lab.sshConfig, 'console', 'kvm1/alpha'], configDir)).toMatchObject({ status: 9, stderr: expect.stringContaining('UNSUPPORTED') });
  });

  it('refuses a changed host key with exit 4 and shows both fingerprints, without a prompt on a non-TTY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmdeck-cli-keys-'));
    const wrongKnownHosts = join(dir, 'known_hosts');
    const kvm1 = lab.hosts.kvm1!;
    // Another host's real key, filed under kvm1's name: exactly what a changed key looks like.
    writeFileSync(wrongKnownHosts, `${kvm1.knownHostsName} ${lab.hosts.kvm2!.hostKey}\n`);
    const config = readFileSync(lab.sshConfig, 'utf8').replace(/^(\s*UserKnownHostsFile)\s+.*$/gim, `$1 ${wrongKnownHosts}`);
    const cfgFile = join(dir, 'ssh_config');
    writeFileSync(cfgFile, config);
    const r = vmdeck(['--ssh-config', cfgFile, 'list', 'kvm1'], mkdtempSync(join(tmpdir(), 'vmdeck-cli-cfg-')));
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toContain('HOST_KEY_MISMATCH');
    expect(r.stderr).toMatch(/known key:\s+SHA256:\S+\n\s+offered key: SHA256:\S+/);
  });

  it('checks arguments with the contract: a bad --timeout is INVALID_ARGUMENT (exit 2) and nothing runs', () => {
    const r = vmdeck(['--ssh-config', lab.sshConfig, '--trace', 'shutdown', 'kvm1/alpha', '--timeout', 'abc'], configDir);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/INVALID_ARGUMENT: guests\.action: invalid arguments \(3\.timeoutSec/);
    expect(r.stderr).not.toMatch(/trace: \[.*"shutdown"/);
    const bad = vmdeck(['--ssh-config', lab.sshConfig, 'pause', 'kvm1/alpha', 'kvm2/gamma', '--concurrency', '0'], configDir);
    expect(bad.status, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('guests.bulkAction: invalid arguments');
  });

  it('acts on guests of three hosts as one task, a line per guest; an unknown guest is listed and sets the exit status', () => {
    const targets = ['kvm1/alpha', 'kvm2/gamma', 'xen1/win2019-test-02'];
    const paused = vmdeck(['--ssh-config', lab.sshConfig, 'pause', ...targets, 'kvm2/no-such-guest'], configDir);
    let resumed: ReturnType<typeof vmdeck> | undefined;
    try {
      expect(paused.stdout, paused.stderr).toContain('kvm1/alpha: succeeded');
      expect(paused.stdout).toContain('kvm2/gamma: succeeded');
      expect(paused.stdout).toContain('xen1/win2019-test-02: succeeded');
      expect(paused.stdout).toContain('Pause 3 guests: succeeded');
      expect(paused.stderr).toContain('kvm2/no-such-guest: NOT_FOUND');
      expect(paused.status).toBe(3);
    } finally {
      // --match with the UI's filter language: the three paused guests (mail on xen1 stays as it is).
      resumed = vmdeck(['--ssh-config', lab.sshConfig, 'resume', '--match', 'state:paused -name:mail', 'kvm1', 'kvm2', 'xen1'], configDir);
    }
    expect(resumed.stdout, resumed.stderr).toContain('Resume 3 guests: succeeded');
    expect(resumed.status).toBe(0);
    // Resuming running guests fails per guest with the toolstack's code; the task says how many failed.
    const again = vmdeck(['--ssh-config', lab.sshConfig, '--json', 'resume', ...targets], configDir);
    const task = JSON.parse(again.stdout) as { state: string; error?: { message: string }; items: { guestName: string; state: string; error?: { code: string } }[] };
    expect(task.state).toBe('failed');
    expect(task.error?.message).toBe('3 of 3 failed');
    expect(task.items.map((i) => [i.guestName, i.state, i.error?.code])).toEqual([
      ['alpha', 'failed', 'INVALID_STATE'],
      ['gamma', 'failed', 'INVALID_STATE'],
      ['win2019-test-02', 'failed', 'INVALID_STATE'],
    ]);
    expect(again.status).toBe(7);
  });
});
