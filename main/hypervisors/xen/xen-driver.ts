/**
 * The Xen driver: `xl`, `xenstore-watch` on the host (root needed). Guests are addressed as xl-target.ts says.
 *
 *   refresh()   `xl list -v` + `xl list -l` + `xl uptime` in parallel, plus `xl info` every factsIntervalMs
 *               (xen-refresh.ts)
 *   watch()     `xenstore-watch @introduceDomain @releaseDomain`; pause/unpause raise no watch (the poll sees them)
 *   actions     shutdown [+ poll until gone], reboot, destroy, reset (`xl trigger DOM reset`), pause/unpause
 *               (verified with `xl list DOM`: xl exits 0 even when they fail), save/restore with a path,
 *               start only from a config file path (`xl create PATH`): xl keeps no defined guests.
 *   details()   `xl list -l DOM`
 */
import type { ActionOptions } from '../../core/contract';
import { VmdeckError } from '../../core/errors';
import type { ConsoleDevice, DisplayDevice, GuestDetails, HostFacts, LifecycleAction } from '../../core/models';
import {
  classifyFailure,
  parseXenstoreDisplays,
  parseXenstoreWatchLine,
  parseXlInfo,
  parseXlList,
  parseXlListJson,
  parseXlUptime,
  xlConfigToDetails,
  type XlListRow,
} from '../../core/parsers';
import type { CommandRunner, ExecResult } from '../../core/runner';
import type { ChangeHint, ChangeWatch, GuestRef, HypervisorDriver, RefreshResult } from '../driver';
import { EVENT_STREAM_OPTIONS, watchLines } from '../shared/line-watch';
import { runTool, type RunToolOptions } from '../shared/run-tool';
import { waitForShutdown } from '../shared/shutdown-wait';
import { realClock, type PollClock } from '../shared/wait-until';
import { xenFacts, xenGuests } from './xen-refresh';
import { xlConsoleArgs, xlDomainArg } from './xl-target';

export interface XenDriverOptions {
  /** Host facts (`xl info`) are re-read at most this often (default 30 s). */
  factsIntervalMs?: number;
  /** How often a shutdown with a timeout checks the domain (ms). */
  shutdownPollMs?: number;
  clock?: PollClock;
}

/** xl shutdown/reboot wait up to 60 s for the guest to acknowledge. */
const ACK_WAIT_MS = 75_000;
const LONG_COMMAND_MS = 15 * 60_000;
const WATCHED_PATHS = ['@introduceDomain', '@releaseDomain'] as const;

export class XenDriver implements HypervisorDriver {
  readonly toolstack = 'xen' as const;
  readonly target = 'xl';
  private readonly factsIntervalMs: number;
  private readonly shutdownPollMs: number;
  private readonly clock: PollClock;
  private facts: { value: HostFacts; at: number } | undefined;
  private verboseListWorks = true;

  constructor(
    private readonly runner: CommandRunner,
    options: XenDriverOptions = {},
  ) {
    this.factsIntervalMs = options.factsIntervalMs ?? 30_000;
    this.shutdownPollMs = options.shutdownPollMs ?? 1000;
    this.clock = options.clock ?? realClock;
  }

  private xl(args: readonly string[], options?: RunToolOptions): Promise<ExecResult> {
    return runTool(this.runner, 'xl', ['xl', ...args], options);
  }

  async refresh(): Promise<RefreshResult> {
    const now = this.clock.now();
    const factsDue = this.facts === undefined || now - this.facts.at >= this.factsIntervalMs;
    const [rows, configs, uptimes, info] = await Promise.all([
      this.listRows(),
      this.xl(['list', '-l']).then((r) => parseXlListJson(r.stdout)),
      // Uptime is a nicety: when this xl cannot print it, guests simply have none (never a failed refresh).
      this.xl(['uptime']).then(
        (r) => parseXlUptime(r.stdout),
        () => new Map<number, number>(),
      ),
      factsDue ? this.xl(['info']).then((r) => parseXlInfo(r.stdout)) : Promise.resolve(undefined),
    ]);
    if (info !== undefined) this.facts = { value: xenFacts(info), at: now };
    const guests = xenGuests(rows, configs, uptimes);
    return { guests, facts: (this.facts as { value: HostFacts }).value };
  }

  private async listRows(): Promise<XlListRow[]> {
    if (this.verboseListWorks) {
      try {
        return parseXlList((await this.xl(['list', '-v'])).stdout);
      } catch (e) {
        if (!(e instanceof VmdeckError && e.code === 'UNSUPPORTED')) throw e;
        this.verboseListWorks = false;
      }
    }
    return parseXlList((await this.xl(['list'])).stdout);
  }

  async watch(onChange: (hint: ChangeHint) => void): Promise<ChangeWatch> {
    const stream = await this.runner.stream(['xenstore-watch', ...WATCHED_PATHS], EVENT_STREAM_OPTIONS);
    const registered = new Set<string>();
    return watchLines(stream, (line) => {
      const event = parseXenstoreWatchLine(line);
      if (event === null) return;
      // Every watch fires once when registered: that first echo of each path is not a change.
      if ((WATCHED_PATHS as readonly string[]).includes(event.path) && !registered.has(event.path)) {
        registered.add(event.path);
        return;
      }
      onChange({ detail: line });
    });
  }

