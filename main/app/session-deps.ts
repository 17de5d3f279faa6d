/** How a host session finds its toolstack and driver, and how often it polls. */
import type { HostSessionDeps } from '../services/host-session';
import type { SettingsStore } from '../services/settings-store';
import { createDriver, detectToolstack } from '../hypervisors/detect';

/** `watch: false` (the CLI) takes one snapshot per command and opens no event stream. */
export function createSessionDeps(settings: SettingsStore, options: { watch?: boolean } = {}): HostSessionDeps {
  return {
    watch: options.watch ?? true,
    detect: (runner, config) =>
      detectToolstack(runner, { toolstack: config.toolstack, ...(config.libvirtUri ? { libvirtUri: config.libvirtUri } : {}) }),
    createDriver: (runner, detection) => createDriver(runner, detection),
    // A host's own interval wins; hosts without one follow the default setting (main/app/backend.ts
    // re-applies it when the setting changes).
    pollIntervalMs: (config) => 1000 * (config.pollIntervalSec ?? settings.get().pollIntervalSec),
  };
}
