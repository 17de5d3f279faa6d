/**
 * The `displays.*` handlers: graphical consoles (DisplaySession) of any guests on any hosts, their bytes
 * to the sink as `displays.data`, status as `displays.changed`; and external-viewer forwards.
 * `closeAllForHost` (host removed or disconnected) and `dispose` release everything.
 */
import { randomUUID } from 'node:crypto';
import type { DisplayForward, DisplayInfo, EventName, EventPayload, MethodParsedArgs } from '../../core/contract';
import { VmdeckError } from '../../core/errors';
import { DisposableStore, type Disposable } from '../../core/lifecycle';
import type { DisplayDevice, Guest } from '../../core/models';
import type { TunnelOpener } from '../../core/tunnel';
import type { HypervisorDriver } from '../../hypervisors/driver';
import { systemClock, type Clock } from '../../core/clock';
import { DisplaySession, pickVncDisplay, type DisplayLimits } from './display-session';
import { ExternalForward } from './external-forward';

export interface DisplayServiceDeps {
  driverFor(hostId: string): HypervisorDriver;
  tunnelsFor(hostId: string): TunnelOpener;
  guest(hostId: string, uuid: string): Guest | undefined;
  refreshGuests?(hostId: string): Promise<void>;
  /** Delivers a display event to the client that opened the display (`owner`), or to every client when it has none. */
  sink: DisplaySink;
  hostLabel?(hostId: string): string;
  clock?: Clock;
  limits?: Partial<DisplayLimits>;
}

type OpenOptions = MethodParsedArgs<'displays.open'>[2];
type ForwardOptions = MethodParsedArgs<'displays.forward'>[2];

/** Like the event sink, with the owning client of the display the event is about. */
export type DisplaySink = <E extends EventName>(event: E, payload: EventPayload<E>, owner: string | undefined) => void;

interface Entry {
  info: Omit<DisplayInfo, 'status' | 'generation'>;
  /** The client that opened it: its bytes go there only (a display belongs to its client, as a console does). */
  owner: string | undefined;
  session: DisplaySession;
  owned: DisposableStore;
}

