/**
 * A misbehaving SSH host of the project's own: an ssh2 server on 127.0.0.1 (random port, its own host key)
 * that authenticates normally (publickey) and, while healthy, runs each exec through a real local `sh -c`
 * (so `virsh -c test:///default` answers like a libvirt host). A fault switch (or a per-command rule) makes it
 * misbehave in one specific way:
 *
 *   never-confirm-open   session and direct-tcpip (ProxyJump) channel opens are never confirmed (nor refused)
 *   no-close             commands run and report their exit, but the channel is never closed by the host
 *   endless-line         every command streams one line that never ends (no newline, never exits)
 *   gigabytes            every command streams newline-terminated data without end (bounded by `streamLimit`)
 *   garbage              every command answers random bytes with exit 0
 *   truncated            every command answers the first part of its real output with exit 0
 *   drop-mid-reply       every command answers part of its real output, then the TCP connection is dropped
 *   stall-kex            new TCP connections get no SSH banner: the key exchange never starts
 *   control-sequences    real output with every guest name and stderr line carrying terminal control sequences
 *
 * Memory on this side stays bounded too: streaming faults honour the channel's backpressure.
 */
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ServerChannel } from 'ssh2';

export const FAULTS = ['never-confirm-open', 'no-close', 'endless-line', 'gigabytes', 'garbage', 'truncated', 'drop-mid-reply', 'stall-kex', 'control-sequences'] as const;
export type Fault = (typeof FAULTS)[number];

/** What the control-sequences fault appends to every guest name and stderr line: CSI, OSC title, C1 CSI, BEL. */
export const CONTROL_PAYLOAD = '\x1b[2J\x1b]0;owned\x07\u009b31m\x9b\x07\x7f';

export interface HostileHostOptions {
  /** Public key blobs (SSH wire format) allowed to log in. */
  authorizedKeys: Buffer[];
  /** Decides the fault per command (wins over the switch); undefined = the switch. */
  commandFault?: (command: string) => Fault | 'none' | undefined;
  /** Upper bound of bytes a streaming fault sends on one channel (default 4 GiB). */
  streamLimit?: number;
  /** Environment of the commands run while healthy. */
  env?: Record<string, string | undefined>;
}

export interface HostileHost {
  readonly port: number;
  readonly hostKeyBlob: Buffer;
  /** "[127.0.0.1]:port ssh-ed25519 AAAA..." */
  readonly knownHostsLine: string;
  /** The fault switch ('none' = behave). */
  fault: Fault | 'none';
  /** Counters for assertions. */
  readonly stats: { connections: number; sessions: number; bytesStreamed: number; openSessions: number };
  dropAll(): void;
  close(): Promise<void>;
}

function hostKey(): { privateKey: string; blob: Buffer } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(pair.public);
    if (parsed instanceof Error || ssh2.utils.parseKey(pair.private) instanceof Error) continue;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return { privateKey: pair.private, blob: key.getPublicSSH() };
  }
}

