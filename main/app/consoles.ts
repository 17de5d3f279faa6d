/** Console sessions wired to the host registry: runners, drivers and guest state come from each host's session. */
import { VmdeckError } from '../core/errors';
import { ConsoleService, type ConsoleSink } from '../services/consoles/console-service';
import type { HostRegistry } from '../services/host-registry';
import type { SettingsStore } from '../services/settings-store';

export interface ConsolesDeps {
  registry: HostRegistry;
  settings: SettingsStore;
  /** Delivers a console event to its owning client. */
  sink: ConsoleSink;
  logDir: string;
}

export function createConsoles(deps: ConsolesDeps): ConsoleService {
  const { registry } = deps;
  return new ConsoleService({
    runnerFor: (hostId) => {
      const s = registry.session(hostId);
      if (s.link.state !== 'ready') throw new VmdeckError('NOT_CONNECTED', `${s.config.name} is not connected`, { host: s.config.name });
      return s.link.runner;
    },
    driverFor: (hostId) => {
      const s = registry.session(hostId);
      if (!s.driver) throw new VmdeckError('NOT_CONNECTED', `${s.config.name} is not connected`, { host: s.config.name });
      return s.driver;
    },
    guest: (hostId, uuid) => registry.guest(hostId, uuid),
    onGuestsChanged: registry.onDidChangeGuests,
    refreshGuests: async (hostId) => {
      await registry.session(hostId).inventory?.refresh(true);
    },
    sink: deps.sink,
    settings: () => deps.settings.get(),
    logDir: deps.logDir,
    hostLabel: (hostId) => {
      try {
        return registry.session(hostId).config.name;
      } catch {
        return hostId;
      }
    },
  });
}
