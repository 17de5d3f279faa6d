/**
 * The hosts the user manages and their live sessions: add/edit/remove (persisted through HostStore),
 * connect/disconnect, and the merged guest view across hosts. Fires typed events; never opens dialogs.
 */
import type { ActionOptions, HostConfig, HostInput, HostView } from '../core/contract';
import { VmdeckError } from '../core/errors';
import { DisposableStore, Emitter, type Disposable, type Event } from '../core/lifecycle';
import type { ConsoleDevice, Guest, GuestDetails, GuestDiff, LifecycleAction } from '../core/models';
import type { HostLinkFactory } from './host-link';
import { HostSession, type HostSessionDeps } from './host-session';

/** Where host configurations live: the user's hosts.json, or an in-memory list (CLI with --ssh-config). */
export interface HostCatalog {
  list(): HostConfig[];
  add(input: HostInput): HostConfig;
  update(id: string, input: HostInput): HostConfig;
  remove(id: string): void;
}

export class HostRegistry implements Disposable {
  private readonly sessions = new Map<string, { session: HostSession; store: DisposableStore }>();
  private readonly store = new DisposableStore();
  private readonly hostChanged = this.store.add(new Emitter<HostView>());
  private readonly hostRemoved = this.store.add(new Emitter<{ id: string }>());
  private readonly guestsChanged = this.store.add(new Emitter<GuestDiff>());
  readonly onDidChangeHost: Event<HostView> = this.hostChanged.event;
  readonly onDidRemoveHost: Event<{ id: string }> = this.hostRemoved.event;
  readonly onDidChangeGuests: Event<GuestDiff> = this.guestsChanged.event;

  constructor(
    private readonly hosts: HostCatalog,
    private readonly linkFactory: HostLinkFactory,
    private readonly sessionDeps: HostSessionDeps,
  ) {
    for (const config of hosts.list()) this.createSession(config);
  }

  /** Connect every host marked autoConnect; failures show on the host, they do not throw. */
  connectAll(): void {
    for (const { session } of this.sessions.values()) {
      if (session.config.autoConnect) void session.connect().catch(() => undefined);
    }
  }

  list(): HostView[] {
    return [...this.sessions.values()].map(({ session }) => session.view());
  }

  session(id: string): HostSession {
    const s = this.sessions.get(id);
    if (!s) throw new VmdeckError('NOT_FOUND', `no host with id ${id}`);
    return s.session;
  }

  findByName(name: string): HostSession | undefined {
    for (const { session } of this.sessions.values()) if (session.config.name === name) return session;
    return undefined;
  }

  add(input: HostInput): HostView {
    const config = this.hosts.add(input);
    const session = this.createSession(config);
    if (config.autoConnect) void session.connect().catch(() => undefined);
    return session.view();
  }

  update(id: string, input: HostInput): HostView {
    this.session(id); // NOT_FOUND before touching the store
    const config = this.hosts.update(id, input);
    this.disposeSession(id);
    const session = this.createSession(config);
    if (config.autoConnect) void session.connect().catch(() => undefined);
    return session.view();
  }

  remove(id: string): void {
    this.session(id);
    this.hosts.remove(id);
    this.disposeSession(id);
    this.hostRemoved.fire({ id });
  }

  async connect(id: string, options: { replaceHostKey?: boolean } = {}): Promise<void> {
    await this.session(id).connect(options);
  }

  disconnect(id: string): void {
    this.session(id).disconnect();
  }

  guests(): Guest[] {
    return [...this.sessions.values()].flatMap(({ session }) => session.guests());
  }

  guest(hostId: string, uuid: string): Guest | undefined {
    return this.sessions.get(hostId)?.session.guest(uuid);
  }

  action(hostId: string, uuid: string, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void> {
    return this.session(hostId).action(uuid, action, options, signal);
  }

  details(hostId: string, uuid: string): Promise<GuestDetails> {
    return this.session(hostId).details(uuid);
  }

  consoleDevices(hostId: string, uuid: string): Promise<ConsoleDevice[]> {
    return this.session(hostId).consoleDevices(uuid);
  }

  private createSession(config: HostConfig): HostSession {
    const store = new DisposableStore();
    const session = store.add(new HostSession(config, this.linkFactory(config), this.sessionDeps));
    store.add(session.onDidChange((v) => this.hostChanged.fire(v)));
    store.add(session.onDidChangeGuests((d) => this.guestsChanged.fire(d)));
    this.sessions.set(config.id, { session, store });
    this.hostChanged.fire(session.view());
    return session;
  }

  private disposeSession(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    const removed = s.session.guests().map((g) => g.uuid);
    s.store.dispose();
    // The session's own subscriptions are gone now: announce that its guests left with it.
    if (removed.length > 0) this.guestsChanged.fire({ hostId: id, added: [], removed, changed: [] });
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.disposeSession(id);
    this.store.dispose();
  }
}
