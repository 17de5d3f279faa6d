// Saved state survives: kill -9 in the middle of saving hosts, settings or known_hosts leaves the old or the
// new file; a corrupt file is moved aside under its own name (never over an older one) and reported as a
// typed notice in the activity log; a file that cannot be read is an error naming it, and is left alone.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../main/app/backend';
import { HostStore } from '../../../main/services/host-store';
import { SettingsStore } from '../../../main/services/settings-store';
import { readJsonFile } from '../../../main/services/json-file';
import { z } from 'zod';

const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vmdeck-stores-'));
  chmodSync(d, 0o755);
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A child process that saves in a tight loop until killed. */
function saver(kind: 'hosts' | 'settings' | 'known_hosts', configDir: string) {
  const script = `
    const kind = ${JSON.stringify(kind)}, d = ${JSON.stringify(configDir)};
    const { HostStore } = await import(${JSON.stringify(resolve('main/services/host-store.ts'))});
    const { SettingsStore } = await import(${JSON.stringify(resolve('main/services/settings-store.ts'))});
    const { AppKnownHostsStore } = await import(${JSON.stringify(resolve('main/transport/app-known-hosts-store.ts'))});
    const { randomBytes } = await import('node:crypto');
    const big = 'x'.repeat(200000);
    let i = 0;
    const hosts = kind === 'hosts' ? new HostStore(d) : undefined;
    const settings = kind === 'settings' ? new SettingsStore(d) : undefined;
    const kh = kind === 'known_hosts' ? new AppKnownHostsStore(d + '/known_hosts') : undefined;
    process.stdout.write('ready\\n');
    for (;;) {
      i++;
      if (hosts) { const h = hosts.add({ name: 'h' + process.pid + '-' + i, transport: 'ssh', address: 'a' + i, identityFile: big.slice(0, 4000) }); const all = hosts.list(); if (all.length > 20) hosts.remove(all[0].id); }
      if (settings) settings.update({ scrollback: 1000 + (i % 5000) });
      if (kh) { const blob = Buffer.concat([Buffer.from([0,0,0,11]), Buffer.from('ssh-ed25519'), Buffer.from([0,0,0,32]), randomBytes(32)]); kh.add('host' + i, 22, blob); }
    }`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function killMidSave(kind: 'hosts' | 'settings' | 'known_hosts', configDir: string, afterMs: number): Promise<void> {
  const child = saver(kind, configDir);
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((r, j) => {
    child.stdout.once('data', () => r());
    child.once('exit', () => j(new Error(`saver exited early: ${err}`)));
  });
  await new Promise((r) => setTimeout(r, afterMs));
  if (child.exitCode !== null) throw new Error(`saver exited before the kill: ${err}`);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 during a save', () => {
  // Several kill points per store: each must leave a complete, valid file (old or new), never a torn one.
  it.each(['hosts', 'settings', 'known_hosts'] as const)('%s: the file is always complete', async (kind) => {
    const d = dir();
    for (const ms of [120, 260, 400]) {
      await killMidSave(kind, d, ms);
      const file = join(d, kind === 'hosts' ? 'hosts.json' : kind === 'settings' ? 'settings.json' : 'known_hosts');
      expect(existsSync(file), `${kind} after ${ms} ms`).toBe(true);
      const text = readFileSync(file, 'utf8');
      if (kind === 'known_hosts') {
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^host\d+ ssh-ed25519 [A-Za-z0-9+/=]+ added-by-vmdeck /);
      } else {
        expect(() => JSON.parse(text)).not.toThrow();
        const s = kind === 'hosts' ? new HostStore(d) : new SettingsStore(d);
        expect(s.notice).toBeUndefined();
      }
    }
    // Temporary files of killed writers may stay behind; they are never taken for the store.
    expect(readdirSync(d).filter((f) => f.includes('.corrupt-'))).toEqual([]);
  }, 90_000);
});

describe('corrupt and unreadable stores', () => {
  it('moves each corrupt file aside under its own name, never over an older one', () => {
    const d = dir();
    const file = join(d, 'hosts.json');
    const fixed = () => Date.UTC(2026, 0, 1);
    writeFileSync(file, '{"first": ');
    expect(readJsonFile(file, z.object({}), fixed)).toMatchObject({ kind: 'corrupt' });
    writeFileSync(file, '{"second": ');
    expect(readJsonFile(file, z.object({}), fixed)).toMatchObject({ kind: 'corrupt' });
    const aside = readdirSync(d).filter((f) => f.startsWith('hosts.json.corrupt-')).sort();
    expect(aside).toHaveLength(2);
    expect(aside.map((f) => readFileSync(join(d, f), 'utf8')).sort()).toEqual(['{"first": ', '{"second": ']);
  });

  it('reports a corrupt hosts.json and settings.json in the activity log as typed notices', async () => {
    const d = dir();
    writeFileSync(join(d, 'hosts.json'), '{"version": 1, "hosts": [ {"name": ');
    writeFileSync(join(d, 'settings.json'), '{"scrollback": "lots"}');
    const backend = await createBackend({ mode: 'browser', configDir: d, version: 'test', autoConnect: false });
    try {
      const notices = backend.activity.list().filter((r) => r.kind === 'notice');
      expect(notices.map((n) => n.error)).toEqual(['STORE_CORRUPT', 'STORE_CORRUPT']);
      expect(notices[0]!.message).toMatch(/hosts\.json could not be read .* kept as .*hosts\.json\.corrupt-.*started with no hosts/);
      expect(notices[1]!.message).toMatch(/settings\.json could not be read .*scrollback/);
    } finally {
      await backend.dispose();
    }
  });

  it('an unreadable hosts.json (EACCES) is PERMISSION_DENIED naming the path, and the file is left as it was', () => {
    const d = dir();
    const file = join(d, 'hosts.json');
    const content = JSON.stringify({ version: 1, hosts: [{ id: 'x', name: 'keep', transport: 'local' }] });
    writeFileSync(file, content, { mode: 0o600 });
    const script = `const { HostStore } = await import(${JSON.stringify(resolve('main/services/host-store.ts'))});
      try { new HostStore(${JSON.stringify(d)}); console.log('OPENED'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const cmd = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    if (process.getuid?.() !== 0) chmodSync(file, 0);
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout.trim())).toEqual({ code: 'PERMISSION_DENIED', message: `Cannot read ${file}: EACCES` });
    chmodSync(file, 0o600);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(readdirSync(d)).toEqual(['hosts.json']);
  });

  it('a directory where settings.json should be is CONFIG_ERROR naming it', () => {
    const d = dir();
    mkdirSync(join(d, 'settings.json'));
    expect(() => new SettingsStore(d)).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR', message: `Cannot read ${join(d, 'settings.json')}: EISDIR` }));
  });
});
