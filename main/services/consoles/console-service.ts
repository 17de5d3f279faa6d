/**
 * The `consoles.*` handlers: several console sessions at once, on several hosts, each a ConsoleSession on
 * the host's shared runner. Output goes to the sink as `consoles.data` (bytes, batched, flow-controlled
 * by `ack`), every status change as `consoles.changed`. Session logs follow Settings.logConsoles unless
 * the open (or setLogging) says otherwise.
 *
 * Opening a guest that is not running does not fail: the console waits (status `connecting`, a marker in
 * the output) and attaches when the guest starts. An unknown guest is NOT_FOUND.
 * `closeAllForHost` (host removed or disconnected for good) and `dispose` release every session.
 */
import { randomUUID } from 'node:crypto';
import { VmdeckError, toErrorData } from '../../core/errors';
import type { ConsoleInfo, EventSink, MethodParsedArgs, Settings } from '../../core/contract';
import { DisposableStore, type Disposable, type Event } from '../../core/lifecycle';
import type { ConsoleDevice, Guest, GuestDiff } from '../../core/models';
import type { CommandRunner } from '../../core/runner';
import type { HypervisorDriver } from '../../hypervisors/driver';
import { systemClock, type Clock, type TimerHandle } from '../../transport/clock';
import type { ConsoleLimits } from './console-limits';
import { ConsoleLog, consoleLogPath, DEFAULT_LOG_KEEP } from './console-log';
import { ConsoleNoiseFilter } from './console-noise';
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
  /** Receives `consoles.data` and `consoles.changed`. */
  sink: EventSink;
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
  /** The toolstack's noise cut from a console's output (console-noise.ts), e.g. for the activity log. */
  onNoise?(info: ConsoleInfo, line: string): void;
  /** How long a possible start of a noise line is held back before it is shown anyway (default 250 ms). */
  noiseHoldMs?: number;
}

type OpenOptions = MethodParsedArgs<'consoles.open'>[2];

interface Entry {
  info: ConsoleInfo;
  session: ConsoleSession;
  owned: DisposableStore;
  log: ConsoleLog | undefined;
  noise: ConsoleNoiseFilter;
  noiseFlush: TimerHandle | undefined;
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

  async open(hostId: string, uuid: string, options?: OpenOptions): Promise<ConsoleInfo> {
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
    const info: ConsoleInfo = { id, hostId, uuid, guestName: guest.name, status: session.status };
    if (device !== undefined) info.device = device;
    const entry: Entry = { info, session, owned: new DisposableStore(), log: undefined, noise: new ConsoleNoiseFilter(), noiseFlush: undefined };
    entry.owned.add({ dispose: () => entry.noiseFlush?.cancel() });
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
    return this.snapshot(entry);
  }

  list(): ConsoleInfo[] {
    return [...this.entries.values()].map((e) => this.snapshot(e));
  }

  input(id: string, text: string): void {
    this.require(id).session.input(text);
  }

  resize(id: string, cols: number, rows: number): void {
    this.require(id).session.resize(rows, cols);
  }

  ack(id: string, bytes: number): void {
    // Acks may race with close: a closed console has nothing to acknowledge.
    this.entries.get(id)?.session.ack(bytes);
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

  setLogging(id: string, enabled: boolean): ConsoleInfo {
    const entry = this.require(id);
    if (enabled && entry.log === undefined) this.startLog(entry);
    if (!enabled && entry.log !== undefined) this.stopLog(entry, 'logging stopped');
    const info = this.snapshot(entry);
    this.deps.sink('consoles.changed', info);
    return info;
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

  private snapshot(entry: Entry): ConsoleInfo {
    const { session, info } = entry;
    const out: ConsoleInfo = { ...info, status: session.status };
    if (entry.log !== undefined) out.logPath = entry.log.path;
    else delete out.logPath;
    const error = session.error ?? info.error;
    if (error !== undefined) out.error = error;
    return out;
  }

  private output(entry: Entry, data: Uint8Array): void {
    // The session log keeps everything; the terminal does not show the toolstack's known noise.
    entry.log?.output(data);
    entry.noiseFlush?.cancel();
    entry.noiseFlush = undefined;
    const { shown, noise, droppedBytes } = entry.noise.push(data);
    for (const line of noise) this.deps.onNoise?.({ ...entry.info }, line);
    // Cut bytes never reach the terminal, so they are acknowledged here for the flow control.
    if (droppedBytes > 0) entry.session.ack(droppedBytes);
    if (shown.byteLength > 0) this.deps.sink('consoles.data', { id: entry.info.id, data: shown });
    if (entry.noise.heldBytes > 0) {
      entry.noiseFlush = this.clock.setTimeout(() => {
        entry.noiseFlush = undefined;
        const held = entry.noise.flush();
        if (held.byteLength > 0 && this.entries.get(entry.info.id) === entry) this.deps.sink('consoles.data', { id: entry.info.id, data: held });
      }, this.deps.noiseHoldMs ?? 250);
    }
  }

  private sessionChanged(entry: Entry): void {
    const status = entry.session.status;
    if (status === 'reattaching') entry.log?.mark('console detached, reattaching');
    if (status === 'closed') {
      // Closed by the session itself (gave up reattaching): report, then release.
      if (this.entries.get(entry.info.id) === entry) this.release(entry, 'session ended');
      return;
    }
    if (this.entries.get(entry.info.id) === entry) this.deps.sink('consoles.changed', this.snapshot(entry));
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
    if (this.entries.get(entry.info.id) === entry) this.deps.sink('consoles.changed', this.snapshot(entry));
  }

  private release(entry: Entry, why: string): void {
    if (this.entries.get(entry.info.id) !== entry) return;
    this.entries.delete(entry.info.id);
    // Closing emits the last output batch (to the sink and the log); its status change is ignored here
    // because the entry is no longer in the map.
    entry.session.close();
    entry.owned.dispose();
    this.stopLog(entry, why);
    this.deps.sink('consoles.changed', this.snapshot(entry));
  }
}
