/**
 * The LXC driver: Debian's / upstream `lxc-*` tools (LXC 4-5), run as the login user. Root sees the
 * privileged containers of /var/lib/lxc; any other user its unprivileged ones (~/.local/share/lxc).
 *
 *   refresh()   ONE `sh -c` (inventory-script.ts): every container's lxc-info and config limits
 *   watch()     `lxc-monitor -P LXCPATH -n '.*'` (every state change, freeze and thaw included)
 *   actions     start, shutdown (lxc-stop --nokill -t T), destroy (lxc-stop -k), reboot (lxc-stop -r),
 *               pause/resume (lxc-freeze / lxc-unfreeze, verified with lxc-info -s: lxc-unfreeze exits 0
 *               on a stopped container), autostart (lxc.start.auto in the config). No save/restore/reset.
 *   details()   `cat LXCPATH/NAME/config` (read-only raw config, rootfs, networks, mounts, cgroup limits)
 *   consoles    `lxc-console -t 0` (detach: Ctrl-a q, or close), `lxc-console -t N`, `lxc-attach` (a shell)
 * Containers are addressed by name (`-n NAME` as its own argument: any name is safe) in an explicit lxcpath.
 * Ids: container-id.ts. domId is the container's init PID while it runs (new on every start).
 */
import type { ActionOptions } from '../../core/contract';
import { VmdeckError } from '../../core/errors';
import type { ConsoleDevice, Guest, GuestDetails, HostFacts, LifecycleAction } from '../../core/models';
import {
  lxcAutostart,
  lxcConfigToDetails,
  lxcCpuLimit,
  lxcGuestState,
  lxcLimits,
  lxcMemoryLimitBytes,
  parseLxcInfo,
  parseLxcInventory,
  parseLxcMonitorLine,
  lxcConfigValue,
  type LxcContainerRow,
  type LxcInventory,
} from '../../core/parsers';
import type { CommandRunner, ExecResult } from '../../core/runner';
import type { ChangeHint, ChangeWatch, GuestRef, HypervisorDriver, RefreshResult } from '../driver';
import { EVENT_STREAM_OPTIONS, watchLines } from '../shared/line-watch';
import { runTool, type RunToolOptions } from '../shared/run-tool';
import { realClock, waitUntil, type PollClock } from '../shared/wait-until';
import { containerUuid } from './container-id';
import { inventoryArgv, newToken } from './inventory-script';

export interface LxcDriverOptions {
  /** The default wait of a shutdown without a timeout (lxc-stop's own default is 60 s). */
  defaultShutdownSec?: number;
  clock?: PollClock;
  /** How often a state check after freeze/unfreeze polls (ms). */
  statePollMs?: number;
  /** Injectable for tests: the framing token of the next refresh. */
  token?: () => string;
}

/** Sets lxc.start.auto in one config file (path and value are arguments, never spliced into the script). */
const AUTOSTART_SCRIPT = [
  'f=$1; v=$2',
  '[ -f "$f" ] || { echo "$f: container config does not exist" >&2; exit 1; }',
  "if grep -q '^[[:space:]]*lxc\\.start\\.auto[[:space:]]*=' \"$f\"; then",
  "  sed -i \"s/^[[:space:]]*lxc\\.start\\.auto[[:space:]]*=.*/lxc.start.auto = $v/\" \"$f\"",
  'else printf "lxc.start.auto = %s\\n" "$v" >>"$f"; fi',
].join('\n');

export class LxcDriver implements HypervisorDriver {
  readonly toolstack = 'lxc' as const;
  readonly needsPolling = false;
  private readonly defaultShutdownSec: number;
  private readonly clock: PollClock;
  private readonly statePollMs: number;
  private readonly token: () => string;
  private last: LxcInventory | undefined;

  constructor(
    private readonly runner: CommandRunner,
    options: LxcDriverOptions = {},
  ) {
    this.defaultShutdownSec = options.defaultShutdownSec ?? 60;
    this.clock = options.clock ?? realClock;
    this.statePollMs = options.statePollMs ?? 250;
    this.token = options.token ?? newToken;
  }

  get target(): string {
    return this.last ? `lxc ${this.last.facts.lxcpath}` : 'lxc';
  }

