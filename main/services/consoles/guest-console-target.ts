/**
 * A ConsoleTarget for a guest of the inventory: the console command comes from the host's driver, the
 * channel from the host's shared runner, and "is it running again?" from the inventory's guest diffs, with
 * a slow re-read of the inventory as a fallback in case a diff was missed.
 */
import { VmdeckError } from '../../core/errors';
import { DisposableStore, toDisposable, type Event } from '../../core/lifecycle';
import type { Guest, GuestDiff } from '../../core/models';
import type { CommandRunner, CommandStream } from '../../core/runner';
import type { HypervisorDriver } from '../../hypervisors/driver';
import type { Clock } from '../../core/clock';
import { cancelled } from './abortable-delay';
import { isAttachable, type ConsoleTarget, type TerminalSize } from './console-target';

export const CONSOLE_TERM = 'xterm-256color';
export const DEFAULT_GUEST_POLL_MS = 2000;

export interface GuestConsoleTargetDeps {
  hostId: string;
  uuid: string;
  /** ConsoleDevice.devName; undefined means the guest's first console. */
  device: string | undefined;
  /** Resolved at each open: the host may have reconnected in between. */
  runner(): CommandRunner;
  driver(): HypervisorDriver;
  lookup(): Guest | undefined;
  /** Refreshes the inventory of the host now (optional; failures are ignored). */
  refresh?(): Promise<void>;
  onGuestsChanged: Event<GuestDiff>;
  clock: Clock;
  pollMs?: number;
  label: string;
}

function touches(diff: GuestDiff, uuid: string): boolean {
  return diff.added.some((g) => g.uuid === uuid) || diff.changed.some((g) => g.uuid === uuid) || diff.removed.includes(uuid);
}

export function createGuestConsoleTarget(deps: GuestConsoleTargetDeps): ConsoleTarget {
  const pollMs = deps.pollMs ?? DEFAULT_GUEST_POLL_MS;
  return {
    label: deps.label,
    guest: () => deps.lookup(),
    ...(deps.refresh ? { refresh: deps.refresh } : {}),

    waitForAttachable(signal: AbortSignal): Promise<Guest> {
      return new Promise<Guest>((resolve, reject) => {
        if (signal.aborted) {
          reject(cancelled('waiting for the guest'));
          return;
        }
        const owned = new DisposableStore();
        const check = () => {
          const guest = deps.lookup();
          if (!isAttachable(guest)) return;
          owned.dispose();
          resolve(guest);
        };
        const onAbort = () => {
          owned.dispose();
          reject(cancelled('waiting for the guest'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        owned.add(toDisposable(() => signal.removeEventListener('abort', onAbort)));
        owned.add(
          deps.onGuestsChanged((diff) => {
            if (diff.hostId === deps.hostId && touches(diff, deps.uuid)) check();
          }),
        );
        const poll = () => {
          const timer = deps.clock.setTimeout(() => {
            owned.delete(handle);
            check();
            if (!owned.isDisposed) poll();
          }, pollMs);
          const handle = owned.add(toDisposable(() => timer.cancel()));
        };
        poll();
        check();
      });
    },

    async open(guest: Guest, size: TerminalSize): Promise<CommandStream> {
      if (guest.uuid !== deps.uuid) throw new VmdeckError('INTERNAL', 'console target opened for another guest');
      const argv = deps.driver().consoleCommand({ uuid: guest.uuid, name: guest.name, domId: guest.domId }, deps.device);
      return deps.runner().stream(argv, { pty: { rows: size.rows, cols: size.cols, term: CONSOLE_TERM } });
    },
  };
}
