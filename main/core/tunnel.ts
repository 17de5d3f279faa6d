/**
 * A byte tunnel from the workstation to an address on a hypervisor host (a guest's VNC display), over the
 * host's one SSH connection. Three paths, tried in this order:
 *  - `direct-tcpip`: an SSH port forward to a TCP listen address (ssh2 `forwardOut`);
 *  - `streamlocal`: an SSH forward to a UNIX socket (`direct-streamlocal@openssh.com`);
 *  - `exec-relay`: where sshd forbids forwarding, a session channel running a relay made of the host's stock
 *    tools (`python3` for TCP and UNIX sockets, else bash's `/dev/tcp` for TCP); see display-relay.ts.
 */
import type { Disposable } from './lifecycle';
import type { DisplayEndpoint } from './models';

export type TunnelPath = 'direct-tcpip' | 'streamlocal' | 'exec-relay';

export interface ByteTunnel extends Disposable {
  readonly path: TunnelPath;
  /** exec-relay only: the host tool that relays ("python3", "bash /dev/tcp"), once known. */
  readonly relayTool: string | undefined;
  onData(listener: (chunk: Uint8Array) => void): Disposable;
  /** Fires once when the tunnel ends (either side closed it, or the connection dropped). */
  onClose(listener: () => void): Disposable;
  write(data: Uint8Array): void;
  /** Stops reading (the SSH window stops growing, the display server blocks). */
  pause(): void;
  resume(): void;
  close(): void;
  readonly closed: boolean;
}

export interface TunnelOptions {
  /** Skip the SSH forwards and relay through an exec channel (tests; hosts known to forbid forwarding). */
  forceRelay?: boolean;
}

export interface TunnelOpener {
  open(endpoint: DisplayEndpoint, options?: TunnelOptions): Promise<ByteTunnel>;
}
