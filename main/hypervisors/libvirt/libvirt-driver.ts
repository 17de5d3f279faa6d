/**
 * The libvirt driver: everything through `virsh -c <uri> ...` on the host, guests addressed by UUID (virsh
 * accepts UUIDs wherever it takes a domain, and they never collide with names or ids).
 *
 *   refresh()   one `virsh -c URI '<constant script>'` (see bulk-refresh.ts; a compat script for old virsh)
 *   watch()     one long-lived `virsh -c URI event --all --loop`
 *   actions     start, shutdown [+ poll `domstate` until shut off], reboot, destroy, reset, suspend, resume,
 *               managedsave | save --file, start (from managed save) | restore --file, autostart [--disable]
 *   details()   dumpxml
 */
import type { ActionOptions } from '../../core/contract';
import { VmdeckError } from '../../core/errors';
import type { ConsoleDevice, DisplayDevice, GuestDetails, LifecycleAction } from '../../core/models';
import { libvirtStateFromWords, parseLibvirtDisplays, parseLibvirtDomainXml, parseVirshDomInfo, parseVirshEventLine } from '../../core/parsers';
import type { CommandRunner, ExecOptions, ExecResult } from '../../core/runner';
import type { ChangeHint, ChangeWatch, GuestRef, HypervisorDriver, RefreshResult } from '../driver';
import { EVENT_STREAM_OPTIONS, watchLines } from '../shared/line-watch';
import { runTool } from '../shared/run-tool';
import { waitForShutdown } from '../shared/shutdown-wait';
import { realClock, type PollClock } from '../shared/wait-until';
import { needsCompatScript, parseRefresh, refreshArgv, type HostCpuSample } from './bulk-refresh';

export interface LibvirtDriverOptions {
  uri: string;
  /** How often a shutdown with a timeout checks the state (ms). */
  shutdownPollMs?: number;
  clock?: PollClock;
}

/** A refresh of thousands of guests prints a few MiB (per-vCPU lines included). */
const REFRESH_LIMITS = { timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024 };
/** Long operations: saving a guest's memory to disk, restoring it. */
const LONG_COMMAND_MS = 15 * 60_000;

export class LibvirtDriver implements HypervisorDriver {
  readonly toolstack = 'libvirt' as const;
  readonly target: string;
  private readonly uri: string;
  private readonly shutdownPollMs: number;
  private readonly clock: PollClock;
  private previousCpu: HostCpuSample | undefined;
  /** Set once this host's virsh rejected the full refresh script. */
  private compatRefresh = false;

  constructor(
    private readonly runner: CommandRunner,
    options: LibvirtDriverOptions,
  ) {
    this.uri = options.uri;
    this.target = options.uri;
    this.shutdownPollMs = options.shutdownPollMs ?? 1000;
    this.clock = options.clock ?? realClock;
  }

  private virsh(args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return runTool(this.runner, 'virsh', ['virsh', '-c', this.uri, ...args], options);
  }

  async refresh(): Promise<RefreshResult> {
    try {
      return await this.refreshWith(this.compatRefresh);
    } catch (e) {
      if (this.compatRefresh || !needsCompatScript(e)) throw e;
      this.compatRefresh = true; // an older virsh: remember, and retry once
      return this.refreshWith(true);
    }
  }

  private async refreshWith(compat: boolean): Promise<RefreshResult> {
    const argv = refreshArgv(this.uri, compat);
    const r = await runTool(this.runner, 'virsh', argv, REFRESH_LIMITS);
    const { guests, facts, cpu } = parseRefresh(r.stdout, r.stderr, argv, this.uri, this.previousCpu);
    this.previousCpu = cpu;
    return { guests, facts };
  }

  async watch(onChange: (hint: ChangeHint) => void): Promise<ChangeWatch> {
    const stream = await this.runner.stream(['virsh', '-c', this.uri, 'event', '--all', '--loop'], EVENT_STREAM_OPTIONS);
    return watchLines(stream, (line) => {
      const event = parseVirshEventLine(line);
      if (event === null) return;
      onChange({ name: event.name, detail: line });
    });
  }

