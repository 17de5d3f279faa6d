// Display tunnels: forwards on the SSH connection, the fallback relay where sshd says "administratively
// prohibited", and the relay script itself run for real (python3, and bash's /dev/tcp without python3)
// against a local TCP echo server and a UNIX socket.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayRelayArgv, relayToolFromStderr } from '../../../main/core/display-relay';
import type { DisplayEndpoint } from '../../../main/core/models';
import type { CommandRunner } from '../../../main/core/runner';
import type { ByteTunnel } from '../../../main/core/tunnel';
import { LocalCommandRunner } from '../../../main/transport/local-runner';
import { openRelayTunnel, SshTunnelOpener } from '../../../main/transport/ssh-forward';
import type { SshConnection } from '../../../main/transport/ssh-connection';
import { FakeRunner } from '../hypervisors/fake-runner';

function echoServer(listen: number | string): Promise<Server> {
  const srv = createServer((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d]))));
  return new Promise((resolve) => srv.listen(listen, () => resolve(srv)));
}

async function roundTrip(t: ByteTunnel, text: string): Promise<string> {
  let got = '';
  t.onData((c) => (got += Buffer.from(c).toString()));
  t.write(Buffer.from(text));
  const end = Date.now() + 10_000;
  while (!got.includes(text) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return got;
}

describe('display relay (run for real on this machine)', () => {
  let tcp: Server;
  let unix: Server;
  let sock: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'vmdeck-relay-'));
  beforeAll(async () => {
    tcp = await echoServer(0);
    sock = path.join(dir, 'vnc.sock');
    unix = await echoServer(sock);
  });
  afterAll(() => {
    tcp.close();
    unix.close();
  });
  const tcpEndpoint = (): DisplayEndpoint => ({ kind: 'tcp', host: '127.0.0.1', port: (tcp.address() as { port: number }).port });

  it('python3 relays TCP and UNIX sockets and says so; closing the tunnel ends the relay', async () => {
    const runner = new LocalCommandRunner();
    for (const endpoint of [tcpEndpoint(), { kind: 'unix', path: sock } as const]) {
      const t = await openRelayTunnel(runner, endpoint);
      expect(t.path).toBe('exec-relay');
      expect(t.relayTool).toBe('python3');
      expect(await roundTrip(t, 'RFB 003.008\n')).toBe('echo:RFB 003.008\n');
      t.close();
      await new Promise<void>((r) => t.onClose(r));
    }
  });

  it("without python3, bash's /dev/tcp relays TCP", async () => {
    // A PATH with only the shell tools a stock host has (no python3).
    const bin = mkdtempSync(path.join(tmpdir(), 'vmdeck-nopy-'));
    for (const tool of ['sh', 'bash', 'cat', 'env']) symlinkSync(`/usr/bin/${tool}`.replace('/usr/bin/sh', '/bin/sh'), path.join(bin, tool));
    const local = new LocalCommandRunner();
    const runner: CommandRunner = {
      label: 'no-python',
      exec: (argv, o) => local.exec(argv, o),
      stream: (argv, o) => local.stream(['/usr/bin/env', `PATH=${bin}`, ...argv], o),
    };
    const t = await openRelayTunnel(runner, tcpEndpoint());
    expect(t.relayTool).toBe('bash /dev/tcp');
    expect(await roundTrip(t, 'hello')).toBe('echo:hello');
    t.close();
  });

  it('a display that does not listen: the relay ends and the open fails', async () => {
    const t = await openRelayTunnel(new LocalCommandRunner(), { kind: 'unix', path: path.join(dir, 'nothing.sock') });
    await new Promise<void>((r) => t.onClose(r)); // python3 could not connect
    expect(t.closed).toBe(true);
  });

  it('argv: the target is passed as arguments, never inside the script', () => {
    const argv = displayRelayArgv({ kind: 'unix', path: "/x/it's $(evil)" });
    expect(argv.at(-1)).toBe("/x/it's $(evil)");
    expect(argv.at(-2)).toBe('unix');
    expect(argv.slice(0, -2).join(' ')).not.toContain('evil');
    expect(relayToolFromStderr('vmdeck-relay: python3\nTraceback')).toBe('python3');
    expect(relayToolFromStderr('nothing')).toBeUndefined();
  });
});

describe('SshTunnelOpener', () => {
  const fakeConnection = (err: (Error & { reason?: number }) | null) =>
    ({
      hostId: 'h1',
      whenReady: async () => ({
        forwardOut: (_a: string, _b: number, _h: string, _p: number, cb: (e: Error | null, ch?: unknown) => void) => cb(err),
        openssh_forwardOutStreamLocal: (_p: string, cb: (e: Error | null, ch?: unknown) => void) => cb(err),
      }),
    }) as unknown as SshConnection;

  it('falls back to the exec relay where sshd prohibits forwarding, and remembers it for the next open', async () => {
    const prohibited = Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), { reason: 1 });
    const runner = new FakeRunner(() => ({}));
    const opener = new SshTunnelOpener(fakeConnection(prohibited), runner);
    const opening = opener.open({ kind: 'tcp', host: '127.0.0.1', port: 5900 });
    await new Promise((r) => setTimeout(r, 20));
    expect(runner.streams).toHaveLength(1);
    expect(runner.streams[0]!.argv.slice(-3)).toEqual(['tcp', '127.0.0.1', '5900']);
    (runner.streams[0] as unknown as { errData: { fire(b: Uint8Array): void } }).errData.fire(Buffer.from('vmdeck-relay: python3\n'));
    const t = await opening;
    expect(t.path).toBe('exec-relay');
    expect(t.relayTool).toBe('python3');
  });

  it('nothing listening (connect failed) is UNREACHABLE, not a relay', async () => {
    const refused = Object.assign(new Error('(SSH) Channel open failure: Connection refused'), { reason: 2 });
    const runner = new FakeRunner(() => ({}));
    const e = await new SshTunnelOpener(fakeConnection(refused), runner).open({ kind: 'unix', path: '/x.sock' }).catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('UNREACHABLE');
    expect(runner.streams).toHaveLength(0);
  });
});
