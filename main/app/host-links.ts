/** Builds each host's link (SSH or local). Wired to main/transport. */
import type { HostConfig } from '../core/contract';
import type { HostLinkFactory } from '../services/host-link';
import type { ActivityLog } from '../services/activity-log';
import type { PromptBroker } from '../transport/prompts';
import type { SecretStore } from '../transport/secrets';
import { VmdeckError } from '../core/errors';

export interface HostLinkDeps {
  configDir: string;
  prompts: PromptBroker;
  activity: ActivityLog;
  secrets?: SecretStore;
  extraKnownHosts?: string[];
  homeDir?: string;
}

export function createHostLinkFactory(_deps: HostLinkDeps): HostLinkFactory {
  return (_config: HostConfig) => {
    throw new VmdeckError('UNSUPPORTED', 'transport not wired yet');
  };
}
