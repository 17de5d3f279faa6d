/**
 * What a console session attaches to: one guest's console on one host. The session asks it for the guest
 * as the inventory knows it now, waits on it for the guest to be running again, and opens channels
 * through it. `guest-console-target.ts` builds one from a runner, a driver and the inventory.
 */
import type { Guest, GuestState } from '../../core/models';
import type { CommandStream } from '../../core/runner';

export interface TerminalSize {
  rows: number;
  cols: number;
}

export interface ConsoleTarget {
  /** "host/guest", for messages. */
  readonly label: string;
  /** The guest as known now; undefined when the host does not list it (stopped Xen domains are unlisted). */
  guest(): Guest | undefined;
  /** Resolves with the guest once it can be attached to; rejects CANCELLED when `signal` aborts. */
  waitForAttachable(signal: AbortSignal): Promise<Guest>;
  /**
   * Optional: brings the guest's state up to date now (one inventory refresh). Called when a channel ends
   * unexpectedly, so that a reboot's new domain is seen before deciding how to reattach.
   */
  refresh?(): Promise<void>;
  /** Opens the console channel in a PTY of this size, for the guest as it is now (fresh domain id). */
  open(guest: Guest, size: TerminalSize): Promise<CommandStream>;
}

/** States in which the hypervisor has a console to attach to (Xen reports an idle running guest as blocked). */
const ATTACHABLE_STATES: ReadonlySet<GuestState> = new Set<GuestState>(['running', 'blocked', 'paused', 'pmsuspended']);

export function isAttachable(guest: Guest | undefined): guest is Guest {
  return guest !== undefined && ATTACHABLE_STATES.has(guest.state);
}
