/* eslint-disable svelte/prefer-svelte-reactivity -- these Maps/Sets are immutable snapshots held in $state.raw/$derived: every change builds a new one and assigns it, which is what triggers updates */
import type { HostView } from '../../../../main/core/contract';

/** Every configured host with its connection state, as the backend reports it. */
export class HostsState {
  list = $state.raw<HostView[]>([]);
  loaded = $state(false);
  /** Host chosen in the sidebar (narrows nothing; used for edit/connect shortcuts). */
  selectedId = $state<string | null>(null);

  byId = $derived(new Map(this.list.map((h) => [h.config.id, h])));

  load(hosts: HostView[]): void {
    this.list = [...hosts];
    this.loaded = true;
  }

  upsert(view: HostView): void {
    const i = this.list.findIndex((h) => h.config.id === view.config.id);
    if (i < 0) this.list = [...this.list, view];
    else this.list = this.list.map((h, j) => (j === i ? view : h));
  }

  remove(id: string): void {
    this.list = this.list.filter((h) => h.config.id !== id);
    if (this.selectedId === id) this.selectedId = null;
  }

  get(id: string): HostView | undefined {
    return this.byId.get(id);
  }

  name(id: string): string {
    return this.byId.get(id)?.config.name ?? id;
  }
}
