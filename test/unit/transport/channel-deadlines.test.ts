/**
 * Every wait on the network races a deadline and the abort signal, and ends by dropping the channel (or the
 * connection) and freeing its session slot: against a host that never confirms a channel open, never
 * closes a channel, or (as a jump host) never answers a forwarding request.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { CLOSE_GRACE_MS, SshConnection, STUCK_CHANNEL_LIMIT } from '../../../main/transport/ssh-connection';
import { SshCommandRunner } from '../../../main/transport/ssh-runner';
import { startHostileHost, type HostileHost } from '../../lab/hostile/hostile-host';
import { failure } from '../../support/failure';
import { makeClientKey, makeTempDir, ScriptedPrompts, targetConfig, writeKnownHosts, type ClientKey } from './support/fixtures';

let dir: string;
let key: ClientKey;
let host: HostileHost;
let jump: HostileHost | undefined;
const owned: { dispose(): void }[] = [];

beforeAll(() => {
  dir = makeTempDir();
  key = makeClientKey(dir, 'id');
});
afterEach(async () => {
  for (const o of owned.splice(0)) o.dispose();
  await host?.close();
  await jump?.close();
  jump = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setup(opts: { maxSessions?: number; viaJump?: boolean; connectTimeoutMs?: number; channelOpenTimeoutMs?: number } = {}) {
  host = await startHostileHost({ authorizedKeys: [key.blob] });
  const lines = [host.knownHostsLine];
  if (opts.viaJump) {
    jump = await startHostileHost({ authorizedKeys: [key.blob] });
    lines.push(jump.knownHostsLine);
  }
  const kh = writeKnownHosts(dir, `kh-${host.port}`, lines);
  const connection = new SshConnection({
    hostId: 'hostile',
    target: targetConfig(host.port, { userKnownHostsFiles: [kh], identityFiles: [key.path] }),
    ...(jump ? { jumpHosts: [targetConfig(jump.port, { userKnownHostsFiles: [kh], identityFiles: [key.path] })] } : {}),
    prompts: new ScriptedPrompts(),
    passphrases: new PassphraseCache(),
    appKnownHosts: new AppKnownHostsStore(join(dir, `app-${host.port}`)),
    autoReconnect: false,
    ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
    ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.channelOpenTimeoutMs ? { channelOpenTimeoutMs: opts.channelOpenTimeoutMs } : {}),
  });
  const runner = new SshCommandRunner(connection, { label: 'hostile', defaultOpenTimeoutMs: 400 });
  owned.push(runner, connection);
  return { connection, runner };
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; value: T }> {
  const t = Date.now();
  const value = await p;
  return { ms: Date.now() - t, value };
}

describe('channel open that the host never confirms', () => {
  it('fails the exec with TIMEOUT at its deadline and frees the slot, so a full host does not block', async () => {
    const { connection, runner } = await setup({ maxSessions: 2 });
    await connection.connect();
    host.fault = 'never-confirm-open';
    // Two at once fill every slot; without the race they would hold them forever.
    const { ms, value: errors } = await timed(Promise.all([failure(runner.exec(['true'], { timeoutMs: 300 })), failure(runner.exec(['true'], { timeoutMs: 300 }))]));
    expect(errors.map((e) => e.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(ms).toBeLessThan(5_000);
    expect(connection.channelStats.open).toBe(0);
    host.fault = 'none';
    expect((await runner.exec(['echo', 'back'], { timeoutMs: 5_000 })).stdout).toBe('back\n');
  });

  it('has its own open deadline, shorter than a long command timeout', async () => {
    const { connection, runner } = await setup({ channelOpenTimeoutMs: 300 });
    await connection.connect();
    host.fault = 'never-confirm-open';
    const { ms, value: err } = await timed(failure(runner.exec(['true'], { timeoutMs: 120_000 })));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/did not confirm a channel within 300 ms/);
    expect(ms).toBeLessThan(3_000);
    expect(connection.channelStats.open).toBe(0);
  });

  it('fails a stream open with TIMEOUT and frees the slot', async () => {
    const { connection, runner } = await setup();
    await connection.connect();
    host.fault = 'never-confirm-open';
    const err = await failure(runner.stream(['virsh', 'event', '--loop']));
    expect(err.code).toBe('TIMEOUT');
    expect(connection.channelStats.open).toBe(0);
  });

  it(`replaces the connection after ${STUCK_CHANNEL_LIMIT} unanswered opens in a row (DISCONNECTED)`, async () => {
    const { connection, runner } = await setup();
    await connection.connect();
    host.fault = 'never-confirm-open';
    for (let i = 0; i < STUCK_CHANNEL_LIMIT; i++) await failure(runner.exec(['true'], { timeoutMs: 150 }));
    expect(connection.state).toBe('failed');
    expect(connection.error?.code).toBe('DISCONNECTED');
    host.fault = 'none';
    await connection.connect();
    expect((await runner.exec(['echo', 'ok'])).stdout).toBe('ok\n');
    expect(connection.connectCount).toBe(2);
  });
});

describe('a host that never closes its channels', () => {
  it('completes a command that reported its exit within the close grace, and frees the slot', async () => {
    const { connection, runner } = await setup();
    await connection.connect();
    host.fault = 'no-close';
    const { ms, value } = await timed(runner.exec(['echo', 'done'], { timeoutMs: 30_000 }));
    expect(value.stdout).toBe('done\n');
    expect(ms).toBeLessThan(CLOSE_GRACE_MS + 2_000);
    expect(connection.channelStats.open).toBe(0);
  });

  it('fails a timed-out command with TIMEOUT although the host never confirms our close', async () => {
    const { connection, runner } = await setup();
    await connection.connect();
    host.fault = 'no-close';
    const { ms, value: err } = await timed(failure(runner.exec(['sleep', '30'], { timeoutMs: 300 })));
    expect(err.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(300 + CLOSE_GRACE_MS + 2_000);
    expect(connection.channelStats.open).toBe(0);
  });
});

describe('ProxyJump through a jump host that never answers the forwarding request', () => {
  it('fails the connect with TIMEOUT, and the next connect is a new attempt that succeeds', async () => {
    await setup({ viaJump: true, connectTimeoutMs: 500 });
    const { connection, runner } = { connection: owned[1] as SshConnection, runner: owned[0] as SshCommandRunner };
    jump!.fault = 'never-confirm-open';
    const { ms, value: err } = await timed(failure(connection.connect()));
    expect(err.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(5_000);
    jump!.fault = 'none';
    await connection.connect();
    expect((await runner.exec(['echo', 'through'])).stdout).toBe('through\n');
  });

  it('is cancelled by disconnect() while waiting for the jump host', async () => {
    await setup({ viaJump: true, connectTimeoutMs: 60_000 });
    const connection = owned[1] as SshConnection;
    jump!.fault = 'never-confirm-open';
    const attempt = failure(connection.connect());
    await new Promise((r) => setTimeout(r, 500));
    connection.disconnect();
    const { ms, value: err } = await timed(attempt);
    expect(err.code).toBe('CANCELLED');
    expect(ms).toBeLessThan(2_000);
  });
});
