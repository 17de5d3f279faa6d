/* eslint-disable svelte/prefer-svelte-reactivity -- the Set is an immutable snapshot held in $state.raw: every change assigns a new one */
import type { DisplayInfo, VmdeckApi } from '../../../../main/core/contract';

/** Open graphical consoles, shown as tabs in the console dock beside the text consoles. */
export class DisplaysState {
  list = $state.raw<DisplayInfo[]>([]);
  /** Guest keys whose display is being opened. */
  opening = $state.raw<ReadonlySet<string>>(new Set());

  upsert(info: DisplayInfo): void {
    const i = this.list.findIndex((d) => d.id === info.id);
    this.list = i < 0 ? [...this.list, info] : this.list.map((d, j) => (j === i ? info : d));
  }

  /** Only sessions this window shows. */
  update(info: DisplayInfo): void {
    if (this.list.some((d) => d.id === info.id)) this.upsert(info);
  }

  remove(id: string): void {
    this.list = this.list.filter((d) => d.id !== id);
  }

  get(id: string): DisplayInfo | undefined {
    return this.list.find((d) => d.id === id);
  }

  findOpen(hostId: string, uuid: string): DisplayInfo | undefined {
    const u = uuid.toLowerCase();
    return this.list.find((d) => d.hostId === hostId && d.uuid.toLowerCase() === u && d.status !== 'closed');
  }

  setOpening(key: string, on: boolean): void {
    const s = new Set(this.opening);
    if (on) s.add(key);
    else s.delete(key);
    this.opening = s;
  }
}

export type DisplaySink = (generation: number, bytes: Uint8Array) => void;

/**
 * Routes `displays.data` to the view of that display. Bytes that arrive before the view (and its RFB
 * connection) exist are held, unacknowledged (the backend's watermark bounds them), and replayed in order.
 */
export class DisplayDataRouter {
  readonly #sinks = new Map<string, DisplaySink>();
  readonly #early = new Map<string, { generation: number; data: Uint8Array }[]>();

  deliver(id: string, generation: number, data: Uint8Array): void {
    const sink = this.#sinks.get(id);
    if (sink) {
      sink(generation, data);
      return;
    }
    let q = this.#early.get(id);
    if (!q) this.#early.set(id, (q = []));
    q.push({ generation, data });
  }

  attach(id: string, sink: DisplaySink): () => void {
    this.#sinks.set(id, sink);
    const early = this.#early.get(id);
    if (early) {
      this.#early.delete(id);
      for (const e of early) sink(e.generation, e.data);
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

export function bindDisplays(api: VmdeckApi, displays: DisplaysState, router: DisplayDataRouter): () => void {
  const offs = [
    api.on('displays.data', ({ id, generation, data }) => router.deliver(id, generation, data)),
    api.on('displays.changed', (info) => displays.update(info)),
  ];
  return () => offs.forEach((off) => off());
}
