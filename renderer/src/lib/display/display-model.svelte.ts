/**
 * The renderer's display commands (open, close, input, ack, external viewer) and state, owned by AppModel.
 * A display is a tab of the console dock: it shares the dock's active tab with the consoles.
 */
import type { DisplayForward, DisplayInfo, VmdeckApi } from '../../../../main/core/contract';
import type { GuestKey } from '../logic/keys';
import type { ConsolesState } from '../state/consoles.svelte';
import type { GuestsState } from '../state/guests.svelte';
import { bindDisplays, DisplayDataRouter, DisplaysState } from './displays.svelte';

export interface DisplayModelDeps {
  api: VmdeckApi;
  guests: GuestsState;
  consoles: ConsolesState;
  info(text: string): void;
  error(prefix: string, e: unknown): void;
}

export class DisplayModel {
  readonly state = new DisplaysState();
  readonly router = new DisplayDataRouter();
  /** The last external-viewer forward opened from the UI (its address is shown until stopped). */
  forward = $state<DisplayForward | null>(null);

  constructor(private readonly deps: DisplayModelDeps) {}

  bind(): () => void {
    return bindDisplays(this.deps.api, this.state, this.router);
  }

  get list(): readonly DisplayInfo[] {
    return this.state.list;
  }

  activate(id: string): void {
    if (this.state.get(id)) this.deps.consoles.activeId = id;
  }

  /** Opens (or focuses) the guest's screen as a dock tab. */
  async open(key: GuestKey): Promise<DisplayInfo | null> {
    const g = this.deps.guests.get(key);
    if (!g) return null;
    const existing = this.state.findOpen(g.hostId, g.uuid);
    if (existing) {
      this.activate(existing.id);
      return existing;
    }
    if (this.state.opening.has(key)) return null;
    this.state.setOpening(key, true);
    try {
      const info = await this.deps.api['displays.open'](g.hostId, g.uuid, undefined);
      this.state.upsert(info);
      this.activate(info.id);
      return info;
    } catch (e) {
      this.deps.error(`Display of ${g.name}`, e);
      return null;
    } finally {
      this.state.setOpening(key, false);
    }
  }

  async close(id: string): Promise<void> {
    const d = this.state.get(id);
    this.state.remove(id);
    this.router.forget(id);
    const consoles = this.deps.consoles;
    if (consoles.activeId === id) consoles.activeId = consoles.list[0]?.id ?? this.state.list[0]?.id ?? null;
    if (d && d.status !== 'closed') await this.deps.api['displays.close'](id).catch((e: unknown) => this.deps.error('Closing display', e));
  }

  input(id: string, generation: number, bytes: Uint8Array): void {
    this.deps.api['displays.input'](id, generation, bytes).catch(() => undefined);
  }

  ack(id: string, bytes: number): void {
    this.deps.api['displays.ack'](id, bytes).catch(() => undefined);
  }

  /** External viewer: forwards a 127.0.0.1 port and shows its vnc:// address. */
  async openExternal(id: string): Promise<void> {
    const d = this.state.get(id);
    if (!d) return;
    try {
      if (this.forward) await this.deps.api['displays.unforward'](this.forward.id).catch(() => undefined);
      this.forward = await this.deps.api['displays.forward'](d.hostId, d.uuid, { index: d.index });
      this.deps.info(`External viewer for ${d.guestName}: ${this.forward.address} (one client, 127.0.0.1 only)`);
    } catch (e) {
      this.deps.error(`External viewer for ${d.guestName}`, e);
    }
  }
}
