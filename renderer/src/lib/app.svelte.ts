/**
 * The composition root of the renderer: one instance of each state class, the adapters that feed them
 * from the contract, and the commands components call back into. Components never touch `api` directly.
 */
import type { ConsoleInfo, HostInput, PromptAnswer, Settings, VmdeckApi } from '../../../main/core/contract';
import { toErrorData, type ErrorData } from '../../../main/core/errors';
import type { ConsoleDevice, LifecycleAction } from '../../../main/core/models';
import { bindActivity } from './adapters/activity';
import { ConsoleDataRouter, bindConsoles } from './adapters/consoles';
import { bindGuests } from './adapters/guests';
import { bindHosts } from './adapters/hosts';
import { bindPrompts } from './adapters/prompts';
import { bindSettings } from './adapters/settings';
import { DisplayModel } from './display/display-model.svelte';
import { actionSpec, isActionEnabled } from './logic/actions';
import type { GuestKey } from './logic/keys';
import { ActivityState } from './state/activity.svelte';
import { ConsolesState } from './state/consoles.svelte';
import { GuestsState } from './state/guests.svelte';
import { HostsState } from './state/hosts.svelte';
import { PromptsState } from './state/prompts.svelte';
import { SettingsState } from './state/settings.svelte';
import { UiState } from './state/ui.svelte';

export interface PendingConfirm {
  action: LifecycleAction;
  keys: GuestKey[];
  names: string[];
  /** save on a Xen host needs a file path. */
  needsPath: boolean;
  defaultPath: string;
}

export class AppModel {
  readonly hosts = new HostsState();
  readonly guests = new GuestsState((id) => this.hosts.name(id));
  readonly consoles = new ConsolesState();
  readonly prompts = new PromptsState();
  readonly activity = new ActivityState();
  readonly settings: SettingsState;
  readonly ui = new UiState();
  readonly router = new ConsoleDataRouter();
  readonly api: VmdeckApi;
  /** Graphical consoles (VNC): tabs in the console dock. */
  readonly displays: DisplayModel;
  confirm = $state<PendingConfirm | null>(null);
  readonly #offs: (() => void)[] = [];

  constructor(api: VmdeckApi, storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
    this.api = api;
    this.settings = new SettingsState(storage);
    this.displays = new DisplayModel({ api, guests: this.guests, consoles: this.consoles, info: (t) => this.info(t), error: (p, e) => this.error(p, e) });
    this.guests.groupByHost = this.settings.prefs.groupByHost;
  }