  async action(guest: GuestRef, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void> {
    const dom = ['--domain', guest.uuid];
    switch (action) {
      case 'start':
        await this.virsh(['start', ...dom]);
        return;
      case 'shutdown':
        await this.virsh(['shutdown', ...dom]);
        if (options?.timeoutSec !== undefined) await this.waitForShutoff(guest, options.timeoutSec, signal);
        return;
      case 'reboot':
        await this.virsh(['reboot', ...dom]);
        return;
      case 'destroy':
        await this.virsh(['destroy', ...dom]);
        return;
      case 'reset':
        await this.virsh(['reset', ...dom]);
        return;
      case 'pause':
        await this.virsh(['suspend', ...dom]);
        return;
      case 'resume':
        await this.virsh(['resume', ...dom]);
        return;
      case 'save':
        if (options?.path) await this.virsh(['save', ...dom, '--file', options.path], { timeoutMs: LONG_COMMAND_MS });
        else await this.virsh(['managedsave', ...dom], { timeoutMs: LONG_COMMAND_MS });
        return;
      case 'restore':
        if (options?.path) await this.virsh(['restore', '--file', options.path], { timeoutMs: LONG_COMMAND_MS });
        else await this.startFromManagedSave(guest);
        return;
      case 'autostart-on':
        await this.virsh(['autostart', ...dom]);
        return;
      case 'autostart-off':
        await this.virsh(['autostart', '--disable', ...dom]);
        return;
      default: {
        const never: never = action;
        throw new VmdeckError('UNSUPPORTED', `unknown action ${String(never)}`);
      }
    }
  }

  /** `virsh start` resumes from a managed save image when there is one; without one it would cold boot. */
  private async startFromManagedSave(guest: GuestRef): Promise<void> {
    const info = parseVirshDomInfo((await this.virsh(['dominfo', '--domain', guest.uuid])).stdout);
    if (info.hasManagedSave === false) {
      throw new VmdeckError('INVALID_STATE', `${guest.name} has no managed save image to restore`, { notes: ['Give a file path to restore from a save file.'] });
    }
    await this.virsh(['start', '--domain', guest.uuid], { timeoutMs: LONG_COMMAND_MS });
  }

  private waitForShutoff(guest: GuestRef, timeoutSec: number, signal: AbortSignal | undefined): Promise<void> {
    const isOff = async () => {
      const r = await this.virsh(['domstate', '--domain', guest.uuid]);
      return libvirtStateFromWords(r.stdout.trim().split('\n')[0] ?? '') === 'shutoff';
    };
    return waitForShutdown(guest, isOff, {
      timeoutSec,
      pollMs: this.shutdownPollMs,
      clock: this.clock,
      signal,
      advice: 'The guest may ignore ACPI shutdown requests. Force it off instead.',
    });
  }

  async details(guest: GuestRef): Promise<GuestDetails> {
    const r = await this.virsh(['dumpxml', '--domain', guest.uuid]);
    return { hostId: '', ...parseLibvirtDomainXml(r.stdout) };
  }

  async consoleDevices(guest: GuestRef): Promise<ConsoleDevice[]> {
    return (await this.details(guest)).consoles;
  }

  /** The live XML's <graphics>: a running guest's real port or socket (autoport is resolved there). */
  async displays(guest: GuestRef): Promise<DisplayDevice[]> {
    const r = await this.virsh(['dumpxml', '--domain', guest.uuid]);
    return parseLibvirtDisplays(r.stdout);
  }

  consoleCommand(guest: GuestRef, device?: string): readonly string[] {
    const argv = ['virsh', '-c', this.uri, 'console', '--force', guest.uuid];
    return device ? [...argv, '--devname', device] : argv;
  }

  dispose(): void {
  }
}