  async action(guest: GuestRef, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void> {
    if (guest.domId === 0 && action !== 'restore') {
      throw new VmdeckError('UNSUPPORTED', 'Domain-0 is the control domain: it has no lifecycle actions');
    }
    switch (action) {
      case 'start':
        return this.start(guest, options);
      case 'shutdown':
        await this.xl(['shutdown', xlDomainArg(guest)], { timeoutMs: ACK_WAIT_MS });
        if (options?.timeoutSec !== undefined) await this.waitUntilGone(guest, options.timeoutSec, signal);
        return;
      case 'reboot':
        await this.xl(['reboot', xlDomainArg(guest)], { timeoutMs: ACK_WAIT_MS });
        return;
      case 'destroy':
        await this.xl(['destroy', xlDomainArg(guest)]);
        return;
      case 'reset':
        await this.xl(['trigger', xlDomainArg(guest), 'reset'], { stderrMeansFailure: true });
        return;
      case 'pause':
        await this.xl(['pause', xlDomainArg(guest)], { stderrMeansFailure: true });
        await this.verifyPaused(guest, true);
        return;
      case 'resume':
        await this.xl(['unpause', xlDomainArg(guest)], { stderrMeansFailure: true });
        await this.verifyPaused(guest, false);
        return;
      case 'save':
        if (!options?.path) throw new VmdeckError('UNSUPPORTED', 'xl saves to a file: give the path of the save file on the host');
        await this.xl(['save', xlDomainArg(guest), options.path], { timeoutMs: LONG_COMMAND_MS });
        return;
      case 'restore':
        if (!options?.path) throw new VmdeckError('UNSUPPORTED', 'xl restores from a file: give the path of the save file on the host');
        await this.xl(['restore', options.path], { timeoutMs: LONG_COMMAND_MS });
        return;
      case 'autostart-on':
      case 'autostart-off':
        throw new VmdeckError('UNSUPPORTED', 'xl has no autostart setting', {
          notes: ['Guests whose config is linked into /etc/xen/auto/ are started by the xendomains service at boot.'],
        });
      default: {
        const never: never = action;
        throw new VmdeckError('UNSUPPORTED', `unknown action ${String(never)}`);
      }
    }
  }

  /** xl keeps no defined (shut off) guests: starting means creating from a config file. */
  private async start(guest: GuestRef, options: ActionOptions): Promise<void> {
    if (!options?.path) {
      throw new VmdeckError('UNSUPPORTED', `xl cannot start "${guest.name}": Xen keeps no shut-off guests`, {
        notes: ['Create it from its config file (give the path, e.g. /etc/xen/NAME.cfg) or restore a save file.'],
      });
    }
    await this.xl(['create', options.path], { timeoutMs: LONG_COMMAND_MS });
  }

  /** The domain's row now, or null once it is gone. */
  private async currentRow(guest: GuestRef): Promise<XlListRow | null> {
    try {
      return parseXlList((await this.xl(['list', xlDomainArg(guest)])).stdout)[0] ?? null;
    } catch (e) {
      if (e instanceof VmdeckError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  /** xl pause/unpause exit 0 even when nothing happened: believe the state, not the exit status. */
  private async verifyPaused(guest: GuestRef, wantPaused: boolean): Promise<void> {
    const row = await this.currentRow(guest);
    if (row === null) throw new VmdeckError('NOT_FOUND', `${guest.name} no longer exists`);
    if ((row.state === 'paused') !== wantPaused) {
      throw new VmdeckError('INVALID_STATE', `${guest.name} is ${row.state} (${row.stateFlags}) after ${wantPaused ? 'pause' : 'unpause'}`, {
        notes: wantPaused ? [] : ['Xen counts pauses: a domain paused twice needs two unpauses.'],
      });
    }
  }

  private waitUntilGone(guest: GuestRef, timeoutSec: number, signal: AbortSignal | undefined): Promise<void> {
    const isGone = async () => {
      const row = await this.currentRow(guest);
      return row === null || row.state === 'shutoff' || row.state === 'dying' || row.state === 'crashed';
    };
    return waitForShutdown(guest, isGone, {
      timeoutSec,
      pollMs: this.shutdownPollMs,
      clock: this.clock,
      signal,
      advice: 'Force it off (destroy) if the guest ignores the request.',
    });
  }

  async details(guest: GuestRef): Promise<GuestDetails> {
    const configs = parseXlListJson((await this.xl(['list', '-l', xlDomainArg(guest)])).stdout);
    const config = configs.find((c) => c.uuid === guest.uuid) ?? configs.find((c) => c.domId === guest.domId) ?? configs[0];
    if (config === undefined) throw new VmdeckError('NOT_FOUND', `xl has no stored configuration for ${guest.name}`);
    return { hostId: '', ...xlConfigToDetails(config) };
  }

  async consoleDevices(guest: GuestRef): Promise<ConsoleDevice[]> {
    if (guest.domId === 0) return [];
    return (await this.details(guest)).consoles;
  }

  /** xenstore's console node of the running domain, read as `xl vncviewer` does (vnc-port, vnc-listen, vnc-pass). */
  async displays(guest: GuestRef): Promise<DisplayDevice[]> {
    if (guest.domId === null || guest.domId === 0) return [];
    const domId = guest.domId;
    const argv = ['xenstore-ls', '-f', `/local/domain/${domId}/console`];
    const r = await this.runner.exec(argv, { okExitCodes: [0, 1] });
    // No console node at all (a domain being torn down): no display.
    if (r.exitCode !== 0 && /No such file or directory/.test(r.stderr)) return [];
    if (r.exitCode !== 0) throw classifyFailure('xl', { argv, stderr: r.stderr, stdout: r.stdout, exitCode: r.exitCode });
    return parseXenstoreDisplays(r.stdout, domId);
  }

  consoleCommand(guest: GuestRef, device?: string): readonly string[] {
    return ['xl', 'console', ...xlConsoleArgs(device), xlDomainArg(guest)];
  }

  dispose(): void {
  }
}
