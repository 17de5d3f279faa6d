import type { VmdeckApi } from '../../../../main/core/contract';
import type { GuestsState } from '../state/guests.svelte';
import type { HostsState } from '../state/hosts.svelte';

/** hosts.changed / hosts.removed onto HostsState (a removed host also drops its guests). */
export function bindHosts(api: VmdeckApi, hosts: HostsState, guests: GuestsState, onError: (e: unknown) => void): () => void {
  const offs = [
    api.on('hosts.changed', (v) => hosts.upsert(v)),
    api.on('hosts.removed', ({ id }) => {
      hosts.remove(id);
      guests.removeHost(id);
    }),
  ];
  api['hosts.list']().then((list) => hosts.load(list), onError);
  return () => offs.forEach((off) => off());
}