  private run(argv: readonly string[], options?: RunToolOptions): Promise<ExecResult> {
    return runTool(this.runner, 'lxc', argv, options);
  }

  /** `-P LXCPATH -n NAME`, once the lxcpath is known. */
  private where(guest: GuestRef): string[] {
    const lp = this.last?.facts.lxcpath;
    return lp ? ['-P', lp, '-n', guest.name] : ['-n', guest.name];
  }

  async refresh(): Promise<RefreshResult> {
    const token = this.token();
    const r = await this.run(inventoryArgv(token));
    const inv = parseLxcInventory(r.stdout, token);
    this.last = inv;
    const identity = inv.facts.machineId || inv.facts.hostname || this.runner.label;
    const guests = inv.containers.map((c) => this.toGuest(c, inv, identity));
    return { guests, facts: lxcFacts(inv) };
  }

  private toGuest(c: LxcContainerRow, inv: LxcInventory, identity: string): Guest {
    const { state, reason } = lxcGuestState(c.info.state);
    const limits = lxcLimits(c.config);
    const memLimit = lxcMemoryLimitBytes(limits);
    const cpus = lxcCpuLimit(limits) ?? inv.facts.cpus;
    const active = state !== 'shutoff' && state !== 'unknown';
    const g: Guest = {
      hostId: '',
      uuid: containerUuid(identity, inv.facts.lxcpath, c.name),
      name: c.name,
      domId: active ? c.info.pid : null,
      state,
      vcpus: cpus,
      maxVcpus: cpus,
      memoryKiB: c.info.memoryBytes !== null ? Math.floor(c.info.memoryBytes / 1024) : 0,
      maxMemoryKiB: memLimit !== null ? Math.floor(memLimit / 1024) : inv.facts.memTotalKiB,
      cpuTimeNs: c.info.cpuTimeNs ?? 0,
      cpuPercent: null,
      autostart: lxcAutostart(c.config),
      persistent: true,
      osType: 'container',
      kind: 'container',
    };
    if (reason !== undefined) g.stateReason = reason;
    const arch = lxcConfigValue(c.config, 'lxc.arch');
    if (arch !== undefined) g.arch = arch;
    return g;
  }

  async watch(onChange: (hint: ChangeHint) => void): Promise<ChangeWatch> {
    const lp = this.last?.facts.lxcpath;
    const stream = await this.runner.stream(['lxc-monitor', ...(lp ? ['-P', lp] : []), '-n', '.*'], EVENT_STREAM_OPTIONS);
    return watchLines(stream, (line) => {
      const event = parseLxcMonitorLine(line);
      if (event === null) return;
      onChange({ name: event.name, detail: event.line });
    });
  }

  async action(guest: GuestRef, action: LifecycleAction, options?: ActionOptions): Promise<void> {
    switch (action) {
      case 'start':
        await this.run(['lxc-start', ...this.where(guest)], { timeoutMs: 120_000 });
        return;
      case 'shutdown': {
        const sec = options?.timeoutSec ?? this.defaultShutdownSec;
        try {
          await this.run(['lxc-stop', ...this.where(guest), '--nokill', '-t', String(sec)], { timeoutMs: (sec + 15) * 1000 });
        } catch (e) {
          // lxc-stop --nokill exits 1 with nothing useful on stderr when the wait ran out.
          if (e instanceof VmdeckError && e.code === 'COMMAND_FAILED' && (await this.stateOf(guest)) !== 'STOPPED') {
            throw new VmdeckError('TIMEOUT', `${guest.name} did not shut down within ${sec} s`, {
              ...e.details,
              notes: ['Force it off (destroy) if the container ignores its halt signal (lxc.signal.halt).'],
            });
          }
          throw e;
        }
        return;
      }
      case 'destroy':
        await this.run(['lxc-stop', ...this.where(guest), '-k'], { timeoutMs: 60_000 });
        return;
      case 'reboot':
        await this.run(['lxc-stop', ...this.where(guest), '-r'], { timeoutMs: 75_000 });
        return;
      case 'pause':
        await this.run(['lxc-freeze', ...this.where(guest)]);
        await this.expectState(guest, 'FROZEN', 'freeze');
        return;
      case 'resume':
        await this.run(['lxc-unfreeze', ...this.where(guest)]);
        await this.expectState(guest, 'RUNNING', 'unfreeze');
        return;
      case 'autostart-on':
      case 'autostart-off':
        await this.run(['sh', '-c', AUTOSTART_SCRIPT, 'vmdeck-lxc', this.configPath(guest), action === 'autostart-on' ? '1' : '0']);
        return;
      case 'save':
      case 'restore':
        throw new VmdeckError('UNSUPPORTED', `Containers have no saved state: ${action} is for virtual machines`, {
          notes: ['LXC checkpoints (lxc-checkpoint, CRIU) are not offered: stop and start the container instead.'],
        });
      case 'reset':
        throw new VmdeckError('UNSUPPORTED', 'Containers have no reset: force the container off, then start it', {
          notes: ['A reboot (lxc-stop -r) asks its init to restart.'],
        });
      default: {
        const never: never = action;
        throw new VmdeckError('UNSUPPORTED', `unknown action ${String(never)}`);
      }
    }
  }

