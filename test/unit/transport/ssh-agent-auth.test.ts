/** Agent authentication with a real ssh-agent: order, IdentitiesOnly filtering, and a missing agent. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import type { ResolvedSshConfig } from '../../../main/transport/ssh-config';
import { SshConnection } from '../../../main/transport/ssh-connection';
import { knownHostsLine, makeClientKey, makeTempDir, publicKeyAccepted, ScriptedPrompts, targetConfig, writeKnownHosts, type ClientKey } from './support/fixtures';
import { startTestServer, type TestServer } from './support/test-ssh-server';

let dir: string;
let agentKey: ClientKey;
let fileKey: ClientKey;
let agent: ChildProcess;
let sock: string;
let s: TestServer;
const owned: SshConnection[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  agentKey = makeClientKey(dir, 'in-agent');
  fileKey = makeClientKey(dir, 'on-disk');
  sock = join(dir, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      if (statSync(sock).isSocket()) break;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(spawnSync('ssh-add', [agentKey.path], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status).toBe(0);
});
afterEach(async () => {
  for (const c of owned.splice(0)) c.dispose();
  await s?.close();
});
afterAll(() => {
  agent.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(accept: ClientKey[], cfg: Partial<ResolvedSshConfig>) {
  s = await startTestServer({ authenticate: (ctx) => (publicKeyAccepted(ctx, accept) ? ctx.accept() : ctx.reject(['publickey'])) });
  const kh = writeKnownHosts(dir, `kh-${s.port}`, [knownHostsLine(s.port, s.hostKeyBlob)]);
  const c = new SshConnection({
    hostId: 'a',
    target: targetConfig(s.port, { userKnownHostsFiles: [kh], ...cfg }),
    prompts: new ScriptedPrompts(),
    passphrases: new PassphraseCache(),
    appKnownHosts: new AppKnownHostsStore(join(dir, `app-${s.port}`)),
    autoReconnect: false,
  });
  owned.push(c);
  return c.connect();
}

describe('agent authentication', () => {
  it('tries the agent before identity files', async () => {
    await connect([agentKey, fileKey], { identityAgent: sock, identityFiles: [fileKey.path] });
    const offered = s.attempts.filter((a) => a.method === 'publickey').map((a) => a.keyBlob);
    expect(offered[0]).toEqual(agentKey.blob);
    expect(offered.some((b) => b!.equals(fileKey.blob))).toBe(false);
  });

  it('with IdentitiesOnly, offers only agent keys that match an IdentityFile', async () => {
    await expect(connect([agentKey], { identityAgent: sock, identityFiles: [fileKey.path], identitiesOnly: true })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const offered = s.attempts.filter((a) => a.method === 'publickey').map((a) => a.keyBlob!);
    expect(offered.some((b) => b.equals(agentKey.blob))).toBe(false);
    await s.close();
    // The agent's key listed as IdentityFile: allowed through the agent.
    await connect([agentKey], { identityAgent: sock, identityFiles: [agentKey.path], identitiesOnly: true });
  });

  it('skips an unreachable agent and goes on with key files', async () => {
    await connect([fileKey], { identityAgent: join(dir, 'no-agent.sock'), identityFiles: [fileKey.path] });
    expect(s.attempts.at(-1)).toMatchObject({ method: 'publickey', signed: true });
  });
});
