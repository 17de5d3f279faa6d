import type { ConsoleInfo, VmdeckApi } from '../../../../main/core/contract';
import type { ConsolesState } from '../state/consoles.svelte';

export type ConsoleSink = (bytes: Uint8Array) => void;

/**
 * Routes `consoles.data` bytes to the terminal that shows that console. Output that arrives before the
 * terminal is mounted is held (unacknowledged, so the backend's flow control bounds it) and replayed.
 */
export class ConsoleDataRouter {
  readonly #sinks = new Map<string, ConsoleSink>();
  readonly #early = new Map<string, Uint8Array[]>();

  deliver(id: string, bytes: Uint8Array): void {
    const sink = this.#sinks.get(id);
    if (sink) sink(bytes);
    else {
      let q = this.#early.get(id);
      if (!q) this.#early.set(id, (q = []));
      q.push(bytes);
    }
  }

  attach(id: string, sink: ConsoleSink): () => void {
    this.#sinks.set(id, sink);
    const early = this.#early.get(id);
    if (early) {
      this.#early.delete(id);
      for (const b of early) sink(b);
    }
    return () => {
      if (this.#sinks.get(id) === sink) this.#sinks.delete(id);
    };
  }

  forget(id: string): void {
    this.#sinks.delete(id);
    this.#early.delete(id);
  }
}

export function bindConsoles(api: VmdeckApi, consoles: ConsolesState, router: ConsoleDataRouter): () => void {
  const offs = [
    api.on('consoles.data', ({ id, data }) => router.deliver(id, data)),
    api.on('consoles.changed', (info: ConsoleInfo) => consoles.update(info)),
  ];
  return () => offs.forEach((off) => off());
}
