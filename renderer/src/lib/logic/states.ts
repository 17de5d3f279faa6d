import type { GuestState } from '../../../../main/core/models';
import type { ConnectionState } from '../../../../main/core/contract';

export type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

export const GUEST_STATE_LABEL: Record<GuestState, string> = {
  running: 'Running',
  blocked: 'Running (idle)',
  paused: 'Paused',
  shutdown: 'Shutting down',
  shutoff: 'Shut off',
  crashed: 'Crashed',
  dying: 'Dying',
  pmsuspended: 'Suspended',
  unknown: 'Unknown',
};

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
