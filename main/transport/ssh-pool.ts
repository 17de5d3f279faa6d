/**
 * ConnectionManager: one SshConnection (and its runner) per host id, created from the host's configuration
 * resolved through the OpenSSH client config. `SshHostLink` has the shape the services expect of a host
 * link (state, error, reconnectAt, warnings, events, connect/disconnect, runner).
 */
import type { ConnectionState, HostConfig } from '../core/contract';
import { VmdeckError, type ErrorData } from '../core/errors';
import { DisposableStore, type Disposable, type Event } from '../core/lifecycle';
import type { CommandRecord } from '../core/runner';
import { AppKnownHostsStore } from './app-known-hosts-store';
import type { BackoffPolicy } from './backoff';
import type { Clock } from '../core/clock';
import { PassphraseCache } from './passphrase-cache';
import type { PromptBroker } from './prompts';
import type { SecretStore } from './secrets';
import { SshConfigResolver, type ResolvedSshConfig, type SshConfigEnvironment } from './ssh-config';
import { SshConnection, type ConnectOptions, type StateChange } from './ssh-connection';
import { SshTunnelOpener } from './ssh-forward';
import { SshCommandRunner } from './ssh-runner';

export interface ConnectionManagerOptions {
  prompts: PromptBroker;
  secrets?: SecretStore;
  /** Shared across hosts for the app's lifetime (a key is unlocked once). */
  passphrases?: PassphraseCache;
  /** vmdeck's own known_hosts file. */
  appKnownHostsPath: string;
  /** How ssh_config is read (home, local user, environment, files). */
  sshConfig: SshConfigEnvironment;
  /** Extra known_hosts files trusted like ~/.ssh/known_hosts (e.g. a test lab's). */
  extraKnownHosts?: readonly string[];
  clock?: Clock;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  maxSessions?: number;
  backoff?: BackoffPolicy;
  defaultTimeoutMs?: number;
}

/** A host's connection and runner, as the services consume them. */
export class SshHostLink implements Disposable {
  readonly runner: SshCommandRunner;
  readonly onDidChangeState: Event<ConnectionState>;
  readonly onStateChange: Event<StateChange>;
  readonly onCommand: Event<CommandRecord>;

  /** Display tunnels over this connection (forwards, or the exec relay where sshd refuses them). */
  readonly tunnels: SshTunnelOpener;

  constructor(readonly connection: SshConnection, runner: SshCommandRunner) {
    this.runner = runner;
    this.tunnels = new SshTunnelOpener(connection, runner);
    this.onDidChangeState = connection.onDidChangeState;
    this.onStateChange = connection.onStateChange;
    this.onCommand = runner.onCommand;
  }

  get state(): ConnectionState {
    return this.connection.state;
  }
  get error(): ErrorData | undefined {
    return this.connection.error;
  }
  get reconnectAt(): number | undefined {
    return this.connection.reconnectAt;
  }
  get warnings(): readonly string[] {
    return this.connection.warnings;
  }
  connect(options?: ConnectOptions): Promise<void> {
    return this.connection.connect(options);
  }
  disconnect(): void {
    this.connection.disconnect();
  }
  dispose(): void {
    this.runner.dispose();
    this.connection.dispose();
  }
}

export class ConnectionManager implements Disposable {
  private readonly links = new Map<string, SshHostLink>();
  private readonly passphrases: PassphraseCache;
  private readonly appKnownHosts: AppKnownHostsStore;

  constructor(private readonly options: ConnectionManagerOptions) {
    this.passphrases = options.passphrases ?? new PassphraseCache();
    this.appKnownHosts = new AppKnownHostsStore(options.appKnownHostsPath);
  }

  /** The resolved target and jump hosts for a host configuration (no connection made). */
  resolve(config: Pick<HostConfig, 'name' | 'address' | 'user' | 'port' | 'identityFile' | 'sshConfigFile' | 'proxyJump'>): { target: ResolvedSshConfig; jumpHosts: ResolvedSshConfig[] } {
    const resolver = this.resolverFor(config.sshConfigFile);
    const alias = config.address ?? config.name;
    const target = this.withExtraKnownHosts(
      resolver.resolve(alias, {
        ...(config.user !== undefined ? { user: config.user } : {}),
        ...(config.port !== undefined ? { port: config.port } : {}),
        ...(config.identityFile !== undefined ? { identityFile: config.identityFile } : {}),
        ...(config.proxyJump !== undefined ? { proxyJump: config.proxyJump } : {}),
      }),
    );
    // Each hop is resolved through the same configuration; its own ProxyJump is not followed.
    const jumpHosts = target.proxyJump.map((hop) =>
      this.withExtraKnownHosts(
        resolver.resolve(hop.host, { ...(hop.user !== undefined ? { user: hop.user } : {}), ...(hop.port !== undefined ? { port: hop.port } : {}), proxyJump: 'none' }),
      ),
    );
    return { target, jumpHosts };
  }

  /** Creates the host's link (not connected yet); replaces and disposes an existing one. */
  add(config: HostConfig): SshHostLink {
    if (config.transport !== 'ssh') throw new VmdeckError('INVALID_ARGUMENT', `host ${config.name} does not use SSH`);
    this.remove(config.id);
    const { target, jumpHosts } = this.resolve(config);
    const o = this.options;
    const connection = new SshConnection({
      hostId: config.id,
      target,
      jumpHosts,
      prompts: o.prompts,
      ...(o.secrets ? { secrets: o.secrets } : {}),
      passphrases: this.passphrases,
      appKnownHosts: this.appKnownHosts,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      ...(o.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: o.keepaliveIntervalMs } : {}),
      ...(o.keepaliveCountMax !== undefined ? { keepaliveCountMax: o.keepaliveCountMax } : {}),
      ...(o.maxSessions !== undefined ? { maxSessions: o.maxSessions } : {}),
      ...(o.backoff ? { backoff: o.backoff } : {}),
    });
    const runner = new SshCommandRunner(connection, {
      label: config.name,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.defaultTimeoutMs !== undefined ? { defaultTimeoutMs: o.defaultTimeoutMs } : {}),
    });
    const link = new SshHostLink(connection, runner);
    this.links.set(config.id, link);
    return link;
  }

  get(hostId: string): SshHostLink | undefined {
    return this.links.get(hostId);
  }

  runnerFor(hostId: string): SshCommandRunner {
    const link = this.links.get(hostId);
    if (!link) throw new VmdeckError('NOT_FOUND', `no connection for host ${hostId}`);
    return link.runner;
  }

  remove(hostId: string): void {
    const link = this.links.get(hostId);
    if (!link) return;
    this.links.delete(hostId);
    link.dispose();
  }

  dispose(): void {
    const store = new DisposableStore();
    for (const link of this.links.values()) store.add(link);
    this.links.clear();
    store.dispose();
  }

  private resolverFor(sshConfigFile: string | undefined): SshConfigResolver {
    const env = this.options.sshConfig;
    return new SshConfigResolver(sshConfigFile === undefined ? env : { ...env, files: [{ path: sshConfigFile }] });
  }

  private withExtraKnownHosts(r: ResolvedSshConfig): ResolvedSshConfig {
    const extra = this.options.extraKnownHosts ?? [];
    return extra.length === 0 ? r : { ...r, userKnownHostsFiles: [...r.userKnownHostsFiles, ...extra] };
  }
}
