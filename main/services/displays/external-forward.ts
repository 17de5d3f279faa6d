/**
 * The external-viewer path: a TCP listener on 127.0.0.1 only (never another address), accepting one client
 * at a time; each client gets its own tunnel to the guest's display over the host's connection. Closing
 * the forward closes the listener, the client and the tunnel.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { VmdeckError } from '../../core/errors';
import type { Disposable } from '../../core/lifecycle';
import type { ByteTunnel } from '../../core/tunnel';

export interface ExternalForwardOptions {
  /** Opens a tunnel to the display as it listens now (resolved per client: the port may have moved). */
  openTunnel(): Promise<ByteTunnel>;
  /** 0 (default): any free port. */
  port?: number;
  onClientError?(e: unknown): void;
}

export class ExternalForward implements Disposable {
  private client: { socket: Socket; tunnel?: ByteTunnel } | undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: ExternalForwardOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(options: ExternalForwardOptions): Promise<ExternalForward> {
    const server = createServer({ pauseOnConnect: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new VmdeckError(e.code === 'EADDRINUSE' ? 'ALREADY_EXISTS' : 'INTERNAL', `Could not listen on 127.0.0.1:${options.port ?? 0}: ${e.message}`)),
      );
      server.listen({ host: '127.0.0.1', port: options.port ?? 0, exclusive: true }, () => {
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
    return new ExternalForward(server, port, options);
  }

  get address(): string {
    return `vnc://127.0.0.1:${this.port}`;
  }

  get hasClient(): boolean {
    return this.client !== undefined;
  }

  private accept(socket: Socket): void {
    if (this.closed || this.client) {
      socket.destroy(); // one client at a time
      return;
    }
    const entry: { socket: Socket; tunnel?: ByteTunnel } = { socket };
    this.client = entry;
    const drop = () => {
      if (this.client === entry) this.client = undefined;
      entry.tunnel?.close();
      socket.destroy();
    };
    socket.on('error', () => undefined);
    socket.once('close', drop);
    this.options
      .openTunnel()
      .then((tunnel) => {
        if (this.client !== entry) {
          tunnel.close();
          return;
        }
        entry.tunnel = tunnel;
        tunnel.onData((chunk) => {
          if (!socket.write(chunk)) tunnel.pause();
        });
        socket.on('drain', () => tunnel.resume());
        tunnel.onClose(drop);
        socket.on('data', (chunk: Buffer) => tunnel.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
        socket.resume();
      })
      .catch((e: unknown) => {
        this.options.onClientError?.(e);
        drop();
      });
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    const c = this.client;
    this.client = undefined;
    c?.tunnel?.close();
    c?.socket.destroy();
  }
}
