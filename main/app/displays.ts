/** Displays wired to the host registry: drivers and guest state from each host's session, tunnels over its link. */
import { VmdeckError } from '../core/errors';
import type { TunnelOpener } from '../core/tunnel';
import { DisplayService, type DisplaySink } from '../services/displays/display-service';
import type { HostRegistry } from '../services/host-registry';
import { openRelayTunnel } from '../transport/ssh-forward';

export function createDisplays(deps: { registry: HostRegistry; sink: DisplaySink }): DisplayService {
  const { registry } = deps;
  const tunnelsFor = (hostId: string): TunnelOpener => {
    const s = registry.session(hostId);
    const link = s.link;
    if (link.state !== 'ready') throw new VmdeckError('NOT_CONNECTED', `${s.config.name} is not connected`, { host: s.config.name });
    // SSH links forward over their connection; others (the local host) relay through their runner.
    return link.tunnels ?? { open: (endpoint) => openRelayTunnel(link.runner, endpoint) };
  };
  return new DisplayService({
    driverFor: (hostId) => {
      const s = registry.session(hostId);
      if (!s.driver) throw new VmdeckError('NOT_CONNECTED', `${s.config.name} is not connected`, { host: s.config.name });
      return s.driver;
    },
    tunnelsFor,
    guest: (hostId, uuid) => registry.guest(hostId, uuid),
    refreshGuests: async (hostId) => {
      await registry.session(hostId).inventory?.refresh(true);
    },
    sink: deps.sink,
    hostLabel: (hostId) => {
      try {
        return registry.session(hostId).config.name;
      } catch {
        return hostId;
      }
    },
  });
}