  private configPath(guest: GuestRef): string {
    const lp = this.last?.facts.lxcpath;
    if (!lp) throw new VmdeckError('INVALID_STATE', 'the LXC host has not been listed yet (no lxcpath known)');
    return `${lp}/${guest.name}/config`;
  }

  private async stateOf(guest: GuestRef): Promise<string> {
    return parseLxcInfo((await this.run(['lxc-info', ...this.where(guest), '-s'])).stdout).state;
  }

  /** lxc-freeze / lxc-unfreeze may exit 0 without the change: believe lxc-info (FREEZING/THAWED pass quickly). */
  private async expectState(guest: GuestRef, want: 'FROZEN' | 'RUNNING', verb: string): Promise<void> {
    let seen = '';
    const ok = await waitUntil(
      async () => {
        seen = await this.stateOf(guest);
        return seen === want;
      },
      5000,
      this.statePollMs,
      this.clock,
    );
    if (!ok) throw new VmdeckError('INVALID_STATE', `${guest.name} is ${seen.toLowerCase() || 'in an unknown state'} after ${verb}`);
  }

  async details(guest: GuestRef): Promise<GuestDetails> {
    if (!this.last) await this.refresh();
    const inv = this.last as LxcInventory;
    const raw = (await this.run(['cat', '--', this.configPath(guest)])).stdout;
    const row = inv.containers.find((c) => c.name === guest.name);
    return {
      hostId: '',
      ...lxcConfigToDetails({
        uuid: guest.uuid,
        name: guest.name,
        raw,
        hostCpus: inv.facts.cpus,
        hostMemoryKiB: inv.facts.memTotalKiB,
        memoryBytes: row?.info.memoryBytes ?? null,
      }),
    };
  }

  async consoleDevices(guest: GuestRef): Promise<ConsoleDevice[]> {
    return (await this.details(guest)).consoles;
  }

  consoleCommand(guest: GuestRef, device?: string): readonly string[] {
    if (device === undefined || device === '' || device === 'console') return ['lxc-console', ...this.where(guest), '-t', '0'];
    if (device === 'shell') return ['lxc-attach', ...this.where(guest)];
    const m = /^tty:(\d{1,2})$/.exec(device);
    if (m) return ['lxc-console', ...this.where(guest), '-t', m[1] as string];
    throw new VmdeckError('INVALID_ARGUMENT', `unknown LXC console device "${device}" (console, tty:N, shell)`);
  }

  dispose(): void {
  }
}

export function lxcFacts(inv: LxcInventory): HostFacts {
  const f = inv.facts;
  const facts: HostFacts = {
    cpus: f.cpus,
    memoryKiB: f.memTotalKiB,
    freeMemoryKiB: f.memAvailableKiB,
    hypervisor: 'LXC',
    cpuPercent: null,
    memoryUsedPercent: f.memTotalKiB > 0 ? Math.round(((f.memTotalKiB - f.memAvailableKiB) / f.memTotalKiB) * 1000) / 10 : null,
  };
  if (f.hostname) facts.hostname = f.hostname;
  if (f.version) facts.hypervisorVersion = f.version;
  return facts;
}
