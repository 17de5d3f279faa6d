/**
 * libvirt's numeric domain states and state reasons (virDomainState, virDomain*Reason in
 * libvirt-domain.h) mapped to GuestState and to the words `virsh domstate --reason` prints.
 */
import type { GuestState } from '../models';

const STATES: readonly GuestState[] = [
  'unknown', // 0 VIR_DOMAIN_NOSTATE
  'running', // 1
  'blocked', // 2
  'paused', // 3
  'shutdown', // 4 being shut down
  'shutoff', // 5
  'crashed', // 6
  'pmsuspended', // 7
];

const REASONS: Readonly<Record<number, readonly string[]>> = {
  0: ['unknown'],
  1: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'migration canceled', 'save canceled', 'event wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  2: ['unknown'],
  3: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog', 'from snapshot', 'shutting down', 'creating snapshot', 'crashed', 'starting up', 'post-copy', 'post-copy failed', 'api error'],
  4: ['unknown', 'user'],
  5: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  6: ['unknown', 'panicked'],
  7: ['unknown'],
};

export function libvirtStateFromCode(code: number): GuestState {
  return STATES[code] ?? 'unknown';
}

/** The reason in words, or undefined for "unknown" (which says nothing) and codes newer than this table. */
export function libvirtReasonWords(state: number, reason: number): string | undefined {
  const word = REASONS[state]?.[reason];
  return word === undefined || word === 'unknown' ? undefined : word;
}

/** The state words of `virsh list` / `virsh dominfo` / `virsh domstate`. */
const STATE_WORDS: Readonly<Record<string, GuestState>> = {
  'no state': 'unknown',
  running: 'running',
  idle: 'blocked',
  blocked: 'blocked',
  paused: 'paused',
  'in shutdown': 'shutdown',
  'shut off': 'shutoff',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
};

export const LIBVIRT_STATE_WORDS: readonly string[] = Object.keys(STATE_WORDS);

export function libvirtStateFromWords(words: string): GuestState | undefined {
  return STATE_WORDS[words.trim().toLowerCase()];
}
