/** Console sessions wired to the host registry: runners, drivers and guest state come from each host's session. */
import { VmdeckError } from '../core/errors';
import { ConsoleService, type ConsoleSink } from '../services/consoles/console-service';
import type { ActivityLog } from '../services/activity-log';
import type { HostRegistry } from '../services/host-registry';
import type { SettingsStore } from '../services/settings-store';

export interface ConsolesDeps {
  registry: HostRegistry;
  settings: SettingsStore;
  /** Delivers a console event to its owning client. */
  sink: ConsoleSink;
  logDir: string;
  /** Receives the toolstack noise cut from consoles (kept there as a note). */
  activity?: ActivityLog;
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
    onNoise: (info, line) =>
      deps.activity?.add({
        hostId: info.hostId,
        argv: ['console', info.guestName, ...(info.device ? [info.device] : [])],
        startedAt: Date.now(),
        durationMs: 0,
        exitCode: null,
        kind: 'stream',
        guestName: info.guestName,
        guestUuid: info.uuid,
        note: `toolstack output, not shown in the terminal: ${line}`,
      }),
    hostLabel: (hostId) => {
      try {
        return registry.session(hostId).config.name;
      } catch {
        return hostId;
      }
    },
  });
}