export async function startHostileHost(options: HostileHostOptions): Promise<HostileHost> {
  const key = hostKey();
  const sockets = new Set<Socket>();
  const streamLimit = options.streamLimit ?? 4 * 1024 ** 3;
  const host: HostileHost = {
    port: 0,
    hostKeyBlob: key.blob,
    knownHostsLine: '',
    fault: 'none',
    stats: { connections: 0, sessions: 0, bytesStreamed: 0, openSessions: 0 },
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      host.dropAll();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  const faultFor = (command: string): Fault | 'none' => options.commandFault?.(command) ?? host.fault;

  const ssh = new ssh2.Server({ hostKeys: [key.privateKey] }, (client: Connection) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx: AuthContext) => {
      if (ctx.method === 'publickey' && options.authorizedKeys.some((k) => k.equals(ctx.key.data))) {
        if (ctx.signature === undefined) return ctx.accept();
        const parsed = ssh2.utils.parseKey(ctx.key.data);
        const pk = parsed instanceof Error ? undefined : Array.isArray(parsed) ? parsed[0] : parsed;
        return pk && pk.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject(['publickey']);
      }
      ctx.reject(['publickey']);
    });
    // The no-close fault: the host never sends CHANNEL_CLOSE (not even in answer to ours).
    const protocol = (client as unknown as { _protocol: { channelClose(id: number): void } })._protocol;
    const channelClose = protocol.channelClose.bind(protocol);
    protocol.channelClose = (id: number) => {
      if (host.fault !== 'no-close') channelClose(id);
    };
    client.on('ready', () => {
      // ProxyJump: forwards direct-tcpip while healthy; under never-confirm-open the request is never answered.
      client.on('tcpip', (accept, reject, info) => {
        if (host.fault === 'never-confirm-open') return;
        const upstream = connect(info.destPort, info.destIP);
        upstream.once('error', () => reject());
        upstream.once('connect', () => {
          const ch = accept();
          ch.on('error', () => undefined);
          ch.pipe(upstream).pipe(ch);
        });
      });
      client.on('session', (accept) => {
        if (host.fault === 'never-confirm-open') return; // neither accept nor reject
        const session = accept();
        host.stats.sessions++;
        host.stats.openSessions++;
        let open = true;
        session.on('close', () => {
          if (open) host.stats.openSessions--;
          open = false;
        });
        session.on('pty', (acc) => acc?.());
        session.on('window-change', (acc) => acc?.());
        session.on('exec', (acc, _rej, info) => {
          const stream = acc();
          stream.on('error', () => undefined);
          serve(stream, info.command, faultFor(info.command), client);
        });
      });
    });
  });

  function serve(stream: ServerChannel, command: string, fault: Fault | 'none', client: Connection): void {
    switch (fault) {
      case 'endless-line':
        return pump(stream, () => 'a'.repeat(64 * 1024));
      case 'gigabytes':
        return pump(stream, () => `${'g'.repeat(1023)}\n`.repeat(64));
      case 'garbage': {
        const junk = Buffer.concat([Buffer.from('<domain><name>\x00'), randomBytes(4096), Buffer.from('{"a":[1,')]);
        stream.write(junk);
        return finish(stream, 0);
      }
      case 'truncated':
      case 'drop-mid-reply':
        return runReal(stream, command, (out) => out.subarray(0, Math.floor(out.length / 2)), (s) => {
          if (fault === 'drop-mid-reply') {
            (client as unknown as { _sock: Socket })._sock.destroy();
            return;
          }
          finish(s, 0);
        });
      case 'control-sequences':
        return runReal(stream, command, (out) => Buffer.from(out.toString('utf8').replace(/\btest\b(?!:)/g, `test${CONTROL_PAYLOAD}`)), (s, code, err) => {
          s.stderr.write(`${err}warning: ${CONTROL_PAYLOAD} from the host\n`);
          finish(s, code);
        });
      default:
        return runReal(stream, command, (out) => out, (s, code, err) => {
          s.stderr.write(err);
          finish(s, code);
        });
    }
  }

  /** Writes chunks while the channel takes them (backpressure), until the limit or the channel closes. */
  function pump(stream: ServerChannel, chunk: () => string): void {
    let sent = 0;
    let stopped = false;
    stream.on('close', () => (stopped = true));
    const go = () => {
      while (!stopped && sent < streamLimit) {
        const c = chunk();
        sent += c.length;
        host.stats.bytesStreamed += c.length;
        if (!stream.write(c)) return void stream.once('drain', go);
      }
    };
    go();
  }

  function runReal(stream: ServerChannel, command: string, shape: (out: Buffer) => Buffer, done: (s: ServerChannel, code: number, stderr: string) => void): void {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...(options.env ?? {}) } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    stream.pipe(child.stdin).on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    stream.on('close', () => child.kill('SIGKILL'));
    child.on('close', (code) => {
      try {
        stream.write(shape(Buffer.concat(out)));
        done(stream, code ?? 1, Buffer.concat(err).toString('utf8'));
      } catch {
        // the channel is gone
      }
    });
  }

  function finish(stream: ServerChannel, code: number): void {
    try {
      stream.exit(code);
      stream.end();
    } catch {
      // the channel is gone
    }
  }

  const tcp: NetServer = createServer((socket) => {
    host.stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (host.fault === 'stall-kex') return; // accept TCP, never send the SSH banner
    ssh.injectSocket(socket);
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const port = (tcp.address() as AddressInfo).port;
  const type = key.blob.subarray(4, 4 + key.blob.readUInt32BE(0)).toString();
  Object.assign(host, { port, knownHostsLine: `[127.0.0.1]:${port} ${type} ${key.blob.toString('base64')}` });
  return host;
}
