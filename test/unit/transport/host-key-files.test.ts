// Host keys: a host known by another key type that offers a new type is said to be so in the prompt (and is
// never accepted silently); a known_hosts file that cannot be read is an error naming it, never "no keys".
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { HostKeyVerifier } from '../../../main/transport/host-key-verifier';
import { formatKnownHostLine, readKnownHostsFile } from '../../../main/transport/known-hosts';
import { failure } from '../../support/failure';
import { ScriptedPrompts } from './support/fixtures';

let dir: string;
const blob = (name: string, type: string) => {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path]);
  return Buffer.from(readFileSync(`${path}.pub`, 'utf8').split(' ')[1]!, 'base64');
};
let rsa: Buffer;
let ed: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vmdeck-hk-'));
  chmodSync(dir, 0o755);
  rsa = blob('rsa', 'rsa');
  ed = blob('ed', 'ed25519');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verifier(policy: 'ask' | 'accept-new' | 'yes', prompts: ScriptedPrompts, userFiles: string[], app = new AppKnownHostsStore(join(dir, `app-${Math.random()}`))) {
  return new HostKeyVerifier({ hostId: 'h', host: 'kvm9', port: 22, policy, userKnownHostsFiles: userFiles, globalKnownHostsFiles: [], appStore: app, prompts });
}

describe('a host known by another key type', () => {
  it('is not shown as a brand-new host: title and message say which type is known', async () => {
    const kh = join(dir, 'kh-rsa');
    writeFileSync(kh, `${formatKnownHostLine('kvm9', 22, rsa)}\n`);
    const prompts = new ScriptedPrompts(() => ({ accept: true }));
    await verifier('ask', prompts, [kh]).verify(ed);
    expect(prompts.asked).toHaveLength(1);
    expect(prompts.asked[0]!.title).toBe('New ssh-ed25519 key for known host kvm9');
    expect(prompts.asked[0]!.message).toMatch(/known by its ssh-rsa key, but now offers a ssh-ed25519 key, for which no key is recorded/);
  });

  it('also when the other type was accepted in vmdeck (app store)', async () => {
    const app = new AppKnownHostsStore(join(dir, 'app-known'));
    app.add('kvm9', 22, rsa);
    const prompts = new ScriptedPrompts(() => ({ accept: false }));
    await failure(verifier('ask', prompts, [], app).verify(ed));
    expect(prompts.asked[0]!.message).toMatch(/known by its ssh-rsa key/);
  });

  it('is asked about under accept-new instead of accepted silently', async () => {
    const kh = join(dir, 'kh-rsa2');
    writeFileSync(kh, `${formatKnownHostLine('kvm9', 22, rsa)}\n`);
    const prompts = new ScriptedPrompts(() => ({ accept: false }));
    expect((await failure(verifier('accept-new', prompts, [kh]).verify(ed))).code).toBe('HOST_KEY_UNKNOWN');
    expect(prompts.kinds()).toEqual(['host-key-unknown']);
    // A host with no key at all is still accepted-new silently.
    const none = new ScriptedPrompts();
    expect((await verifier('accept-new', none, []).verify(ed)).how).toBe('accepted-new');
    expect(none.asked).toHaveLength(0);
  });

  it('a brand-new host keeps the plain prompt', async () => {
    const prompts = new ScriptedPrompts(() => ({ accept: true }));
    await verifier('ask', prompts, []).verify(ed);
    expect(prompts.asked[0]!.title).toBe('Unknown host kvm9');
  });
});

describe('unreadable known_hosts files', () => {
  it('a missing file has no keys; a directory in its place is CONFIG_ERROR naming the path', () => {
    expect(readKnownHostsFile(join(dir, 'missing')).entries).toEqual([]);
    const d = join(dir, 'is-a-dir');
    mkdirSync(d);
    expect(() => readKnownHostsFile(d)).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR', message: `Cannot read ${d}: EISDIR` }));
  });

  it('fails the verification (not "unknown host") and the app store refuses to overwrite what it cannot read', async () => {
    const d = join(dir, 'dir-kh');
    mkdirSync(d, { recursive: true });
    const prompts = new ScriptedPrompts(() => ({ accept: true }));
    const e = await failure(verifier('ask', prompts, [d]).verify(ed));
    expect(e.code).toBe('CONFIG_ERROR');
    expect(e.message).toContain(d);
    expect(prompts.asked).toHaveLength(0);
    const appDir = join(dir, 'app-dir');
    mkdirSync(appDir);
    expect(() => new AppKnownHostsStore(appDir).add('kvm9', 22, ed)).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR' }));
  });

  it('EACCES (a file of another user) is PERMISSION_DENIED naming the path and the cause', () => {
    const file = join(dir, 'root-only');
    writeFileSync(file, `${formatKnownHostLine('kvm9', 22, rsa)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    const script = `import { readKnownHostsFile } from ${JSON.stringify(resolve('main/transport/known-hosts.ts'))};
try { readKnownHostsFile(${JSON.stringify(file)}); console.log('READ'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const asOther = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    if (process.getuid?.() !== 0) chmodSync(file, 0o000);
    const r = spawnSync(asOther[0]!, [...asOther.slice(1), '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: resolve('.') });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual({ code: 'PERMISSION_DENIED', message: `Cannot read ${file}: EACCES` });
  });
});