  start(): void {
    const onError = (e: unknown) => this.error('Loading failed', e);
    this.#offs.push(
      bindSettings(this.api, this.settings, onError),
      bindHosts(this.api, this.hosts, this.guests, onError),
      bindGuests(this.api, this.guests, onError),
      bindConsoles(this.api, this.consoles, this.router),
      this.displays.bind(),
      bindPrompts(this.api, this.prompts, onError),
      bindActivity(this.api, this.activity, onError),
    );
  }

  dispose(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  info(text: string): void {
    this.ui.notice = { text, tone: 'info' };
  }

  error(prefix: string, e: unknown): ErrorData {
    const data = toErrorData(e);
    this.ui.notice = { text: `${prefix}: ${data.message}`, tone: 'error' };
    if (data.code === 'DISCONNECTED' || data.code === 'UNREACHABLE') this.ui.backendLost = true;
    return data;
  }

  // ---- hosts

  async addHost(input: HostInput): Promise<void> {
    const view = await this.api['hosts.add'](input);
    this.hosts.upsert(view);
    this.info(`Added host ${view.config.name}`);
  }

  async updateHost(id: string, input: HostInput): Promise<void> {
    const view = await this.api['hosts.update'](id, input);
    this.hosts.upsert(view);
    this.info(`Saved host ${view.config.name}`);
  }

  async removeHost(id: string): Promise<void> {
    const name = this.hosts.name(id);
    try {
      await this.api['hosts.remove'](id);
      this.hosts.remove(id);
      this.guests.removeHost(id);
      this.info(`Removed host ${name}`);
    } catch (e) {
      this.error(`Removing ${name} failed`, e);
    }
  }

  async connectHost(id: string): Promise<void> {
    try {
      await this.api['hosts.connect'](id);
    } catch (e) {
      this.error(`Connecting ${this.hosts.name(id)} failed`, e);
    }
  }

  async disconnectHost(id: string): Promise<void> {
    try {
      await this.api['hosts.disconnect'](id);
    } catch (e) {
      this.error(`Disconnecting ${this.hosts.name(id)} failed`, e);
    }
  }

  // ---- guests

  async loadDetails(key: GuestKey, force = false): Promise<void> {
    const g = this.guests.get(key);
    if (!g) return;
    const cur = this.ui.details.get(key);
    if (!force && cur && cur.status !== 'error') return;
    this.ui.setDetails(key, { status: 'loading' });
    try {
      const details = await this.api['guests.details'](g.hostId, g.uuid);
      this.ui.setDetails(key, { status: 'ready', details, fetchedAt: Date.now() });
    } catch (e) {
      this.ui.setDetails(key, { status: 'error', error: toErrorData(e) });
    }
  }

  /** Entry point for every lifecycle request (toolbar, palette, shortcuts): confirms first when needed. */
  requestAction(keys: readonly GuestKey[], action: LifecycleAction): void {
    const targets = keys.filter((k) => {
      const g = this.guests.get(k);
      return g !== undefined && isActionEnabled(action, g.state, g.isControlDomain) && !this.ui.running.has(k);
    });
    if (targets.length === 0) return;
    const spec = actionSpec(action);
    const names = targets.map((k) => this.guests.get(k)?.name ?? k);
    const xenSave =
      action === 'save' && targets.some((k) => this.hosts.get(this.guests.get(k)!.hostId)?.toolstack === 'xen');
    if ((spec?.destructive && this.settings.values.confirmDestructive) || xenSave) {
      const first = this.guests.get(targets[0]!)!;
      this.confirm = {
        action,
        keys: targets,
        names,
        needsPath: xenSave,
        defaultPath: `/var/lib/xen/save/${first.name}.save`,
      };
      return;
    }
    void this.runActions(targets, action);
  }

  confirmPending(path?: string): void {
    const c = this.confirm;
    this.confirm = null;
    if (!c) return;
    void this.runActions(c.keys, c.action, path);
  }

  cancelPending(): void {
    this.confirm = null;
  }

  async runActions(keys: readonly GuestKey[], action: LifecycleAction, path?: string): Promise<void> {
    await Promise.all(keys.map((k) => this.#runOne(k, action, path)));
  }

  async #runOne(key: GuestKey, action: LifecycleAction, path?: string): Promise<void> {
    const g = this.guests.get(key);
    if (!g) return;
    this.ui.setRunning(key, action);
    this.ui.setFailure(key, null);
    try {
      const opts = action === 'save' && path ? { path } : undefined;
      await this.api['guests.action'](g.hostId, g.uuid, action, opts);
      this.info(`${actionSpec(action)?.label ?? action}: ${g.name} done`);
    } catch (e) {
      const error = toErrorData(e);
      this.ui.setFailure(key, { action, guestName: g.name, error, at: Date.now() });
      this.ui.notice = { text: `${actionSpec(action)?.label ?? action} ${g.name} failed: ${error.message}`, tone: 'error' };
    } finally {
      this.ui.setRunning(key, null);
    }
  }

  async setAutostart(key: GuestKey, on: boolean): Promise<void> {
    await this.runActions([key], on ? 'autostart-on' : 'autostart-off');
  }

  // ---- consoles

  /**
   * The user asked for a guest's console (row button, details, palette, keyboard `c`). A session already
   * open for the guest is focused. Otherwise the guest's console devices are listed: with none or one the
   * default console opens directly; with several the device picker (`ui.consoleChoice`) asks which one.
   * If the devices cannot be listed, the default console opens.
   */
  async requestConsole(key: GuestKey, device?: string): Promise<ConsoleInfo | null> {
    if (device !== undefined) return this.openConsole(key, device);
    const g = this.guests.get(key);
    if (!g) return null;
    const existing = this.consoles.findOpen(g.hostId, g.uuid);
    if (existing) {
      this.consoles.activate(existing.id);
      return existing;
    }
    if (this.consoles.opening.has(key)) return null;
    let devices: ConsoleDevice[] = [];
    this.consoles.setOpening(key, true);
    try {
      devices = await this.api['consoles.devices'](g.hostId, g.uuid);
    } catch {
      devices = []; // cannot list them: the backend's default console
    } finally {
      this.consoles.setOpening(key, false);
    }
    if (devices.length > 1) {
      this.ui.consoleChoice = { key, guestName: g.name, devices };
      return null;
    }
    return this.openConsole(key);
  }

  /** The device picker's answer: open that device (null: cancelled). */
  chooseConsole(device: string | null): void {
    const choice = this.ui.consoleChoice;
    this.ui.consoleChoice = null;
    if (choice && device !== null) void this.openConsole(choice.key, device);
  }

  async openConsole(key: GuestKey, device?: string): Promise<ConsoleInfo | null> {
    const g = this.guests.get(key);
    if (!g) return null;
    const existing = this.consoles.findOpen(g.hostId, g.uuid, device);
    if (existing) {
      this.consoles.activate(existing.id);
      return existing;
    }
    this.consoles.setOpening(key, true);
    try {
      const opened = await this.api['consoles.open'](g.hostId, g.uuid, device ? { device } : undefined);
      const info = device && !opened.device ? { ...opened, device } : opened;
      this.consoles.upsert(info, true);
      return info;
    } catch (e) {
      this.error(`Console for ${g.name}`, e);
      return null;
    } finally {
      this.consoles.setOpening(key, false);
    }
  }

  async closeConsole(id: string): Promise<void> {
    const c = this.consoles.get(id);
    this.consoles.remove(id);
    this.router.forget(id);
    if (c && c.status !== 'closed') {
      try {
        await this.api['consoles.close'](id);
      } catch (e) {
        this.error('Closing console', e);
      }
    }
  }

  async setConsoleLogging(id: string, on: boolean): Promise<void> {
    try {
      const info = await this.api['consoles.setLogging'](id, on);
      this.consoles.update(info);
    } catch (e) {
      this.error('Console logging', e);
    }
  }

  // ---- prompts, settings

  async answerPrompt(id: string, answer: PromptAnswer): Promise<void> {
    this.prompts.close(id);
    try {
      await this.api['prompts.answer'](id, answer);
    } catch (e) {
      this.error('Answering prompt', e);
    }
  }

  async updateSettings(patch: Partial<Settings>): Promise<void> {
    try {
      this.settings.set(await this.api['settings.update'](patch));
    } catch (e) {
      this.error('Saving settings', e);
    }
  }

  async openExternal(url: string): Promise<void> {
    try {
      await this.api['app.openExternal'](url);
    } catch (e) {
      this.error('Opening link', e);
    }
  }
}
