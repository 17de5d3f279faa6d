/**
 * Authentication and host key verification against an in-process ssh2 server: order of methods,
 * passphrases, keyboard-interactive rounds, and that a bad host key stops everything before any credential
 * is sent.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { sha256Fingerprint } from '../../../main/transport/known-hosts';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import { MemorySecretStore, passwordSecretKey } from '../../../main/transport/secrets';
import type { ResolvedSshConfig } from '../../../main/transport/ssh-config';
import { SshConnection } from '../../../main/transport/ssh-connection';
import { generateHostKey, startTestServer, type TestServer } from './support/test-ssh-server';
import { knownHostsLine, makeClientKey, makeTempDir, publicKeyAccepted, ScriptedPrompts, targetConfig, writeKnownHosts, type ClientKey } from './support/fixtures';
import { failure } from '../../support/failure';

let dir: string;
let good: ClientKey;
let other: ClientKey;
let locked: ClientKey;
const PASSPHRASE = 'correct horse';
const servers: TestServer[] = [];
const connections: SshConnection[] = [];

beforeAll(() => {
  dir = makeTempDir();
  good = makeClientKey(dir, 'good');
  other = makeClientKey(dir, 'other');
  locked = makeClientKey(dir, 'locked', PASSPHRASE);
});
afterEach(async () => {
  for (const c of connections.splice(0)) c.dispose();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function server(opts: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(opts);
  servers.push(s);
  return s;
}

function connection(s: TestServer, prompts: ScriptedPrompts, cfg: Partial<ResolvedSshConfig> = {}, extra: { passphrases?: PassphraseCache; secrets?: MemorySecretStore; store?: AppKnownHostsStore } = {}) {
  const kh = writeKnownHosts(dir, `kh-${s.port}`, [knownHostsLine(s.port, s.hostKeyBlob)]);
  const c = new SshConnection({
    hostId: 'h1',
    target: targetConfig(s.port, { userKnownHostsFiles: [kh], ...cfg }),
    prompts,
    passphrases: extra.passphrases ?? new PassphraseCache(),
    ...(extra.secrets ? { secrets: extra.secrets } : {}),
    appKnownHosts: extra.store ?? new AppKnownHostsStore(join(dir, `app-${s.port}-${Math.random()}`)),
    autoReconnect: false,
  });
  connections.push(c);
  return c;
}


describe('authentication order', () => {
  it('tries none, then identity files, then keyboard-interactive, then password (OpenSSH order)', async () => {
    const methods = ['publickey', 'keyboard-interactive', 'password'];
    const s = await server({
      authenticate: (ctx) => {
        if (ctx.method === 'password' && ctx.password === 'pw') return ctx.accept();
        if (ctx.method === 'keyboard-interactive') return ctx.prompt([{ prompt: 'Password: ', echo: false }], () => ctx.reject(methods as never));
        ctx.reject(methods as never);
      },
    });
    const prompts = new ScriptedPrompts((p) => (p.kind === 'password' ? { accept: true, values: ['pw'] } : { accept: false }));
    const c = connection(s, prompts, { identityFiles: [other.path, good.path, join(dir, 'missing')] });
    const states: string[] = [];
    c.onDidChangeState((st) => states.push(st));
    await c.connect();
    expect(s.attempts.map((a) => a.method)).toEqual(['none', 'publickey', 'publickey', 'keyboard-interactive', 'password']);
    expect(s.attempts.filter((a) => a.method === 'publickey').map((a) => a.keyBlob)).toEqual([other.blob, good.blob]);
    // The keyboard-interactive prompt was declined: no further keyboard-interactive rounds.
    expect(prompts.kinds()).toEqual(['keyboard-interactive', 'password']);
    expect(states).toEqual(['connecting', 'verifying', 'authenticating', 'ready']);
  });

  it('logs in with a key and never asks anything', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [good]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const prompts = new ScriptedPrompts();
    await connection(s, prompts, { identityFiles: [good.path] }).connect();
    expect(prompts.asked).toEqual([]);
    expect(s.attempts.at(-1)).toMatchObject({ method: 'publickey', signed: true });
  });

  it('skips methods the server does not offer', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [good]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const prompts = new ScriptedPrompts();
    const err = await failure(connection(s, prompts, { identityFiles: [other.path] }).connect());
    expect(err.code).toBe('AUTH_FAILED');
    expect(prompts.asked).toEqual([]); // no password/kbd prompts for a publickey-only server
    expect(err.details?.methodsTried).toEqual(['none', `publickey:${other.path}`]);
    expect(err.details?.methodsAllowed).toEqual(['publickey']);
  });

  it('asks for a passphrase, retries a wrong one up to 3 times, and caches it for the app lifetime', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [locked]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const prompts = new ScriptedPrompts((p, i) => (p.kind === 'passphrase' ? { accept: true, values: [i < 2 ? 'wrong' : PASSPHRASE] } : { accept: false }));
    const cache = new PassphraseCache();
    await connection(s, prompts, { identityFiles: [locked.path] }, { passphrases: cache }).connect();
    expect(prompts.kinds()).toEqual(['passphrase', 'passphrase', 'passphrase']);
    expect(prompts.asked[0]!.fields).toEqual([{ label: `Passphrase for ${locked.path}`, secret: true }]);
    expect(prompts.asked[1]!.message).toMatch(/Wrong passphrase/);
    const again = new ScriptedPrompts();
    await connection(s, again, { identityFiles: [locked.path] }, { passphrases: cache }).connect();
    expect(again.asked).toEqual([]);
  });

  it('gives up on a key after 3 wrong passphrases', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [locked]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const prompts = new ScriptedPrompts(() => ({ accept: true, values: ['nope'] }));
    const err = await failure(connection(s, prompts, { identityFiles: [locked.path] }).connect());
    expect(err.code).toBe('AUTH_FAILED');
    expect(prompts.kinds()).toEqual(['passphrase', 'passphrase', 'passphrase']);
  });

  it('relays every prompt of several keyboard-interactive rounds', async () => {
    const s = await server({
      authenticate: (ctx) => {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
        ctx.prompt([{ prompt: 'Password: ', echo: false }, { prompt: 'Token: ', echo: true }], 'Round one', 'Two fields', (a1) => {
          ctx.prompt([{ prompt: 'Second factor: ', echo: false }], 'Round two', '', (a2) => {
            if (a1[0] === 'pw' && a1[1] === 'tok' && a2[0] === '2fa') ctx.accept();
            else ctx.reject();
          });
        });
      },
    });
    const prompts = new ScriptedPrompts((p) => ({ accept: true, values: p.fields!.length === 2 ? ['pw', 'tok'] : ['2fa'] }));
    await connection(s, prompts).connect();
    expect(prompts.asked.map((p) => [p.kind, p.title, p.fields])).toEqual([
      ['keyboard-interactive', 'Round one', [{ label: 'Password: ', secret: true }, { label: 'Token: ', secret: false }]],
      ['keyboard-interactive', 'Round two', [{ label: 'Second factor: ', secret: true }]],
    ]);
  });

  it('remembers a password only when asked to and a secret store exists, and uses it next time', async () => {
    const s = await server({ authenticate: (ctx) => (ctx.method === 'password' && ctx.password === 'pw' ? ctx.accept() : ctx.reject(['password'])) });
    const secrets = new MemorySecretStore();
    const prompts = new ScriptedPrompts(() => ({ accept: true, values: ['pw'], remember: true }));
    await connection(s, prompts, {}, { secrets }).connect();
    expect(prompts.asked[0]!.canRemember).toBe(true);
    expect(await secrets.get(passwordSecretKey('tester', '127.0.0.1', s.port))).toBe('pw');
    const again = new ScriptedPrompts();
    await connection(s, again, {}, { secrets }).connect();
    expect(again.asked).toEqual([]);

    const noStore = new ScriptedPrompts(() => ({ accept: true, values: ['pw'], remember: true }));
    await connection(s, noStore).connect();
    expect(noStore.asked[0]!.canRemember).toBe(false);
  });

  it('fails with AUTH_FAILED listing the methods tried when everything is exhausted', async () => {
    const s = await server({});
    const prompts = new ScriptedPrompts((p) => ({ accept: true, values: (p.fields ?? []).map(() => 'bad') }));
    const c = connection(s, prompts, { identityFiles: [other.path] });
    const err = await failure(c.connect());
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.details?.methodsTried).toEqual([
      'none',
      `publickey:${other.path}`,
      'keyboard-interactive',
      'keyboard-interactive',
      'keyboard-interactive',
      'password',
      'password',
      'password',
    ]);
    expect(c.state).toBe('failed');
    expect(c.error?.code).toBe('AUTH_FAILED');
  });
});

describe('host key verification', () => {
  it('refuses a changed key with HOST_KEY_MISMATCH and both fingerprints, before any authentication attempt', async () => {
    const s = await server({ authenticate: (ctx) => ctx.accept() });
    const wrong = generateHostKey();
    const kh = writeKnownHosts(dir, 'kh-wrong', [knownHostsLine(s.port, wrong.blob)]);
    const prompts = new ScriptedPrompts(() => ({ accept: true, replace: true, values: ['x'] }));
    const c = connection(s, prompts, { userKnownHostsFiles: [kh], identityFiles: [good.path] });
    const err = await failure(c.connect());
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    expect(err.details).toMatchObject({ expectedFingerprint: sha256Fingerprint(wrong.blob), actualFingerprint: sha256Fingerprint(s.hostKeyBlob), keyType: 'ssh-ed25519' });
    expect(s.attempts).toEqual([]); // not even "none"
    expect(prompts.asked).toEqual([]); // no prompt unless the caller opted in
    expect(c.state).toBe('failed');
    expect(c.reconnectAt).toBeUndefined();
  });

  it('raises a host-key-mismatch prompt only on an explicit replace action, and replace:true stores the new key', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [good]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const wrong = generateHostKey();
    const kh = writeKnownHosts(dir, 'kh-wrong2', [knownHostsLine(s.port, wrong.blob)]);
    const store = new AppKnownHostsStore(join(dir, 'app-replace'));
    const declines = new ScriptedPrompts(() => ({ accept: true }));
    expect((await failure(connection(s, declines, { userKnownHostsFiles: [kh] }, { store }).connect({ allowReplaceHostKey: true }))).code).toBe('HOST_KEY_MISMATCH');
    expect(declines.asked[0]).toMatchObject({ kind: 'host-key-mismatch', fingerprint: sha256Fingerprint(s.hostKeyBlob), expectedFingerprint: sha256Fingerprint(wrong.blob) });

    const replaces = new ScriptedPrompts(() => ({ accept: true, replace: true }));
    await connection(s, replaces, { userKnownHostsFiles: [kh], identityFiles: [good.path] }, { store }).connect({ allowReplaceHostKey: true });
    // The user's file is untouched; the app store now vouches for the new key.
    expect(store.entries().map((e) => e.key)).toEqual([s.hostKeyBlob]);
    const later = new ScriptedPrompts();
    await connection(s, later, { userKnownHostsFiles: [kh], identityFiles: [good.path] }, { store }).connect();
    expect(later.asked).toEqual([]);
  });

  it('asks about an unknown key (fingerprint and type), records it when accepted', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [good]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const store = new AppKnownHostsStore(join(dir, 'app-unknown'));
    const prompts = new ScriptedPrompts(() => ({ accept: true }));
    await connection(s, prompts, { userKnownHostsFiles: [], strictHostKeyChecking: 'ask', identityFiles: [good.path] }, { store }).connect();
    expect(prompts.asked[0]).toMatchObject({ kind: 'host-key-unknown', fingerprint: sha256Fingerprint(s.hostKeyBlob), keyType: 'ssh-ed25519' });
    expect(store.entries()).toHaveLength(1);
  });

  it('declining an unknown key fails with HOST_KEY_UNKNOWN and sends nothing', async () => {
    const s = await server({ authenticate: (ctx) => ctx.accept() });
    const prompts = new ScriptedPrompts(() => ({ accept: false }));
    const err = await failure(connection(s, prompts, { userKnownHostsFiles: [], strictHostKeyChecking: 'ask' }).connect());
    expect(err.code).toBe('HOST_KEY_UNKNOWN');
    expect(s.attempts).toEqual([]);
  });

  it('StrictHostKeyChecking=yes refuses an unknown key; accept-new records it without asking', async () => {
    const s = await server({ authenticate: (ctx) => (publicKeyAccepted(ctx, [good]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const prompts = new ScriptedPrompts(() => ({ accept: true }));
    expect((await failure(connection(s, prompts, { userKnownHostsFiles: [], strictHostKeyChecking: 'yes' }).connect())).code).toBe('HOST_KEY_UNKNOWN');
    const store = new AppKnownHostsStore(join(dir, 'app-acceptnew'));
    await connection(s, prompts, { userKnownHostsFiles: [], strictHostKeyChecking: 'accept-new', identityFiles: [good.path] }, { store }).connect();
    expect(prompts.asked).toEqual([]);
    expect(store.entries()).toHaveLength(1);
  });

  it('stops at a @revoked key with HOST_KEY_REVOKED', async () => {
    const s = await server({ authenticate: (ctx) => ctx.accept() });
    const kh = writeKnownHosts(dir, 'kh-revoked', [`@revoked ${knownHostsLine(s.port, s.hostKeyBlob)}`, knownHostsLine(s.port, s.hostKeyBlob)]);
    const err = await failure(connection(s, new ScriptedPrompts(), { userKnownHostsFiles: [kh] }).connect());
    expect(err.code).toBe('HOST_KEY_REVOKED');
    expect(s.attempts).toEqual([]);
  });
});