export class DisplayService implements Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly forwards = new Map<string, { info: DisplayForward; forward: ExternalForward }>();
  private readonly clock: Clock;
  private disposed = false;

  constructor(private readonly deps: DisplayServiceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get size(): number {
    return this.entries.size;
  }

  session(id: string): DisplaySession | undefined {
    return this.entries.get(id)?.session;
  }

  async devices(hostId: string, uuid: string): Promise<DisplayDevice[]> {
    const guest = this.requireGuest(hostId, uuid);
    const driver = this.deps.driverFor(hostId);
    if (!driver.displays) return [];
    return driver.displays({ uuid: guest.uuid, name: guest.name, domId: guest.domId });
  }

  async open(hostId: string, uuid: string, options?: OpenOptions, owner?: string): Promise<DisplayInfo> {
    if (this.disposed) throw new VmdeckError('INVALID_STATE', 'display service disposed');
    const guest = this.requireGuest(hostId, uuid);
    this.deps.driverFor(hostId);
    const id = randomUUID();
    const session = new DisplaySession(this.target(hostId, uuid, guest.name, options?.index, options?.forceRelay), this.clock, this.deps.limits);
    const entry: Entry = { info: { id, hostId, uuid, guestName: guest.name, index: options?.index ?? 0 }, owner, session, owned: new DisposableStore() };
    this.entries.set(id, entry);
    entry.owned.add(session.onData(({ generation, data }) => this.deps.sink('displays.data', { id, generation, data }, entry.owner)));
    entry.owned.add(session.onDidChange(() => this.changed(entry)));
    try {
      await session.start();
    } catch (e) {
      this.release(entry);
      throw e;
    }
    if (!this.entries.has(id)) throw new VmdeckError('CANCELLED', 'display closed while opening');
    return this.snapshot(entry);
  }

  list(): DisplayInfo[] {
    return [...this.entries.values()].map((e) => this.snapshot(e));
  }

  input(id: string, generation: number, data: Uint8Array, client?: string): void {
    const entry = this.require(id);
    if (client !== undefined && entry.owner !== client) throw new VmdeckError('INVALID_STATE', `display ${id} belongs to another window`);
    entry.session.input(generation, data);
  }

  /** A client went away (window closed, tab reloaded): the displays it opened are closed. */
  releaseClient(client: string): void {
    for (const entry of [...this.entries.values()]) if (entry.owner === client) this.release(entry);
  }

  ack(id: string, bytes: number): void {
    this.entries.get(id)?.session.ack(bytes);
  }

  close(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.release(entry);
  }

  async forward(hostId: string, uuid: string, options?: ForwardOptions, owner?: string): Promise<DisplayForward> {
    const guest = this.requireGuest(hostId, uuid);
    const label = `${this.hostLabel(hostId)}/${guest.name}`;
    const driver = this.deps.driverFor(hostId);
    if (!driver.displays) throw new VmdeckError('UNSUPPORTED', `${driver.toolstack} guests have no graphical consoles in vmdeck`);
    const resolve = async () => {
      const g = this.requireGuest(hostId, uuid);
      const all = await driver.displays!({ uuid: g.uuid, name: g.name, domId: g.domId });
      const d = pickVncDisplay(all, options?.index, label);
      if (!d.endpoint) throw new VmdeckError('INVALID_STATE', `${label}: ${d.label}`);
      return d;
    };
    const device = await resolve(); // fail now (no display, SPICE only, not running), not at the first client
    const id = randomUUID();
    const forward = await ExternalForward.listen({
      ...(options?.port !== undefined ? { port: options.port } : {}),
      openTunnel: async () => {
        const tunnel = await this.deps.tunnelsFor(hostId).open((await resolve()).endpoint!);
        // The viewer's owner is told which path its tunnel took (SSH forward or relay, and through what).
        this.deps.sink('displays.viewer', { forwardId: id, path: tunnel.path, ...(tunnel.relayTool ? { relayTool: tunnel.relayTool } : {}) }, owner);
        return tunnel;
      },
    });
    const info: DisplayForward = { id, hostId, uuid, guestName: guest.name, address: forward.address, port: forward.port, label: device.label };
    this.forwards.set(id, { info, forward });
    return info;
  }

  unforward(id: string): void {
    const f = this.forwards.get(id);
    if (!f) throw new VmdeckError('NOT_FOUND', `display forward not found: ${id}`);
    this.forwards.delete(id);
    f.forward.dispose();
  }

  closeAllForHost(hostId: string): void {
    for (const entry of [...this.entries.values()]) if (entry.info.hostId === hostId) this.release(entry);
    for (const [id, f] of [...this.forwards]) if (f.info.hostId === hostId) this.unforward(id);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of [...this.entries.values()]) this.release(entry);
    for (const id of [...this.forwards.keys()]) this.unforward(id);
  }

  // -------------------------------------------------------------------------------------------------

  private target(hostId: string, uuid: string, name: string, index: number | undefined, forceRelay: boolean | undefined) {
    const refresh = this.deps.refreshGuests?.bind(this.deps);
    return {
      label: `${this.hostLabel(hostId)}/${name}`,
      guest: () => this.deps.guest(hostId, uuid),
      driver: () => this.deps.driverFor(hostId),
      tunnels: () => this.deps.tunnelsFor(hostId),
      ...(refresh ? { refresh: () => refresh(hostId) } : {}),
      ...(index !== undefined ? { index } : {}),
      ...(forceRelay ? { forceRelay } : {}),
    };
  }

  private hostLabel(hostId: string): string {
    return this.deps.hostLabel?.(hostId) ?? hostId;
  }

  private requireGuest(hostId: string, uuid: string): Guest {
    const guest = this.deps.guest(hostId, uuid);
    if (guest === undefined) throw new VmdeckError('NOT_FOUND', `guest ${uuid} not found on host ${this.hostLabel(hostId)}`, { host: hostId });
    return guest;
  }

  private require(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new VmdeckError('NOT_FOUND', `display not found: ${id}`);
    return entry;
  }

  private snapshot(entry: Entry): DisplayInfo {
    const { session } = entry;
    const out: DisplayInfo = { ...entry.info, status: session.status, generation: session.generation };
    const device = session.device;
    if (device) {
      out.index = device.index;
      out.label = device.label;
      out.hasPassword = device.hasPassword;
    }
    const tunnel = session.currentTunnel;
    if (tunnel) {
      out.path = tunnel.path;
      if (tunnel.relayTool) out.relayTool = tunnel.relayTool;
    }
    if (session.error) out.error = session.error;
    return out;
  }

  private changed(entry: Entry): void {
    if (this.entries.get(entry.info.id) !== entry) return;
    if (entry.session.status === 'closed') {
      this.release(entry);
      return;
    }
    this.deps.sink('displays.changed', this.snapshot(entry), entry.owner);
  }

  private release(entry: Entry): void {
    if (this.entries.get(entry.info.id) !== entry) return;
    this.entries.delete(entry.info.id);
    entry.owned.dispose();
    entry.session.close();
    this.deps.sink('displays.changed', this.snapshot(entry), entry.owner);
  }
}
