/** Console sessions wired to the registry. */
import type { ConsoleInfo, EventName, EventPayload } from '../core/contract';
import { VmdeckError } from '../core/errors';
import type { Disposable } from '../core/lifecycle';
import type { HostRegistry } from '../services/host-registry';
import type { SettingsStore } from '../services/settings-store';

export interface ConsolesDeps {
  registry: HostRegistry;
  settings: SettingsStore;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  logDir: string;
}

export interface Consoles extends Disposable {
  open(hostId: string, uuid: string, opts: { device?: string; cols: number; rows: number; log?: boolean } | undefined): Promise<ConsoleInfo>;
  list(): ConsoleInfo[];
  input(id: string, data: string): void;
  resize(id: string, cols: number, rows: number): void;
  ack(id: string, bytes: number): void;
  close(id: string): void;
  setLogging(id: string, on: boolean): Promise<ConsoleInfo> | ConsoleInfo;
  closeAllForHost(hostId: string): void;
}

export function createConsoles(_deps: ConsolesDeps): Consoles {
  const no = () => {
    throw new VmdeckError('UNSUPPORTED', 'consoles not wired yet');
  };
  return { open: no, list: () => [], input: no, resize: no, ack: no, close: no, setLogging: no, closeAllForHost: () => undefined, dispose: () => undefined };
}
