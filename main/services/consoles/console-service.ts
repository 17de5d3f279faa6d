/**
 * The `consoles.*` handlers: several console sessions at once, on several hosts, each a ConsoleSession on
 * the host's shared runner. Output goes to the sink as `consoles.data` (bytes, batched, flow-controlled
 * by `ack`), every status change as `consoles.changed`. Session logs follow Settings.logConsoles unless
 * the open (or setLogging) says otherwise.
 *
 * Opening a guest that is not running does not fail: the console waits (status `connecting`, a marker in
 * the output) and attaches when the guest starts. An unknown guest is NOT_FOUND.
 * `closeAllForHost` (host removed or disconnected for good) and `dispose` release every session.
 *
 * Ownership: a console belongs to the client that opened it (a window, a browser tab, the CLI). Its
 * `consoles.data` and `consoles.changed` go to that client only; `list` shows every console with `owned`
 * from the viewer's side; `adopt` moves a console to another client (the old owner gets one last
 * `consoles.changed` with `owned: false`). When a client goes away (`releaseClient`) its consoles stay
 * open, unowned and silent (flow control pauses them), until adopted, closed, or `orphanCloseMs` passes.
 */
import { randomUUID } from 'node:crypto';
import { VmdeckError, toErrorData } from '../../core/errors';
import type { ConsoleInfo, EventName, EventPayload, MethodParsedArgs, Settings } from '../../core/contract';
import { DisposableStore, type Disposable, type Event } from '../../core/lifecycle';
import type { ConsoleDevice, Guest, GuestDiff } from '../../core/models';
import type { CommandRunner } from '../../core/runner';
import type { HypervisorDriver } from '../../hypervisors/driver';
import { systemClock, type Clock, type TimerHandle } from '../../transport/clock';
import type { ConsoleLimits } from './console-limits';
import { ConsoleLog, consoleLogPath, DEFAULT_LOG_KEEP } from './console-log';
import { ConsoleSession, type ReattachPolicy } from './console-session';
import { createGuestConsoleTarget } from './guest-console-target';

export interface ConsoleServiceDeps {
  /** The host's shared runner; throws NOT_CONNECTED / NOT_FOUND when there is none. */
  runnerFor(hostId: string): CommandRunner;
  driverFor(hostId: string): HypervisorDriver;
  /** The inventory's current view of a guest. */
  guest(hostId: string, uuid: string): Guest | undefined;
  onGuestsChanged: Event<GuestDiff>;
  /** Refreshes a host's inventory now (a priority refresh); used when a console channel ends unexpectedly. */
  refreshGuests?(hostId: string): Promise<void>;
  /** Receives `consoles.data` and `consoles.changed`, addressed to the owning client. */
  sink: ConsoleSink;
  settings(): Settings;
  /** Default log directory (Settings.logDirectory overrides it). */
  logDir: string;
  /** Directory name for a host's logs (default: the host id). */
  hostLabel?(hostId: string): string;
  clock?: Clock;
  limits?: Partial<ConsoleLimits>;
  reattach?: Partial<ReattachPolicy>;
  /** Re-read of the inventory while waiting for a guest, in case a diff was missed. */
  guestPollMs?: number;
  /** Rotated log files kept per console log. */
  logKeep?: number;
  /** An unowned console (its client went away) is closed after this long (default 10 minutes). */
  orphanCloseMs?: number;
}

/** Where console events go: `client` is the owner's id. */
export type ConsoleSink = <E extends Extract<EventName, 'consoles.data' | 'consoles.changed'>>(
  event: E,
  payload: EventPayload<E>,
  client: string,
) => void;

/** The owner of consoles opened by callers that do not say (the CLI, tests). */
export const LOCAL_CLIENT = 'local';

export const DEFAULT_ORPHAN_CLOSE_MS = 10 * 60_000;

type OpenOptions = MethodParsedArgs<'consoles.open'>[2];

interface Entry {
  info: Omit<ConsoleInfo, 'owned'>;
  owner: string | undefined;
  orphanTimer: TimerHandle | undefined;
  session: ConsoleSession;
  owned: DisposableStore;
  log: ConsoleLog | undefined;
}

