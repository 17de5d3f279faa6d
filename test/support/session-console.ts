/**
 * A TerminalConsole (what `vmdeck console` attaches the terminal to) straight over a ConsoleSession on a
 * console target, for tests of the terminal side without a backend in between.
 */
import type { TerminalConsole } from '../../main/cli/console-tty';
import type { ErrorData } from '../../main/core/errors';
import type { ConsoleLimits } from '../../main/services/consoles/console-limits';
import { ConsoleSession } from '../../main/services/consoles/console-session';
import type { ConsoleTarget } from '../../main/services/consoles/console-target';
import type { Clock } from '../../main/core/clock';

export function sessionConsole(target: ConsoleTarget, options: { clock?: Clock; limits?: Partial<ConsoleLimits> } = {}): TerminalConsole {
  let session: ConsoleSession | undefined;
  const data = new Set<(b: Uint8Array) => void>();
  const closed = new Set<(e: ErrorData | undefined) => void>();
  return {
    label: target.label,
    async open(size) {
      const s = new ConsoleSession(target, { size, ...(options.clock ? { clock: options.clock } : {}), ...(options.limits ? { limits: options.limits } : {}) });
      session = s;
      s.onData((b) => data.forEach((l) => l(b)));
      s.onDidChange(() => {
        if (s.status === 'closed') closed.forEach((l) => l(s.error));
      });
      try {
        await s.start();
      } catch (e) {
        s.close();
        throw e;
      }
    },
    onData: (l) => (data.add(l), () => void data.delete(l)),
    onClosed: (l) => (closed.add(l), () => void closed.delete(l)),
    input: (b) => void session?.input(b),
    resize: (rows, cols) => session?.resize(rows, cols),
    ack: (n) => session?.ack(n),
    close: () => session?.close(),
  };
}
