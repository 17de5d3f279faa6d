/**
 * `vmdeck console HOST/GUEST`: opens the guest's console through the contract (`consoles.open`) as this
 * process's client of the backend, and attaches the user's terminal to it (console-tty.ts).
 */
import type { VmdeckApi } from '../core/contract';
import { VmdeckError, toErrorData, type ErrorData } from '../core/errors';
import type { Guest } from '../core/models';
import { runConsoleInTerminal, type TerminalConsole } from './console-tty';
import { formatError } from './format';
import type { CliIo } from './main';

/** The console of one guest over the contract; events of other consoles are ignored. */
export function contractConsole(api: VmdeckApi, guest: Guest, label: string, device: string | undefined, onError: (e: ErrorData) => void): TerminalConsole {
  let id: string | undefined;
  const decoder = new TextDecoder();
  const report = (p: Promise<unknown>) => void p.catch((e: unknown) => onError(toErrorData(e)));
  return {
    label,
    async open(size) {
      const info = await api['consoles.open'](guest.hostId, guest.uuid, { cols: size.cols, rows: size.rows, ...(device ? { device } : {}) });
      id = info.id;
    },
    onData(listener) {
      return api.on('consoles.data', (d) => {
        if (d.id === id) listener(d.data);
      });
    },
    onClosed(listener) {
      return api.on('consoles.changed', (c) => {
        if (c.id === id && c.status === 'closed') listener(c.error);
      });
    },
    input(bytes) {
      if (id) report(api['consoles.input'](id, decoder.decode(bytes, { stream: true })));
    },
    resize(rows, cols) {
      if (id) report(api['consoles.resize'](id, cols, rows));
    },
    ack(bytes) {
      if (id) report(api['consoles.ack'](id, bytes));
    },
    close() {
      if (id) report(api['consoles.close'](id));
    },
  };
}

export async function attachConsole(api: VmdeckApi, guest: Guest, hostName: string, options: { device: string | undefined; io: CliIo }): Promise<number> {
  const { io } = options;
  if (!io.stdin.isTTY) throw new VmdeckError('UNSUPPORTED', 'vmdeck console needs a terminal (stdin is not a TTY)');
  const target = contractConsole(api, guest, `${hostName}/${guest.name}`, options.device, (e) => io.stderr.write(formatError(e)));
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    const result = await runConsoleInTerminal(target, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr }, { signal: abort.signal });
    if (result.reason === 'closed' && result.error) {
      io.stderr.write(formatError(result.error));
      return 1;
    }
    return result.reason === 'aborted' ? 130 : 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
