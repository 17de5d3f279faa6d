/** `vmdeck console HOST/GUEST`: the app's console session code, attached to the user's terminal. */
import { VmdeckError } from '../core/errors';
import type { Guest } from '../core/models';
import { terminalSafe } from '../core/terminal-safe';
import type { HostSession } from '../services/host-session';
import { createGuestConsoleTarget } from '../services/consoles/guest-console-target';
import { systemClock } from '../core/clock';
import { runConsoleInTerminal } from './console-tty';
import type { CliIo } from './main';

export async function attachConsole(session: HostSession, guest: Guest, options: { device: string | undefined; io: CliIo }): Promise<number> {
  const { io } = options;
  if (!io.stdin.isTTY) throw new VmdeckError('UNSUPPORTED', 'vmdeck console needs a terminal (stdin is not a TTY)');
  const target = createGuestConsoleTarget({
    hostId: session.id,
    uuid: guest.uuid,
    device: options.device,
    runner: () => session.link.runner,
    driver: () => {
      const d = session.driver;
      if (!d) throw new VmdeckError('NOT_CONNECTED', `${session.config.name} is not connected`);
      return d;
    },
    lookup: () => session.guest(guest.uuid),
    refresh: async () => {
      await session.inventory?.refresh(true);
    },
    onGuestsChanged: session.onDidChangeGuests,
    clock: systemClock,
    label: `${session.config.name}/${guest.name}`,
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    const result = await runConsoleInTerminal(target, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr }, { signal: abort.signal });
    if (result.reason === 'closed' && result.error) {
      io.stderr.write(`vmdeck: ${result.error.code}: ${terminalSafe(result.error.message)}\n`);
      return 1;
    }
    return result.reason === 'aborted' ? 130 : 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
