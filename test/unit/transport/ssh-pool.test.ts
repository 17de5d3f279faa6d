import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../main/core/contract';
import { isVmdeckError } from '../../../main/core/errors';
import type { HostLink } from '../../../main/services/host-link';
import { LocalHostLink } from '../../../main/transport/local-host-link';
import { ConnectionManager } from '../../../main/transport/ssh-pool';
import { knownHostsLine, makeClientKey, makeTempDir, publicKeyAccepted, ScriptedPrompts, type ClientKey } from './support/fixtures';
import { startTestServer, type TestServer } from './support/test-ssh-server';

let dir: string;
let key: ClientKey;
let s: TestServer;

beforeAll(async () => {
  dir = makeTempDir();
  key = makeClientKey(dir, 'id');
  s = await startTestServer({ authenticate: (ctx) => (publicKeyAccepted(ctx, [key]) ? ctx.accept() : ctx.reject(['publickey'])) });
  writeFileSync(join(dir, 'known_hosts'), `${knownHostsLine(s.port, s.hostKeyBlob)}\n`);
  writeFileSync(
    join(dir, 'ssh_config'),
    `Host box\n  HostName 127.0.0.1\n  Port ${s.port}\n  User tester\n  IdentityFile ${key.path}\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n  StrictHostKeyChecking no\n`,
  );
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const host = (id: string, extra: Partial<HostConfig> = {}): HostConfig => ({
  id,
  name: `name-${id}`,
  transport: 'ssh',
  address: 'box',
  toolstack: 'auto',
  pollIntervalSec: 5,
  autoConnect: true,
  ...extra,
});

describe('ConnectionManager', () => {
  it('creates one link per host id from the resolved configuration, and releases it on remove', async () => {
    const m = new ConnectionManager({
      prompts: new ScriptedPrompts(),
      appKnownHostsPath: join(dir, 'app_known_hosts'),
      sshConfig: { homeDir: dir, localUser: 'me', localHostname: 'desk', env: {}, files: [{ path: join(dir, 'ssh_config') }] },
    });
    const link = m.add(host('a'));
    const asHostLink: HostLink = link; // the shape the services consume
    expect(asHostLink.state).toBe('disconnected');
    expect(link.warnings.join()).toMatch(/StrictHostKeyChecking=no is refused/);
    await link.connect();
    expect((await m.runnerFor('a').exec(['echo', 'hi'])).stdout).toBe('hi\n');
    expect(m.runnerFor('a').label).toBe('name-a');

    const before = s.connections;
    const b = m.add(host('b'));
    await b.connect();
    expect(s.connections).toBe(before + 1);

    m.remove('a');
    expect(link.state).toBe('disconnected');
    expect(() => m.runnerFor('a')).toThrow();
    try {
      m.runnerFor('a');
    } catch (e) {
      expect(isVmdeckError(e, 'NOT_FOUND')).toBe(true);
    }
    m.dispose();
    expect(b.state).toBe('disconnected');
  });

  it('resolves explicit host fields over ssh_config, and ProxyJump hops through the same config', () => {
    const m = new ConnectionManager({
      prompts: new ScriptedPrompts(),
      appKnownHostsPath: join(dir, 'app_known_hosts'),
      sshConfig: { homeDir: dir, localUser: 'me', localHostname: 'desk', env: {}, files: [{ path: join(dir, 'ssh_config') }] },
      extraKnownHosts: ['/lab/known_hosts'],
    });
    const { target, jumpHosts } = m.resolve(host('c', { user: 'other', proxyJump: 'ops@box:2222' }));
    expect(target).toMatchObject({ hostName: '127.0.0.1', user: 'other', port: s.port });
    expect(target.userKnownHostsFiles).toEqual([join(dir, 'known_hosts'), '/lab/known_hosts']);
    expect(jumpHosts).toHaveLength(1);
    expect(jumpHosts[0]).toMatchObject({ hostName: '127.0.0.1', user: 'ops', port: 2222, proxyJump: [] });
    m.dispose();
  });
});

describe('LocalHostLink', () => {
  it('is ready once connected and runs commands locally', async () => {
    const link: HostLink = new LocalHostLink();
    const states: string[] = [];
    link.onDidChangeState((st) => states.push(st));
    await link.connect();
    expect((await link.runner.exec(['echo', 'local'])).stdout).toBe('local\n');
    link.disconnect();
    expect(states).toEqual(['ready', 'disconnected']);
    link.dispose();
  });
});