export class ConsoleService implements Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private disposed = false;

  constructor(private readonly deps: ConsoleServiceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Number of open sessions (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** The session behind an id, for the CLI and tests; undefined once closed. */
  session(id: string): ConsoleSession | undefined {
    return this.entries.get(id)?.session;
  }

  async devices(hostId: string, uuid: string): Promise<ConsoleDevice[]> {
    const guest = this.requireGuest(hostId, uuid);
    return this.deps.driverFor(hostId).consoleDevices({ uuid: guest.uuid, name: guest.name, domId: guest.domId });
  }

  async open(hostId: string, uuid: string, options?: OpenOptions, owner: string = LOCAL_CLIENT): Promise<ConsoleInfo> {
    if (this.disposed) throw new VmdeckError('INVALID_STATE', 'console service disposed');
    const guest = this.requireGuest(hostId, uuid);
    // Fail early, before any channel, when the host has no driver or runner.
    this.deps.driverFor(hostId);
    this.deps.runnerFor(hostId);
    const id = randomUUID();
    const device = options?.device;
    const refreshGuests = this.deps.refreshGuests?.bind(this.deps);
    const target = createGuestConsoleTarget({
      hostId,
      uuid,
      device,
      runner: () => this.deps.runnerFor(hostId),
      driver: () => this.deps.driverFor(hostId),
      lookup: () => this.deps.guest(hostId, uuid),
      ...(refreshGuests ? { refresh: () => refreshGuests(hostId) } : {}),
      onGuestsChanged: this.deps.onGuestsChanged,
      clock: this.clock,
      pollMs: this.deps.guestPollMs,
      label: `${this.hostLabel(hostId)}/${guest.name}`,
    });
    const session = new ConsoleSession(target, {
      size: { rows: options?.rows ?? 24, cols: options?.cols ?? 80 },
      clock: this.clock,
      limits: this.deps.limits,
      reattach: this.deps.reattach,
    });
    const info: Entry['info'] = { id, hostId, uuid, guestName: guest.name, status: session.status };
    if (device !== undefined) info.device = device;
    const entry: Entry = { info, owner, orphanTimer: undefined, session, owned: new DisposableStore(), log: undefined };
    this.entries.set(id, entry);
    entry.owned.add(session.onData((data) => this.output(entry, data)));
    entry.owned.add(session.onDidChange(() => this.sessionChanged(entry)));
    if (options?.log ?? this.deps.settings().logConsoles) this.startLog(entry);
    try {
      await session.start();
    } catch (e) {
      this.release(entry, 'open failed');
      throw e;
    }
    if (!this.entries.has(id)) throw new VmdeckError('CANCELLED', 'console closed while opening');
    return this.snapshot(entry, entry.owner);
  }

  /** Every open console; `owned` as `viewer` sees it. */
  list(viewer: string = LOCAL_CLIENT): ConsoleInfo[] {
    return [...this.entries.values()].map((e) => this.snapshot(e, viewer));
  }

  /** `client` takes the console over; the previous owner is told once (`owned: false`) and then hears nothing. */
  adopt(id: string, client: string): ConsoleInfo {
    const entry = this.require(id);
    const previous = entry.owner;
    entry.orphanTimer?.cancel();
    entry.orphanTimer = undefined;
    entry.owner = client;
    if (previous !== undefined && previous !== client) this.deps.sink('consoles.changed', this.snapshot(entry, previous), previous);
    return this.snapshot(entry, client);
  }

  /** A client went away: its consoles stay open, unowned, and close after `orphanCloseMs` unless adopted. */
  releaseClient(client: string): void {
    for (const entry of this.entries.values()) {
      if (entry.owner !== client) continue;
      entry.owner = undefined;
      entry.orphanTimer?.cancel();
      entry.orphanTimer = this.clock.setTimeout(() => {
        entry.orphanTimer = undefined;
        if (entry.owner === undefined) this.release(entry, 'no client adopted it');
      }, this.deps.orphanCloseMs ?? DEFAULT_ORPHAN_CLOSE_MS);
    }
  }

  /** Who owns a console (undefined: nobody since its client went away). */
  ownerOf(id: string): string | undefined {
    return this.require(id).owner;
  }

  input(id: string, text: string, client: string = LOCAL_CLIENT): void {
    this.requireOwned(id, client).session.input(text);
  }

  resize(id: string, cols: number, rows: number, client: string = LOCAL_CLIENT): void {
    this.requireOwned(id, client).session.resize(rows, cols);
  }

  ack(id: string, bytes: number, client: string = LOCAL_CLIENT): void {
    // Acks may race with close or adopt: a closed console, or one another client took, is not acknowledged.
    const entry = this.entries.get(id);
    if (entry?.owner === client) entry.session.ack(bytes);
  }

  /** Detaches by closing the channel (nothing is typed into the guest) and releases the session. */
  close(id: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) this.release(entry, 'session closed');
  }

  /** Types the detach escape (Ctrl-]) into the console; the console command exits and the session reattaches or closes. */
  sendEscape(id: string): void {
    this.require(id).session.sendEscape();
  }

  setLogging(id: string, enabled: boolean, client: string = LOCAL_CLIENT): ConsoleInfo {
    const entry = this.require(id);
    if (enabled && entry.log === undefined) this.startLog(entry);
    if (!enabled && entry.log !== undefined) this.stopLog(entry, 'logging stopped');
    this.notifyOwner(entry);
    return this.snapshot(entry, client);
  }

  /** Closes every console of a host (host removed or disconnected for good). */
  closeAllForHost(hostId: string): void {
    for (const entry of [...this.entries.values()]) if (entry.info.hostId === hostId) this.release(entry, 'host removed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const entry of [...this.entries.values()]) this.release(entry, 'application closing');
  }

  // -------------------------------------------------------------------------------------------------

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
    if (entry === undefined) throw new VmdeckError('NOT_FOUND', `console not found: ${id}`);
    return entry;
  }

  /** Input and resize come from the owner only: another client adopts first. */
  private requireOwned(id: string, client: string): Entry {
    const entry = this.require(id);
    if (entry.owner !== client) {
      throw new VmdeckError('INVALID_STATE', entry.owner === undefined ? 'console has no owner: adopt it first' : 'console belongs to another window: adopt it first');
    }
    return entry;
  }

  private notifyOwner(entry: Entry): void {
    if (entry.owner !== undefined) this.deps.sink('consoles.changed', this.snapshot(entry, entry.owner), entry.owner);
  }

  private snapshot(entry: Entry, viewer: string | undefined): ConsoleInfo {
    const { session, info } = entry;
    const out: ConsoleInfo = { ...info, status: session.status, owned: viewer !== undefined && entry.owner === viewer };
    if (entry.log !== undefined) out.logPath = entry.log.path;
    else delete out.logPath;
    const error = session.error ?? info.error;
    if (error !== undefined) out.error = error;
    return out;
  }

  private output(entry: Entry, data: Uint8Array): void {
    entry.log?.output(data);
    if (entry.owner !== undefined) this.deps.sink('consoles.data', { id: entry.info.id, data }, entry.owner);
  }

  private sessionChanged(entry: Entry): void {
    const status = entry.session.status;
    if (status === 'reattaching') entry.log?.mark('console detached, reattaching');
    if (status === 'closed') {
      // Closed by the session itself (gave up reattaching): report, then release.
      if (this.entries.get(entry.info.id) === entry) this.release(entry, 'session ended');
      return;
    }
    if (this.entries.get(entry.info.id) === entry) this.notifyOwner(entry);
  }

  private startLog(entry: Entry): void {
    const settings = this.deps.settings();
    const path = consoleLogPath(
      settings.logDirectory ?? this.deps.logDir,
      this.hostLabel(entry.info.hostId),
      entry.info.guestName,
      entry.info.uuid,
      this.clock.now(),
    );
    try {
      entry.log = ConsoleLog.open({
        path,
        maxBytes: settings.logMaxBytes,
        keep: this.deps.logKeep ?? DEFAULT_LOG_KEEP,
        clock: this.clock,
        onError: (e) => this.logFailed(entry, e),
      });
      delete entry.info.error;
      entry.log.mark(`console ${entry.info.guestName} (${entry.info.uuid}) on ${this.hostLabel(entry.info.hostId)}: log started`);
    } catch (e) {
      entry.log = undefined;
      entry.info.error = { ...toErrorData(e), message: `console log not written: ${toErrorData(e).message}` };
    }
  }

  private stopLog(entry: Entry, why: string): void {
    const log = entry.log;
    entry.log = undefined;
    if (log === undefined) return;
    log.mark(why);
    log.dispose();
  }

  private logFailed(entry: Entry, e: unknown): void {
    entry.log = undefined;
    entry.info.error = { ...toErrorData(e), message: `console log stopped: ${toErrorData(e).message}` };
    if (this.entries.get(entry.info.id) === entry) this.notifyOwner(entry);
  }

  private release(entry: Entry, why: string): void {
    if (this.entries.get(entry.info.id) !== entry) return;
    this.entries.delete(entry.info.id);
    entry.orphanTimer?.cancel();
    entry.orphanTimer = undefined;
    // Closing emits the last output batch (to the sink and the log); its status change is ignored here
    // because the entry is no longer in the map.
    entry.session.close();
    entry.owned.dispose();
    this.stopLog(entry, why);
    this.notifyOwner(entry);
  }
}
