/**
 * Builds each host's link: an SSH connection resolved through ssh_config (main/transport), or the local
 * machine. Every command a link runs is recorded in the activity log.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostConfig } from '../core/contract';
import type { Disposable } from '../core/lifecycle';
import type { HostLink, HostLinkFactory } from '../services/host-link';
import type { ActivityLog } from '../services/activity-log';
import { LocalHostLink } from '../transport/local-host-link';
import { PassphraseCache } from '../transport/passphrase-cache';
import type { PromptBroker } from '../transport/prompts';
import type { SecretStore } from '../transport/secrets';
import { systemSshConfigEnvironment } from '../transport/ssh-config-environment';
import { ConnectionManager } from '../transport/ssh-pool';

export interface HostLinkDeps {
  configDir: string;
  prompts: PromptBroker;
  activity: ActivityLog;
  secrets?: SecretStore;
  extraKnownHosts?: string[];
  homeDir?: string;
  /** Keepalive tuning (tests shorten it). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface HostLinkFactoryWithLifetime extends Disposable {
  create: HostLinkFactory;
}

/** The SSH connections of the given dependencies (one per host id), resolved through ssh_config. */
export function createConnectionManager(deps: HostLinkDeps): ConnectionManager {
  return new ConnectionManager({
    prompts: deps.prompts,
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
    passphrases: new PassphraseCache(),
    appKnownHostsPath: join(deps.configDir, 'known_hosts'),
    sshConfig: systemSshConfigEnvironment({ homeDir: deps.homeDir ?? homedir() }),
    ...(deps.extraKnownHosts ? { extraKnownHosts: deps.extraKnownHosts } : {}),
    ...(deps.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: deps.keepaliveIntervalMs } : {}),
    ...(deps.keepaliveCountMax !== undefined ? { keepaliveCountMax: deps.keepaliveCountMax } : {}),
  });
}

export function createHostLinkFactory(deps: HostLinkDeps): HostLinkFactory {
  const manager = createConnectionManager(deps);
  return (config: HostConfig): HostLink => {
    const link: HostLink = config.transport === 'local' ? new LocalHostLink() : manager.add(config);
    return recordActivity(link, config.id, deps.activity);
  };
}

/** The same link, with its commands copied into the activity log until it is disposed. */
function recordActivity(link: HostLink, hostId: string, activity: ActivityLog): HostLink {
  const sub = link.onCommand((r) => activity.add({ ...r, hostId }));
  return {
    get runner() {
      return link.runner;
    },
    get state() {
      return link.state;
    },
    get error() {
      return link.error;
    },
    get reconnectAt() {
      return link.reconnectAt;
    },
    get warnings() {
      return link.warnings;
    },
    ...(link.tunnels ? { tunnels: link.tunnels } : {}),
    onDidChangeState: link.onDidChangeState,
    onCommand: link.onCommand,
    connect: (options) => link.connect(options),
    disconnect: () => link.disconnect(),
    dispose: () => {
      sub.dispose();
      link.dispose();
    },
  };
}
