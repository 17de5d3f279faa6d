import type { VmdeckApi } from '../../../../main/core/contract';
import type { GuestDiff } from '../../../../main/core/models';
import type { GuestsState } from '../state/guests.svelte';

/**
 * guests.diff onto GuestsState. Diffs that arrive while the initial list is loading are queued and
 * applied after it, so the older snapshot cannot overwrite newer changes.
 */
export function bindGuests(api: VmdeckApi, guests: GuestsState, onError: (e: unknown) => void): () => void {
  let queued: GuestDiff[] | null = [];
  const off = api.on('guests.diff', (d) => {
    if (queued) queued.push(d);
    else guests.applyDiff(d);
  });
  api['guests.list']().then(
    (list) => {
      guests.load(list);
      for (const d of queued ?? []) guests.applyDiff(d);
      queued = null;
    },
    (e) => {
      for (const d of queued ?? []) guests.applyDiff(d);
      queued = null;
      onError(e);
    },
  );
  return off;
}
