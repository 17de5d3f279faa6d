/**
 * Everything vmdeck runs for one host: its link, the detected toolstack, the driver, the inventory.
 * When the link becomes ready the session detects the toolstack and starts the inventory; when the link
 * drops it tears them down and the link's own reconnection brings them back.
 */
import type { ActionOptions, HostConfig, HostView } from '../core/contract';
import { VmdeckError, toErrorData, type ErrorData } from '../core/errors';
import { DisposableStore, Emitter, type Disposable, type Event } from '../core/lifecycle';
import type { ConsoleDevice, Guest, GuestDetails, GuestDiff, LifecycleAction } from '../core/models';
import type { CommandRunner } from '../core/runner';
import type { DetectionResult, GuestRef, HypervisorDriver } from '../hypervisors/driver';
import type { HostLink } from './host-link';
import { HostInventory } from './host-inventory';

export interface HostSessionDeps {
  detect(runner: CommandRunner, config: HostConfig): Promise<DetectionResult>;
  createDriver(runner: CommandRunner, detection: DetectionResult): HypervisorDriver;
  pollIntervalMs(config: HostConfig): number;
  /** Open the pushed-event stream and poll (the app) or only take snapshots on demand (the CLI). */
  watch: boolean;
}

interface Running {
  detection: DetectionResult;
  driver: HypervisorDriver;
  inventory: HostInventory;
  store: DisposableStore;
}

export class HostSession implements Disposable {
  private readonly store = new DisposableStore();
  private running: Running | undefined;
  private bringingUp: Promise<void> | undefined;
  private lastError: ErrorData | undefined;
  private lastDetection: DetectionResult | undefined;
  private readonly changed = this.store.add(new Emitter<HostView>());
  private readonly guestsChanged = this.store.add(new Emitter<GuestDiff>());
  readonly onDidChange: Event<HostView> = this.changed.event;
  readonly onDidChangeGuests: Event<GuestDiff> = this.guestsChanged.event;

  constructor(
    readonly config: HostConfig,
    readonly link: HostLink,
    private readonly deps: HostSessionDeps,
  ) {
    this.store.add(link);
    this.store.add(
      link.onDidChangeState((state) => {
        if (state === 'ready') void this.bringUp();
        else this.tearDown();
        this.fireChanged();
      }),
    );
  }

  get id(): string {
    return this.config.id;
  }

  view(): HostView {
    const d = this.running?.detection ?? this.lastDetection;
    const error = this.link.state === 'failed' || this.link.state === 'disconnected' ? (this.link.error ?? this.lastError) : this.lastError;
    return {
      config: this.config,
      state: this.link.state,
      ...(error ? { error } : {}),
      ...(d ? { toolstack: d.toolstack } : {}),
      ...(d?.libvirtUri ? { libvirtUri: d.libvirtUri, libvirtUriSource: d.libvirtUriSource } : {}),
      ...(this.running?.inventory.facts ? { facts: this.running.inventory.facts } : {}),
      warnings: [...this.link.warnings, ...(d?.warnings ?? [])],
      ...(this.link.reconnectAt ? { reconnectAt: this.link.reconnectAt } : {}),
    };
  }

  guests(): Guest[] {
    return this.running?.inventory.snapshot ?? [];
  }

  guest(uuid: string): Guest | undefined {
    return this.running?.inventory.guest(uuid);
  }

  get inventory(): HostInventory | undefined {
    return this.running?.inventory;
  }

  get driver(): HypervisorDriver | undefined {
    return this.running?.driver;
  }

  async connect(options: { replaceHostKey?: boolean } = {}): Promise<void> {
    this.lastError = undefined;
    await this.link.connect(options.replaceHostKey ? { allowReplaceHostKey: true } : {});
    await this.bringUp();
  }

  disconnect(): void {
    this.link.disconnect();
    this.tearDown();
    this.fireChanged();
  }

  /** Waits until the driver is up (after connect). */
  async ready(): Promise<Running> {
    if (this.bringingUp) await this.bringingUp;
    if (!this.running) throw new VmdeckError('NOT_CONNECTED', `${this.config.name} is not connected`, { host: this.config.name });
    return this.running;
  }

  private bringUp(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.bringingUp ??= this.doBringUp().finally(() => {
      this.bringingUp = undefined;
    });
    return this.bringingUp;
  }

  private async doBringUp(): Promise<void> {
    const store = new DisposableStore();
    try {
      const detection = await this.deps.detect(this.link.runner, this.config);
      this.lastDetection = detection;
      const driver = store.add(this.deps.createDriver(this.link.runner, detection));
      const inventory = store.add(
        new HostInventory(this.config.id, driver, {
          pollIntervalMs: this.deps.pollIntervalMs(this.config),
          live: this.deps.watch,
        }),
      );
      store.add(inventory.onDidChangeGuests((d) => this.guestsChanged.fire(d)));
      store.add(inventory.onDidChangeFacts(() => this.fireChanged()));
      store.add(
        inventory.onRefreshError((e) => {
          this.lastError = e;
          this.fireChanged();
        }),
      );
      this.running = { detection, driver, inventory, store };
      await inventory.start();
      this.lastError = undefined;
      this.fireChanged();
    } catch (e) {
      this.lastError = toErrorData(e);
      this.tearDown();
      this.fireChanged();
      throw e;
    }
  }

  private tearDown(): void {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    const removed = r.inventory.snapshot.map((g) => g.uuid);
    r.store.dispose();
    if (removed.length > 0) this.guestsChanged.fire({ hostId: this.config.id, added: [], removed, changed: [] });
  }

  private async guestRef(uuid: string): Promise<{ running: Running; ref: GuestRef }> {
    const running = await this.ready();
    const g = running.inventory.guest(uuid) ?? (await running.inventory.refresh(true), running.inventory.guest(uuid));
    if (!g) throw new VmdeckError('NOT_FOUND', `no guest ${uuid} on ${this.config.name}`, { host: this.config.name });
    return { running, ref: { uuid: g.uuid, name: g.name, domId: g.domId } };
  }

  /** `signal` (a bulk action's cancel) stops the action before it starts and interrupts its waits. */
  async action(uuid: string, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void> {
    const { running, ref } = await this.guestRef(uuid);
    if (signal?.aborted) throw new VmdeckError('CANCELLED', 'cancelled before it started');
    try {
      await running.driver.action(ref, action, options, signal);
    } finally {
      // Priority refresh: the user sees the new state without waiting for events or the poll.
      await running.inventory.refresh(true).catch(() => undefined);
    }
  }

  async details(uuid: string): Promise<GuestDetails> {
    const { running, ref } = await this.guestRef(uuid);
    const d = await running.driver.details(ref);
    return { ...d, hostId: this.config.id };
  }

  async consoleDevices(uuid: string): Promise<ConsoleDevice[]> {
    const { running, ref } = await this.guestRef(uuid);
    return running.driver.consoleDevices(ref);
  }

  private fireChanged(): void {
    this.changed.fire(this.view());
  }

  dispose(): void {
    this.tearDown();
    this.store.dispose();
  }
}
