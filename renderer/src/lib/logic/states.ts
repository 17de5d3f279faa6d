import type { Guest, GuestState } from '../../../../main/core/models';
import type { ConnectionState } from '../../../../main/core/contract';
import { GUEST_STATE_LABEL } from '../../../../main/core/filter';

/** The display words are the filter's vocabulary (main/core/filter.ts): what is shown can be typed. */
export { GUEST_STATE_LABEL, countsAsRunning } from '../../../../main/core/filter';

/** A state as the screen shows it. */
export const stateLabel = (s: GuestState | string): string => (GUEST_STATE_LABEL as Record<string, string>)[s] ?? s;

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

export const GUEST_STATE_TONE: Record<GuestState, Tone> = {
  running: 'ok',
  blocked: 'ok',
  paused: 'warn',
  shutdown: 'busy',
  shutoff: 'idle',
  crashed: 'bad',
  dying: 'busy',
  pmsuspended: 'warn',
  unknown: 'idle',
};

export const CONNECTION_LABEL: Record<ConnectionState, string> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting…',
  verifying: 'Verifying host key…',
  authenticating: 'Authenticating…',
  ready: 'Connected',
  failed: 'Failed',
};

export const CONNECTION_TONE: Record<ConnectionState, Tone> = {
  disconnected: 'idle',
  connecting: 'busy',
  verifying: 'busy',
  authenticating: 'busy',
  ready: 'ok',
  failed: 'bad',
};

/**
 * What in a guest's row says its configuration (as guests.details reports it) may have changed: its state,
 * domain, sizes, name, persistence. Statistics are left out: they change on every refresh.
 */
export function detailsSignature(g: Pick<Guest, 'state' | 'domId' | 'vcpus' | 'maxVcpus' | 'maxMemoryKiB' | 'name' | 'persistent' | 'autostart' | 'hasManagedSave'>): string {
  // Running and idle are one state here: a guest flips between them all the time without any change.
  const state = g.state === 'blocked' ? 'running' : g.state;
  return [state, g.domId, g.vcpus, g.maxVcpus, g.maxMemoryKiB, g.name, g.persistent, g.autostart, g.hasManagedSave].join('|');
}
