/**
 * Seams for the host services: a HostLink whose connection the test drives, and a driver with scripted
 * guests, actions and an event stream. Used by the HostSession, HostRegistry and createBackend tests.
 */
import type { ConnectionState, HostConfig } from '../../../main/core/contract';
import { VmdeckError, type ErrorData } from '../../../main/core/errors';
import { Emitter } from '../../../main/core/lifecycle';
import type { Guest, GuestDetails, HostFacts, LifecycleAction } from '../../../main/core/models';
import type { CommandRecord } from '../../../main/core/runner';
import { FakeRunner } from './consoles/fakes';
import type { ActionOptions } from '../../../main/core/contract';
import type { ChangeHint, ChangeWatch, GuestRef, HypervisorDriver } from '../../../main/hypervisors/driver';
import type { HostLink } from '../../../main/services/host-link';
import type { HostSessionDeps } from '../../../main/services/host-session';

export const uuidOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export function guest(name: string, n: number, over: Partial<Guest> = {}): Guest {
  return {
    hostId: '',
    uuid: uuidOf(n),
    name,
    domId: 1,
    state: 'running',
    vcpus: 1,
    memoryKiB: 1024,
    maxMemoryKiB: 1024,
    cpuTimeNs: 0,
    cpuPercent: null,
    autostart: null,
    persistent: true,
    ...over,
  };
}

const FACTS: HostFacts = { cpus: 2, memoryKiB: 100, freeMemoryKiB: 50, hypervisor: 'fake', cpuPercent: null, memoryUsedPercent: null };

/** A runner whose console channels the test drives (FakeRunner of the console tests), named after its host. */
class HostRunner extends FakeRunner {
  constructor(readonly host: string) {
    super();
  }
}

export class FakeLink implements HostLink {
  state: ConnectionState = 'disconnected';
  error: ErrorData | undefined;
  reconnectAt: number | undefined;
  warnings: string[] = [];
  readonly runner: HostRunner;
  /** Set to make the next connect fail with this error. */
  failNext: VmdeckError | undefined;
  connects = 0;
  disposed = false;
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly commandEmitter = new Emitter<CommandRecord>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onCommand = this.commandEmitter.event;

  constructor(readonly config: HostConfig) {
    this.runner = new HostRunner(config.name);
  }

  async connect(): Promise<void> {
    this.connects++;
    if (this.state === 'ready') return;
    this.set('connecting');
    await Promise.resolve();
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      this.error = e.toData();
      this.set('failed');
      throw e;
    }
    this.error = undefined;
    this.set('ready');
  }

  disconnect(): void {
    this.set('disconnected');
  }

  /** The connection dropped by itself. */
  drop(error: ErrorData): void {
    this.error = error;
    this.set('failed');
  }

  record(argv: string[]): void {
    this.commandEmitter.fire({ hostId: '', argv, startedAt: 0, durationMs: 1, exitCode: 0, kind: 'exec' });
  }

  private set(state: ConnectionState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    this.disposed = true;
    this.stateEmitter.dispose();
  }
}

export class FakeHostDriver implements HypervisorDriver {
  readonly toolstack = 'libvirt' as const;
  readonly target = 'fake:///';
  guests: Guest[] = [];
  refreshes = 0;
  /** Set to make refreshes fail until cleared. */
  refreshError: VmdeckError | undefined;
  readonly actions: { name: string; action: LifecycleAction; options?: ActionOptions }[] = [];
  /** Per guest name: what an action does (default: succeed at once). */
  onAction: (ref: GuestRef, action: LifecycleAction, signal?: AbortSignal) => Promise<void> = async () => undefined;
  private hint: ((h: ChangeHint) => void) | undefined;
  private readonly closed = new Emitter<void>();
  disposed = false;

  async refresh() {
    this.refreshes++;
    if (this.refreshError) throw this.refreshError;
    return { guests: this.guests.map((g) => ({ ...g })), facts: FACTS };
  }

  async watch(onChange: (h: ChangeHint) => void): Promise<ChangeWatch> {
    this.hint = onChange;
    return { onDidClose: this.closed.event, dispose: () => (this.hint = undefined) };
  }

  /** The host's event stream says something changed. */
  emitHint(h: ChangeHint = {}): void {
    this.hint?.(h);
  }

  async action(ref: GuestRef, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void> {
    this.actions.push({ name: ref.name, action, ...(options ? { options } : {}) });
    await this.onAction(ref, action, signal);
  }

  async details(ref: GuestRef): Promise<GuestDetails> {
    return {
      hostId: '',
      uuid: ref.uuid,
      name: ref.name,
      toolstack: 'libvirt',
      vcpus: 1,
      memoryKiB: 1024,
      maxMemoryKiB: 1024,
      bootOrder: [],
      disks: [],
      nics: [],
      consoles: [],
      graphics: [],
      raw: '<domain/>',
      rawFormat: 'xml',
    };
  }

  consoleDevices = async () => [];
  consoleCommand = (ref: GuestRef) => ['virsh', 'console', '--force', ref.name];

  dispose(): void {
    this.disposed = true;
  }
}

/** Links and drivers by host name, made on demand, plus the session deps that hand them out. */
export class FakeFleet {
  readonly links = new Map<string, FakeLink>();
  readonly drivers = new Map<string, FakeHostDriver>();
  detections = 0;

  driver(name: string): FakeHostDriver {
    let d = this.drivers.get(name);
    if (!d) this.drivers.set(name, (d = new FakeHostDriver()));
    return d;
  }

  linkFactory = (config: HostConfig): HostLink => {
    const link = new FakeLink(config);
    this.links.set(config.name, link);
    return link;
  };

  sessionDeps(over: Partial<HostSessionDeps> = {}): HostSessionDeps {
    return {
      watch: true,
      detect: async () => {
        this.detections++;
        return { toolstack: 'libvirt', libvirtUri: 'fake:///', libvirtUriSource: 'configured', warnings: [] };
      },
      createDriver: (runner) => this.driver((runner as HostRunner).host),
      pollIntervalMs: () => 60_000,
      ...over,
    };
  }
}

export const settle = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};
