/** ConnectTimeout: a silent server times out; a human answering a prompt does not. */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import { SshConnection } from '../../../main/transport/ssh-connection';
import { makeClientKey, makeTempDir, publicKeyAccepted, ScriptedPrompts, targetConfig, type ClientKey } from './support/fixtures';
import { startTestServer } from './support/test-ssh-server';

let dir: string;
let key: ClientKey;
beforeAll(() => {
  dir = makeTempDir();
  key = makeClientKey(dir, 'id');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('connect timeout', () => {
  it('fails a server that never speaks with TIMEOUT and schedules a retry', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const c = new SshConnection({
      hostId: 't',
      target: targetConfig(port),
      prompts: new ScriptedPrompts(),
      passphrases: new PassphraseCache(),
      appKnownHosts: new AppKnownHostsStore(join(dir, 'app')),
      connectTimeoutMs: 300,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    const t = Date.now();
    const err = await c.connect().catch((e: unknown) => e);
    expect(isVmdeckError(err, 'TIMEOUT')).toBe(true);
    expect(Date.now() - t).toBeLessThan(2000);
    expect(c.state).toBe('failed');
    expect(c.reconnectAt).toBeGreaterThan(Date.now());
    c.dispose();
    expect(c.reconnectAt).toBeUndefined();
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('suspends the timeout while a prompt waits for the user', async () => {
    const s = await startTestServer({ authenticate: (ctx) => (publicKeyAccepted(ctx, [key]) ? ctx.accept() : ctx.reject(['publickey'])) });
    const slowUser = new ScriptedPrompts();
    slowUser.ask = async (p) => {
      slowUser.asked.push(p);
      await new Promise((r) => setTimeout(r, 800));
      return { accept: true };
    };
    const c = new SshConnection({
      hostId: 't',
      target: targetConfig(s.port, { strictHostKeyChecking: 'ask', identityFiles: [key.path] }),
      prompts: slowUser,
      passphrases: new PassphraseCache(),
      appKnownHosts: new AppKnownHostsStore(join(dir, 'app2')),
      connectTimeoutMs: 300,
      autoReconnect: false,
    });
    await c.connect();
    expect(slowUser.asked.map((p) => p.kind)).toEqual(['host-key-unknown']);
    c.dispose();
    await s.close();
  });

  it('a server that gives up while the host-key prompt is open (LoginGraceTime) fails the connect; the late answer is harmless', async () => {
    const s = await startTestServer({ authenticate: (ctx) => (publicKeyAccepted(ctx, [key]) ? ctx.accept() : ctx.reject(['publickey'])) });
    // A TCP relay in front of the server that can hang up like sshd does after LoginGraceTime.
    const relayed: Socket[] = [];
    const relay: Server = createServer((client) => {
      const upstream = createConnection(s.port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      relayed.push(client, upstream);
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const prompts = new ScriptedPrompts();
    prompts.ask = async (p) => {
      prompts.asked.push(p);
      for (const sock of relayed) sock.destroy(); // the server hangs up while the user reads the fingerprint
      await new Promise((r) => setTimeout(r, 300));
      return { accept: true };
    };
    const c = new SshConnection({
      hostId: 't',
      target: targetConfig((relay.address() as { port: number }).port, { strictHostKeyChecking: 'ask', identityFiles: [key.path] }),
      prompts,
      passphrases: new PassphraseCache(),
      appKnownHosts: new AppKnownHostsStore(join(dir, 'app3')),
      autoReconnect: false,
    });
    const err = await c.connect().catch((e: unknown) => e);
    expect(isVmdeckError(err)).toBe(true);
    // The answer arrives after the failure: nothing may throw (it used to throw out of ssh2 and end the process).
    await new Promise((r) => setTimeout(r, 500));
    expect(c.state).toBe('failed');
    c.dispose();
    await new Promise<void>((r) => relay.close(() => r()));
    await s.close();
  });
});
