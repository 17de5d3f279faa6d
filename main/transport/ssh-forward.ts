/**
 * Tunnels to a display on the host over the host's existing SSH connection (no second connection, no
 * local port): `forwardOut` for TCP, `openssh_forwardOutStreamLocal` for UNIX sockets, and an exec-channel
 * relay (core/display-relay.ts) where sshd refuses forwarding ("administratively prohibited"). A refusal
 * is remembered per connection and kind, so later opens go straight to the relay.
 * Forward channels are not session channels: they do not count against MaxSessions.
 */
import type { ClientChannel } from 'ssh2';
import { displayRelayArgv, relayToolFromStderr } from '../core/display-relay';
import { VmdeckError } from '../core/errors';
import { Emitter, type Disposable } from '../core/lifecycle';
import type { DisplayEndpoint } from '../core/models';
import type { CommandRunner, CommandStream } from '../core/runner';
import type { ByteTunnel, TunnelOpener, TunnelOptions, TunnelPath } from '../core/tunnel';
import type { SshConnection } from './ssh-connection';

/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1). */
const PROHIBITED = 1;

export class SshTunnelOpener implements TunnelOpener {
  private readonly refused = new Set<DisplayEndpoint['kind']>();

  constructor(
    private readonly connection: SshConnection,
    private readonly runner: CommandRunner,
  ) {}

  async open(endpoint: DisplayEndpoint, options: TunnelOptions = {}): Promise<ByteTunnel> {
    if (!options.forceRelay && !this.refused.has(endpoint.kind)) {
      try {
        return await this.forward(endpoint);
      } catch (e) {
        if ((e as { reason?: unknown }).reason !== PROHIBITED) throw forwardError(e, endpoint, this.connection.hostId);
        this.refused.add(endpoint.kind);
      }
    }
    return openRelayTunnel(this.runner, endpoint);
  }

  private async forward(endpoint: DisplayEndpoint): Promise<ByteTunnel> {
    const client = await this.connection.whenReady();
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      if (endpoint.kind === 'tcp') client.forwardOut('127.0.0.1', 0, endpoint.host, endpoint.port, (err, ch) => (err ? reject(err) : resolve(ch)));
      else client.openssh_forwardOutStreamLocal(endpoint.path, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
    return new ChannelTunnel(channel, endpoint.kind === 'tcp' ? 'direct-tcpip' : 'streamlocal');
  }
}

function forwardError(e: unknown, endpoint: DisplayEndpoint, host: string): VmdeckError {
  if (e instanceof VmdeckError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const where = endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.path;
  // SSH_OPEN_CONNECT_FAILED: nothing listens there (the guest stopped, the port moved).
  if ((e as { reason?: unknown }).reason === 2) return new VmdeckError('UNREACHABLE', `Nothing listens on ${where} on ${host}`, { host, notes: [message] });
  return new VmdeckError('COMMAND_FAILED', `Could not open a tunnel to ${where} on ${host}: ${message}`, { host });
}

abstract class TunnelBase implements ByteTunnel {
  protected readonly dataEmitter = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<void>();
  private isClosed = false;
  abstract readonly path: TunnelPath;
  abstract readonly relayTool: string | undefined;

  get closed(): boolean {
    return this.isClosed;
  }
  onData(listener: (chunk: Uint8Array) => void): Disposable {
    return this.dataEmitter.event(listener);
  }
  onClose(listener: () => void): Disposable {
    if (this.isClosed) {
      queueMicrotask(listener);
      return { dispose: () => undefined };
    }
    return this.closeEmitter.event(listener);
  }
  protected markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeEmitter.fire();
    this.closeEmitter.dispose();
    this.dataEmitter.dispose();
  }
  abstract write(data: Uint8Array): void;
  abstract pause(): void;
  abstract resume(): void;
  abstract close(): void;
  dispose(): void {
    this.close();
  }
}

class ChannelTunnel extends TunnelBase {
  readonly relayTool = undefined;

  constructor(
    private readonly channel: ClientChannel,
    readonly path: TunnelPath,
  ) {
    super();
    channel.on('data', (chunk: Buffer) => this.dataEmitter.fire(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    channel.on('error', () => undefined);
    channel.once('close', () => this.markClosed());
    // The display closing its side ends the tunnel (ssh2 does not close a forward on EOF by itself).
    channel.once('end', () => this.close());
  }
  write(data: Uint8Array): void {
    if (!this.closed) this.channel.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  pause(): void {
    this.channel.pause();
  }
  resume(): void {
    this.channel.resume();
  }
  close(): void {
    if (this.closed) return;
    try {
      this.channel.close();
    } catch {
      this.channel.destroy();
    }
  }
}

class RelayTunnel extends TunnelBase {
  readonly path = 'exec-relay' as const;
  private stderr = '';

  constructor(private readonly stream: CommandStream) {
    super();
    stream.onData((c) => this.dataEmitter.fire(c));
    stream.onStderr((c) => {
      if (this.stderr.length < 4096) this.stderr += new TextDecoder().decode(c);
    });
    stream.onClose(() => this.markClosed());
  }
  get relayTool(): string | undefined {
    return relayToolFromStderr(this.stderr);
  }
  /** What the relay said on stderr (why it ended, when it did). */
  get diagnostics(): string {
    return this.stderr;
  }
  write(data: Uint8Array): void {
    this.stream.write(data);
  }
  pause(): void {
    this.stream.pause();
  }
  resume(): void {
    this.stream.resume();
  }
  close(): void {
    this.stream.close();
  }
}

/** A relay tunnel on any runner (SSH session channel, or a local process for the local host). */
export async function openRelayTunnel(runner: CommandRunner, endpoint: DisplayEndpoint, timeoutMs = 15_000): Promise<ByteTunnel> {
  const tunnel = new RelayTunnel(await runner.stream(displayRelayArgv(endpoint)));
  // The relay names its tool on stderr before it connects: wait for that, or for its end.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      tunnel.close();
      reject(new VmdeckError('TIMEOUT', `The display relay on ${runner.label} did not start`));
    }, timeoutMs);
    const check = setInterval(() => {
      if (tunnel.relayTool !== undefined || tunnel.closed) {
        clearTimeout(timer);
        clearInterval(check);
        if (tunnel.relayTool !== undefined) resolve();
        else reject(relayFailed(runner.label, tunnel.diagnostics));
      }
    }, 10);
  });
  return tunnel;
}

function relayFailed(host: string, stderr: string): VmdeckError {
  const text = stderr.trim();
  if (/neither python3 nor bash/.test(text)) return new VmdeckError('UNSUPPORTED', `${host} forbids SSH forwarding and has no python3 or bash to relay the display`, { stderr: text });
  return new VmdeckError('COMMAND_FAILED', `The display relay on ${host} ended: ${text || 'no output'}`, { host, stderr: text });
}
