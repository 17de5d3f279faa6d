/**
 * The console path as the product runs it, minus the renderer process: a ConsoleSession (batching, flow
 * control) over a PTY stream opened by the product's runner, and a headless xterm that writes each batch and
 * acknowledges it once parsed (Terminal.write(data, callback) then session.ack), as the renderer does.
 * The command runs in the HOST's shell (not a guest): a ConsoleTarget that reports a running pseudo-guest.
 */
import xtermHeadless from '@xterm/headless';
import { VmdeckError } from '../../main/core/errors';
import type { Guest } from '../../main/core/models';
import type { CommandRunner, CommandStream } from '../../main/core/runner';
import { ConsoleSession } from '../../main/services/consoles/console-session';
import type { ConsoleTarget } from '../../main/services/consoles/console-target';

export const { Terminal } = xtermHeadless as unknown as { Terminal: typeof import('@xterm/headless').Terminal };
export type HeadlessTerminal = InstanceType<typeof Terminal>;

export const TERM_SIZE = { rows: 24, cols: 80 };

export function newTerminal(): HeadlessTerminal {
  return new Terminal({ ...TERM_SIZE, scrollback: 1000, allowProposedApi: true });
}

const PSEUDO_GUEST: Guest = {
  hostId: 'bench',
  uuid: '00000000-0000-0000-0000-0000000000be',
  name: 'host-shell',
  domId: 1,
  state: 'running',
  vcpus: 1,
  memoryKiB: 0,
  maxMemoryKiB: 0,
  cpuTimeNs: 0,
  cpuPercent: null,
  autostart: null,
  persistent: false,
};

/** A ConsoleTarget that runs `argv` in a PTY on the host; once the channel ends it never reattaches. */
export function hostShellTarget(runner: CommandRunner, argv: readonly string[], onOpen?: (s: CommandStream) => void): ConsoleTarget {
  return {
    label: `${runner.label}/${argv.join(' ')}`,
    guest: () => PSEUDO_GUEST,
    waitForAttachable: (signal) =>
      new Promise<Guest>((_resolve, reject) => {
        const cancel = () => reject(new VmdeckError('CANCELLED', 'closed'));
        if (signal.aborted) cancel();
        else signal.addEventListener('abort', cancel, { once: true });
      }),
    open: async (_guest, size) => {
      const s = await runner.stream(argv, { pty: { rows: size.rows, cols: size.cols, term: 'xterm-256color' } });
      onOpen?.(s);
      return s;
    },
  };
}

export function newSession(target: ConsoleTarget): ConsoleSession {
  return new ConsoleSession(target, { size: { ...TERM_SIZE } });
}
