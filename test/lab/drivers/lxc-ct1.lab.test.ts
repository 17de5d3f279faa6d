/**
 * The LXC driver and the CLI against ct1's real containers (Debian's lxc 5.0, privileged, root login):
 * one-command refresh compared with `lxc-ls -f`, the CLI's `list ct1 --json` and its lifecycle commands,
 * freeze/unfreeze/stop/start checked with lxc-info, lxc-monitor hints, the console (`echo $((6*7))` → 42)
 * through lxc-console and through lxc-attach, the hostile name end to end, details, autostart, and the
 * kinds' unsupported actions. This suite changes only ct-db (left stopped, as lab-up made it); the e2e suite
 * drives ct-web.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Guest, GuestState } from '../../../main/core/models';
import type { CommandStream } from '../../../main/core/runner';
import type { ChangeHint, ChangeWatch, GuestRef } from '../../../main/hypervisors/driver';
import { detectToolstack } from '../../../main/hypervisors/detect';
import { LxcDriver } from '../../../main/hypervisors/lxc/lxc-driver';
import { failure } from '../../support/failure';
import { describeLab } from '../describe-lab';
import { labHost, labSsh, loadLab } from '../lab';
import { eventually, sleep } from './eventually';
import { CountingRunner, OpenSshRunner } from './openssh-runner';

const HOSTILE = 'it\'s a "ct" ünï $(touch vmdeck-pwned)';
const BIN = resolve('bin/vmdeck.mjs');
const LXC_TO_GUEST: Record<string, GuestState> = { RUNNING: 'running', FROZEN: 'paused', STOPPED: 'shutoff' };

/** `lxc-ls -f -F NAME,STATE` as a map; the state is the last column (names may hold spaces). */
async function lxcLs(): Promise<Map<string, string>> {
  const r = await labSsh('ct1', 'lxc-ls -f -F NAME,STATE');
  expect(r.code, r.stderr).toBe(0);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n').slice(1)) {
    const m = /^(.*\S)\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

async function lxcInfoState(name: string): Promise<string> {
  const r = await labSsh('ct1', `lxc-info -s -n '${name.replace(/'/g, `'\\''`)}'`);
  return /State:\s+(\S+)/.exec(r.stdout)?.[1] ?? `? ${r.stderr}`;
}

/**
 * Types into a console stream and waits until its output matches. A step without `send` only waits: lxc-console
 * flushes pending input when it puts the terminal into raw mode, so typing starts after its banner.
 */
async function converse(stream: CommandStream, steps: { send?: string; expect: RegExp }[], timeoutMs = 20_000): Promise<string> {
  let out = '';
  const sub = stream.onData((c) => (out += new TextDecoder().decode(c)));
  try {
    for (const step of steps) {
      const from = step.send === undefined ? 0 : out.length;
      if (step.send !== undefined) stream.write(step.send);
      await eventually(() => {
        if (!step.expect.test(out.slice(from))) throw new Error(`no ${step.expect} in ${JSON.stringify(out.slice(-400))}`);
      }, timeoutMs, 100);
    }
    return out;
  } finally {
    sub.dispose();
  }
}

describeLab('LXC driver and CLI on ct1', () => {
  let runner: CountingRunner;
  let driver: LxcDriver;
  let watch: ChangeWatch;
  let configDir: string;
  const hints: ChangeHint[] = [];
  const find = async (name: string): Promise<Guest> => {
    const g = (await driver.refresh()).guests.find((x) => x.name === name);
    if (!g) throw new Error(`${name} is not listed`);
    return g;
  };
  const ref = (g: Guest): GuestRef => ({ uuid: g.uuid, name: g.name, domId: g.domId });
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--config-dir', configDir, '--ssh-config', loadLab()!.sshConfig, ...args], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'vmdeck-lxc-cli-'));
    runner = new CountingRunner(new OpenSshRunner('ct1'));
    driver = new LxcDriver(runner);
    await labSsh('ct1', 'lxc-stop -k -n ct-db; true');
    await driver.refresh();
    watch = await driver.watch((h) => hints.push(h));
    await sleep(500);
  });

  afterAll(async () => {
    watch?.dispose();
    await labSsh('ct1', 'lxc-stop -k -n ct-db; sed -i "s/^lxc.start.auto = .*/lxc.start.auto = 0/" /var/lib/lxc/ct-db/config; true');
  });

  it('detection on ct1 chooses LXC (virsh is installed there too, but unconfigured)', async () => {
    const d = await detectToolstack(new OpenSshRunner('ct1'), { toolstack: 'auto' });
    expect(d.toolstack).toBe('lxc');
  });

  it('refresh: one command, every container with the state lxc-ls -f shows', async () => {
    runner.execCount = 0;
    const { guests, facts } = await driver.refresh();
    expect(runner.execCount).toBe(1);
    const ls = await lxcLs();
    for (const c of labHost('ct1').containers ?? []) expect(ls.has(c.name), c.name).toBe(true);
    expect(new Set(guests.map((g) => g.name))).toEqual(new Set(ls.keys()));
    for (const g of guests) {
      expect([g.name, g.state]).toEqual([g.name, LXC_TO_GUEST[ls.get(g.name) as string]]);
      expect(g.kind).toBe('container');
      expect(g.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(guests.find((g) => g.name === 'ct-cache')).toMatchObject({ state: 'paused', stateReason: 'frozen' });
    expect(guests.find((g) => g.name === 'ct-web')).toMatchObject({ state: 'running', autostart: true, vcpus: 1, maxMemoryKiB: 65536 });
    expect(facts).toMatchObject({ hypervisor: 'LXC' });
    // ids are stable across drivers (reconnects)
    const again = await new LxcDriver(new OpenSshRunner('ct1')).refresh();
    expect(again.guests.map((g) => g.uuid).sort()).toEqual(guests.map((g) => g.uuid).sort());
  });

  it('vmdeck list ct1 --json shows every container with the state lxc-ls -f shows, from one refresh command', async () => {
    const r = cli(['--trace', 'list', 'ct1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { name: string; state: string; host: string; kind: string }[];
    const ls = await lxcLs();
    expect(listed.map((g) => g.name).sort()).toEqual([...ls.keys()].sort());
    for (const g of listed) {
      expect([g.name, g.state, g.host, g.kind]).toEqual([g.name, LXC_TO_GUEST[ls.get(g.name) as string], 'ct1', 'container']);
    }
    expect(listed.map((g) => g.name)).toContain(HOSTILE);
    const commands = r.stderr.split('\n').filter((l) => l.startsWith('vmdeck: trace: '));
    expect(commands, commands.join('\n')).toHaveLength(2); // the toolstack probe and the one refresh
  });

  it('CLI: start, pause, resume, shutdown of ct-db; lxc-info agrees after each', async () => {
    for (const [cmd, want] of [
      ['start', 'RUNNING'],
      ['pause', 'FROZEN'],
      ['resume', 'RUNNING'],
      ['shutdown', 'STOPPED'],
    ] as const) {
      const r = cli([cmd, 'ct1/ct-db', ...(cmd === 'shutdown' ? ['--timeout', '20'] : [])]);
      expect([cmd, r.status, r.stderr]).toEqual([cmd, 0, '']);
      expect([cmd, await lxcInfoState('ct-db')]).toEqual([cmd, want]);
    }
  });

  it('driver: start, freeze, unfreeze, graceful stop, force stop; lxc-info agrees; lxc-monitor hints name the container', async () => {
    let g = await find('ct-db');
    expect(g.state).toBe('shutoff');
    hints.length = 0;
    await driver.action(ref(g), 'start');
    expect(await lxcInfoState('ct-db')).toBe('RUNNING');
    g = await find('ct-db');
    expect(g.domId).toBeGreaterThan(1);
    await driver.action(ref(g), 'pause');
    expect(await lxcInfoState('ct-db')).toBe('FROZEN');
    expect((await find('ct-db')).state).toBe('paused');
    await driver.action(ref(g), 'resume');
    expect(await lxcInfoState('ct-db')).toBe('RUNNING');
    await eventually(() => {
      const mine = hints.filter((h) => h.name === 'ct-db');
      expect(mine.some((h) => /FROZEN/.test(h.detail ?? ''))).toBe(true);
      expect(mine.some((h) => /RUNNING/.test(h.detail ?? ''))).toBe(true);
    });
    // unfreezing a running container changes nothing and is no error; freezing a stopped one is
    await driver.action(ref(g), 'resume');
    await driver.action(ref(g), 'shutdown', { timeoutSec: 20 });
    expect(await lxcInfoState('ct-db')).toBe('STOPPED');
    expect((await failure(driver.action(ref(g), 'pause'))).code).toBe('INVALID_STATE');
    expect((await failure(driver.action(ref(g), 'resume'))).code).toBe('INVALID_STATE');
    expect((await failure(driver.action(ref(g), 'shutdown'))).code).toBe('INVALID_STATE');
    await driver.action(ref(g), 'start');
    const started = await find('ct-db');
    expect(started.domId).not.toBe(g.domId);
    await driver.action(ref(started), 'destroy');
    expect(await lxcInfoState('ct-db')).toBe('STOPPED');
  });

  it('save, restore and reset are UNSUPPORTED with a clear message; an unknown container is NOT_FOUND', async () => {
    const g = await find('ct-web');
    for (const a of ['save', 'restore', 'reset'] as const) {
      const e = await failure(driver.action(ref(g), a));
      expect(e.code).toBe('UNSUPPORTED');
      expect(e.message).toMatch(/[Cc]ontainers have no/);
    }
    expect((await failure(driver.action({ uuid: 'x', name: 'vmdeck-no-such-ct', domId: null }, 'start'))).code).toBe('NOT_FOUND');
  });

  it('autostart on/off edits lxc.start.auto; lxc-ls agrees', async () => {
    const g = await find('ct-db');
    await driver.action(ref(g), 'autostart-on');
    expect((await labSsh('ct1', 'lxc-ls -f -F NAME,AUTOSTART | grep "^ct-db "')).stdout).toMatch(/ 1\s*$/);
    expect((await find('ct-db')).autostart).toBe(true);
    await driver.action(ref(g), 'autostart-off');
    expect((await find('ct-db')).autostart).toBe(false);
  });

  it('details of the hostile-named container: config, rootfs, limits; no name was ever run as a command', async () => {
    const g = await find(HOSTILE);
    const d = await driver.details(ref(g));
    expect(d).toMatchObject({ name: HOSTILE, kind: 'container', rawFormat: 'lxc-config', rootfs: `dir:/var/lib/lxc/${HOSTILE}/rootfs` });
    expect(d.raw).toContain('lxc.uts.name = hostile');
    expect(d.limits?.map((l) => l.key)).toEqual(expect.arrayContaining(['memory.limit_in_bytes', 'cpuset.cpus']));
    expect(d.consoles.map((c) => c.devName)).toEqual(['console', 'tty:1', 'shell']);
    for (const p of ['/root/vmdeck-pwned', '/vmdeck-pwned', resolve('vmdeck-pwned')]) expect(existsSync(p), p).toBe(false);
  });

  it('console: lxc-console in a PTY answers echo $((6*7)) with 42, for the hostile name too; closing ends lxc-console', async () => {
    for (const name of ['ct-web', HOSTILE]) {
      const g = await find(name);
      const stream = await runner.stream(driver.consoleCommand(ref(g)), { pty: { rows: 24, cols: 80 } });
      try {
        await converse(stream, [
          { expect: /Type <Ctrl\+a q> to exit the console/ },
          { send: '\r', expect: /:~# / },
          { send: 'echo $((6*7))\r', expect: /\r*\n42\r*\n/ },
        ]);
      } finally {
        stream.close();
      }
    }
    await eventually(async () => {
      const ps = await labSsh('ct1', 'pgrep -fc "^lxc-console -P /var/lib/lxc -n" || true');
      expect(ps.stdout.trim()).toBe('0');
    }, 10_000);
  });

  it('console escape: Ctrl-a q detaches lxc-console (exit 0) while the container keeps running', async () => {
    const g = await find('ct-web');
    const stream = await runner.stream(driver.consoleCommand(ref(g)), { pty: { rows: 24, cols: 80 } });
    const code = new Promise<number | null>((r) => stream.onClose(r));
    try {
      await converse(stream, [{ expect: /Type <Ctrl\+a q>/ }, { send: '\r', expect: /:~# / }]);
      stream.write('\x01q');
      expect(await code).toBe(0);
    } finally {
      stream.close();
    }
    expect(await lxcInfoState('ct-web')).toBe('RUNNING');
  });

  it('shell through lxc-attach (the second console device) answers 42', async () => {
    const g = await find('ct-web');
    const stream = await runner.stream(driver.consoleCommand(ref(g), 'shell'), { pty: { rows: 24, cols: 80 } });
    const closed = new Promise<number | null>((r) => stream.onClose(r));
    try {
      await converse(stream, [
        { expect: /# / },
        { send: 'echo $((6*7)); hostname\r', expect: /\r*\n42\r*\nct-web\r*\n/ },
        { send: 'exit\r', expect: /exit/ },
      ]);
      expect(await closed).toBe(0);
    } finally {
      stream.close();
    }
  });
});
