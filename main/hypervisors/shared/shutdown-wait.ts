/**
 * The wait after a graceful shutdown with a timeout, shared by both drivers: poll `isDown` until it says
 * the guest is off, fail with TIMEOUT (and the driver's advice) when it does not happen in time, and stop
 * with CANCELLED as soon as `signal` aborts (a cancelled bulk action).
 */
import { VmdeckError } from '../../core/errors';
import type { GuestRef } from '../driver';
import { waitUntil, type PollClock } from './wait-until';

export interface ShutdownWait {
  timeoutSec: number;
  pollMs: number;
  clock: PollClock;
  /** Shown under the TIMEOUT error (what the user can do next). */
  advice: string;
  signal?: AbortSignal | undefined;
}

export async function waitForShutdown(guest: GuestRef, isDown: () => Promise<boolean>, wait: ShutdownWait): Promise<void> {
  const down = await waitUntil(isDown, wait.timeoutSec * 1000, wait.pollMs, wait.clock, wait.signal);
  if (!down) {
    throw new VmdeckError('TIMEOUT', `${guest.name} did not shut down within ${wait.timeoutSec} s`, { notes: [wait.advice] });
  }
}
