/**
 * A host's connection as the services see it: a state machine plus a CommandRunner whose commands and
 * channels all travel over it. The SSH transport and the local runner both provide one.
 */
import type { ConnectionState, HostConfig } from '../core/contract';
import type { ErrorData } from '../core/errors';
import type { Disposable, Event } from '../core/lifecycle';
import type { CommandRecord, CommandRunner } from '../core/runner';
import type { TunnelOpener } from '../core/tunnel';

export interface HostLink extends Disposable {
  readonly runner: CommandRunner;
  /** Byte tunnels to addresses on the host over the same connection (displays); absent: relay through the runner. */
  readonly tunnels?: TunnelOpener;
  readonly state: ConnectionState;
  /** Why the link is failed (or why it last dropped). */
  readonly error: ErrorData | undefined;
  /** Epoch ms of the next automatic reconnection attempt, if one is scheduled. */
  readonly reconnectAt: number | undefined;
  readonly warnings: readonly string[];
  readonly onDidChangeState: Event<ConnectionState>;
  readonly onCommand: Event<CommandRecord>;
  /** Resolves once ready; rejects with the typed error that failed it. */
  connect(options?: { allowReplaceHostKey?: boolean }): Promise<void>;
  /** Closes the connection and stops reconnecting, until connect() is called again. */
  disconnect(): void;
}

export type HostLinkFactory = (config: HostConfig) => HostLink;
