/**
 * The composition root of the renderer: one instance of each state class, the adapters that feed them
 * from the contract, and the commands components call back into. Components never touch `api` directly.
 */
import { BULK_ACTIONS, type ConsoleInfo, type HostDuplicate, type HostInput, type HostTestResult, type PromptAnswer, type Settings, type TaskInfo, type VmdeckApi } from '../../../main/core/contract';
import { toErrorData, type ErrorData } from '../../../main/core/errors';
import type { ConsoleDevice, LifecycleAction } from '../../../main/core/models';
import type { BackendConnection } from '../../../main/core/api-proxy';
import { bindActivity } from './adapters/activity';
import { ConsoleDataRouter, bindConsoles } from './adapters/consoles';
import { bindGuests } from './adapters/guests';
import { bindHosts } from './adapters/hosts';
import { bindPrompts } from './adapters/prompts';
import { bindSettings } from './adapters/settings';
import { bindTasks } from './adapters/tasks';
import { ACTION_GOAL, ACTION_GOAL_TIMEOUT_SEC, actionSpec, isActionEnabled } from './logic/actions';
import { detailsSignature } from './logic/states';
import { guestKey, type GuestKey } from './logic/keys';
import { DisplayModel } from './display/display-model.svelte';
import { ActivityState } from './state/activity.svelte';
import { ConsolesState } from './state/consoles.svelte';
import { GuestsState } from './state/guests.svelte';
import { HostsState } from './state/hosts.svelte';
import { PromptsState } from './state/prompts.svelte';
import { SettingsState } from './state/settings.svelte';
import { TasksState } from './state/tasks.svelte';
import { UiState } from './state/ui.svelte';

function isBulkAction(a: LifecycleAction): a is (typeof BULK_ACTIONS)[number] {
  return (BULK_ACTIONS as readonly LifecycleAction[]).includes(a);
}

/** Bulk actions that only bring guests up run without asking. */
const BULK_WITHOUT_CONFIRM: readonly LifecycleAction[] = ['start', 'resume'];

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
  /** The guest's detailsSignature when its details were fetched: a change means they may be stale. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping read only inside loadDetails, never rendered
  readonly #detailsFor = new Map<string, string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
  readonly #detailsLoading = new Set<string>();

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
      bindTasks(this.api, (tasks) => this.tasks.load(tasks), (t) => this.onTask(t), onError),
    );
    void this.adoptConsoles();
  }

  dispose(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  /**
   * Follows the link to the backend (the WebSocket client's `connection`): `lost` shows in the status bar at
   * once, without waiting for a failed call; `restored` means this page is a new client of the backend, so it
   * starts afresh with `onRestored` (the app reloads: state is read again and its consoles are re-adopted).
   */
  bindConnection(connection: BackendConnection, onRestored: () => void): void {
    this.#offs.push(
      connection.onDidChange((state) => {
        this.ui.backendLost = state === 'lost';
        if (state === 'restored') onRestored();
      }),
    );
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

  /** "Test connection" in the host dialog (nothing is saved); `editingId`: the host being edited. */
  testHost(input: HostInput, editingId?: string): Promise<HostTestResult> {
    return this.api['hosts.test'](input, editingId);
  }

  /** Configured hosts that reach the same machine as the same user as `input`. */
  hostDuplicates(input: HostInput, editingId?: string): Promise<HostDuplicate[]> {
    return this.api['hosts.duplicates'](input, editingId);
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

  /**
   * Details (hardware, configuration) of a guest, fetched once and again when the guest changed since
   * (state, domain, sizes, name: see detailsSignature) or when `force`d (the Refresh buttons).
   */
  async loadDetails(key: GuestKey, force = false): Promise<void> {
    const g = this.guests.get(key);
    if (!g) return;
    const cur = this.ui.details.get(key);
    const sig = detailsSignature(g);
    const stale = this.#detailsFor.get(key) !== sig;
    if (this.#detailsLoading.has(key) && !force) return;
    if (!force && cur && cur.status !== 'loading' && !stale) return;
    this.#detailsFor.set(key, sig);
    // A refresh keeps showing the details it replaces (no "Loading…" flash while the guest changes).
    if (cur?.status !== 'ready') this.ui.setDetails(key, { status: 'loading' });
    this.#detailsLoading.add(key);
    try {
      const details = await this.api['guests.details'](g.hostId, g.uuid);
      this.ui.setDetails(key, { status: 'ready', details, fetchedAt: Date.now() });
    } catch (e) {
      this.ui.setDetails(key, { status: 'error', error: toErrorData(e) });
    } finally {
      this.#detailsLoading.delete(key);
    }
  }

  /** Entry point for every lifecycle request (toolbar, palette, shortcuts): confirms first when needed. */
  requestAction(keys: readonly GuestKey[], action: LifecycleAction): void {
    const targets = keys.filter((k) => {
      const g = this.guests.get(k);
      return g !== undefined && isActionEnabled(action, g.state, g.isControlDomain, g.kind) && !this.ui.running.has(k);
    });
    if (targets.length === 0) return;
    const spec = actionSpec(action);
    const names = targets.map((k) => this.guests.get(k)?.name ?? k);
    const xenSave =
      action === 'save' && targets.some((k) => this.hosts.get(this.guests.get(k)!.hostId)?.toolstack === 'xen');
    // Several guests at once: confirm once, listing them, unless the action only brings guests up.
    const bulkNeedsConfirm = targets.length > 1 && !BULK_WITHOUT_CONFIRM.includes(action);
    if ((spec?.destructive && this.settings.values.confirmDestructive) || xenSave || bulkNeedsConfirm) {
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

  /**
   * Runs an action: on one guest directly; on several as one backend task (`guests.bulkAction`: bounded
   * concurrency per host, per-guest results, cancellable), listed in the task panel with its per-guest results.
   */
  async runActions(keys: readonly GuestKey[], action: LifecycleAction, path?: string): Promise<void> {
    if (keys.length <= 1 || path !== undefined || !isBulkAction(action)) {
      await Promise.all(keys.map((k) => this.#runOne(k, action, path)));
      return;
    }
    const targets = keys.flatMap((k) => {
      const g = this.guests.get(k);
      return g ? [{ hostId: g.hostId, uuid: g.uuid }] : [];
    });
    for (const k of keys) {
      this.ui.setRunning(k, action);
      this.ui.setFailure(k, null);
    }
    try {
      // A bulk shutdown's items succeed only once each guest is really off (or fail with TIMEOUT).
      const task = await this.api['guests.bulkAction'](targets, action, action === 'shutdown' ? { timeoutSec: ACTION_GOAL_TIMEOUT_SEC.shutdown } : undefined);
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
      this.#bulk.set(task.id, { action, handled: new Set() });
      this.ui.tasksOpen = true;
      // Reports may have arrived before this answer: apply the most advanced one.
      const known = this.tasks.get(task.id);
      this.onTask(known && known.progress.done >= task.progress.done ? known : task);
    } catch (e) {
      for (const k of keys) this.ui.setRunning(k, null);
      this.error(`${actionSpec(action)?.label ?? action} of ${keys.length} guests`, e);
    }
  }

  readonly tasks = new TasksState();
  /** Bulk tasks this window started: which guests' results were applied (bookkeeping, never rendered). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- see above
  readonly #bulk = new Map<string, { action: LifecycleAction; handled: Set<string> }>();

  /**
   * A task report (`tasks.changed`, or the answer of `guests.bulkAction`). For the bulk actions this window
   * started, each guest's result is applied once: success follows the guest to its goal state (the row shows
   * the transition meanwhile), failure is recorded on the guest; the end gives one summary naming the failures.
   */
  onTask(task: TaskInfo): void {
    this.tasks.upsert(task);
    const mine = this.#bulk.get(task.id);
    if (!mine) return;
    for (const item of task.items) {
      const key = guestKey(item.hostId, item.uuid);
      if (mine.handled.has(key) || item.state === 'pending' || item.state === 'running') continue;
      mine.handled.add(key);
      if (item.state === 'succeeded') {
        void this.followToGoal(key, mine.action).then((outcome) => {
          if (outcome === 'timeout') this.#goalTimeout(key, mine.action, item.guestName);
          this.ui.setRunning(key, null);
        });
      } else {
        this.ui.setRunning(key, null);
        if (item.state === 'failed') {
          const error = item.error ?? { code: 'INTERNAL', message: 'failed' };
          this.ui.setFailure(key, { action: mine.action, guestName: item.guestName, error, at: Date.now() });
        }
      }
    }
    if (task.state !== 'running') {
      this.#bulk.delete(task.id);
      const failed = task.items.filter((i) => i.state === 'failed');
      const done = task.items.filter((i) => i.state === 'succeeded').length;
      const cancelled = task.items.filter((i) => i.state === 'cancelled').length;
      const parts = [`${done} done`, ...(failed.length ? [`${failed.length} failed (${failed.map((i) => `${i.guestName}: ${i.error?.code ?? 'ERROR'}`).join(', ')})`] : []), ...(cancelled ? [`${cancelled} cancelled`] : [])];
      this.ui.notice = { text: `${task.title}: ${parts.join(', ')}`, tone: failed.length > 0 ? 'error' : 'info' };
    }
  }

  async cancelTask(id: string): Promise<void> {
    try {
      await this.api['tasks.cancel'](id);
    } catch (e) {
      this.error('Cancelling the task', e);
    }
  }

  async #runOne(key: GuestKey, action: LifecycleAction, path?: string): Promise<void> {
    const g = this.guests.get(key);
    if (!g) return;
    const label = actionSpec(action)?.label ?? action;
    this.ui.setRunning(key, action);
    this.ui.setFailure(key, null);
    try {
      const opts = action === 'save' && path ? { path } : undefined;
      await this.api['guests.action'](g.hostId, g.uuid, action, opts);
      // The toolstack accepted the request; the guest may need seconds more (a shutdown waits for the guest's
      // OS). Progress follows the guest's real state until it reaches the action's goal or the timeout.
      const outcome = await this.followToGoal(key, action);
      if (outcome === 'timeout') this.#goalTimeout(key, action, g.name);
      else this.info(`${label}: ${g.name} done`);
    } catch (e) {
      const error = toErrorData(e);
      this.ui.setFailure(key, { action, guestName: g.name, error, at: Date.now() });
      this.ui.notice = { text: `${label} ${g.name} failed: ${error.message}`, tone: 'error' };
    } finally {
      this.ui.setRunning(key, null);
    }
  }

  /** How often the goal of a running action is checked against the guest list (ms); tests may lower it. */
  goalPollMs = 250;

  /**
   * Waits until the guest's state (as the inventory reports it) is one of the action's goal states, the guest
   * is gone, or the action's timeout passes. Actions without a goal (reboot, reset) end at once.
   */
  followToGoal(key: GuestKey, action: LifecycleAction): Promise<'reached' | 'gone' | 'timeout'> {
    const goal = ACTION_GOAL[action];
    if (!goal) return Promise.resolve('reached');
    const deadline = Date.now() + (ACTION_GOAL_TIMEOUT_SEC[action] ?? 60) * 1000;
    return new Promise((resolve) => {
      const check = () => {
        const cur = this.guests.get(key);
        if (!cur) return 'gone' as const;
        if (goal.includes(cur.state)) return 'reached' as const;
        return Date.now() >= deadline ? ('timeout' as const) : null;
      };
      const first = check();
      if (first) return resolve(first);
      const timer = setInterval(() => {
        const r = check();
        if (r) {
          clearInterval(timer);
          resolve(r);
        }
      }, this.goalPollMs);
    });
  }

  #goalTimeout(key: GuestKey, action: LifecycleAction, name: string): void {
    const secs = ACTION_GOAL_TIMEOUT_SEC[action] ?? 60;
    const what = action === 'shutdown' ? 'shut down' : `finish ${actionSpec(action)?.label.toLowerCase() ?? action}`;
    const message = `${name} did not ${what} within ${secs} s`;
    this.ui.setFailure(key, { action, guestName: name, error: { code: 'TIMEOUT', message }, at: Date.now() });
    const offerForceOff = action === 'shutdown';
    this.ui.notice = {
      text: offerForceOff ? `${message}. The guest may ignore shutdown requests.` : message,
      tone: 'error',
      ...(offerForceOff ? { action: { label: 'Force off', run: () => this.requestAction([key], 'destroy') } } : {}),
    };
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
    const tab = this.consoles.findTab(g.hostId, g.uuid);
    if (tab) {
      // One tab per guest: focus it; a closed one reconnects in place.
      this.consoles.activate(tab.id);
      if (tab.status === 'closed') return this.reconnectConsole(tab.id);
      return tab;
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

  /** A closed console tab opens a new session on the same guest and device, in the same tab position. */
  async reconnectConsole(id: string): Promise<ConsoleInfo | null> {
    const old = this.consoles.get(id);
    if (!old || old.status !== 'closed') return old ?? null;
    const key = guestKey(old.hostId, old.uuid);
    if (this.consoles.opening.has(key)) return null;
    this.consoles.setOpening(key, true);
    try {
      const opened = await this.api['consoles.open'](old.hostId, old.uuid, old.device ? { device: old.device } : undefined);
      const info = old.device && !opened.device ? { ...opened, device: old.device } : opened;
      this.router.forget(id);
      this.consoles.replace(id, info);
      this.rememberConsoles();
      this.info(`Reconnected the console of ${old.guestName}`);
      return info;
    } catch (e) {
      this.error(`Reconnecting the console of ${old.guestName}`, e);
      return null;
    } finally {
      this.consoles.setOpening(key, false);
    }
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
    const existing = this.consoles.findTab(g.hostId, g.uuid, device);
    if (existing) {
      this.consoles.activate(existing.id);
      return existing.status === 'closed' ? this.reconnectConsole(existing.id) : existing;
    }
    this.consoles.setOpening(key, true);
    try {
      const opened = await this.api['consoles.open'](g.hostId, g.uuid, device ? { device } : undefined);
      const info = device && !opened.device ? { ...opened, device } : opened;
      this.consoles.upsert(info, true);
      this.rememberConsoles();
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
    this.rememberConsoles();
    if (c && c.status !== 'closed') {
      try {
        await this.api['consoles.close'](id);
      } catch (e) {
        this.error('Closing console', e);
      }
    }
  }

  /**
   * After a page reload the backend still has this tab's consoles: take them over again. The ids live in
   * sessionStorage, which is per tab, so another tab's consoles are never taken (adopting is explicit there).
   */
  async adoptConsoles(): Promise<void> {
    const ids = readConsoleIds();
    if (ids.length === 0) return;
    let list: ConsoleInfo[];
    try {
      list = await this.api['consoles.list']();
    } catch {
      return;
    }
    for (const id of ids) {
      const c = list.find((x) => x.id === id);
      if (!c || c.status === 'closed') continue;
      try {
        const info = await this.api['consoles.adopt'](id);
        this.consoles.upsert(info, false);
      } catch (e) {
        this.error(`Taking over the console of ${c.guestName}`, e);
      }
    }
    this.rememberConsoles();
  }

  /** Keystrokes and pastes for a console. */
  consoleInput(id: string, data: string): void {
    this.api['consoles.input'](id, data).catch((e) => this.consoleInputFailed(id, e));
  }

  /** The terminal's size changed (a failure only means the session ended; its status says so). */
  consoleResize(id: string, cols: number, rows: number): void {
    this.api['consoles.resize'](id, cols, rows).catch(() => {});
  }

  /** Output bytes xterm has written (flow control; a failure only means the session ended). */
  consoleAck(id: string, bytes: number): void {
    this.api['consoles.ack'](id, bytes).catch(() => {});
  }

  /** The import dialog's candidates from an ssh_config file (default: the user's own). */
  sshConfigCandidates(path?: string): ReturnType<VmdeckApi['hosts.sshConfigCandidates']> {
    return this.api['hosts.sshConfigCandidates'](path);
  }

  /**
   * Keystrokes for a console the backend no longer has (it ended just before its `closed` event arrived): the
   * tab shows it closed, with Reconnect, instead of an error per keystroke.
   */
  consoleInputFailed(id: string, e: unknown): void {
    const data = toErrorData(e);
    const c = this.consoles.get(id);
    if (data.code === 'NOT_FOUND' && c) {
      if (c.status !== 'closed') this.consoles.update({ ...c, status: 'closed' });
      return;
    }
    this.error('Console input', e);
  }

  /** Writes the ids of this tab's consoles for `adoptConsoles` after a reload. */
  rememberConsoles(): void {
    writeConsoleIds(this.consoles.list.filter((c) => c.status !== 'closed').map((c) => c.id));
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

const CONSOLE_IDS_KEY = 'vmdeck.consoles';

function sessionStore(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

function readConsoleIds(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStore()?.getItem(CONSOLE_IDS_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 100) : [];
  } catch {
    return [];
  }
}

function writeConsoleIds(ids: readonly string[]): void {
  try {
    sessionStore()?.setItem(CONSOLE_IDS_KEY, JSON.stringify(ids));
  } catch {
    /* storage full or disabled: a reload then starts without the consoles */
  }
}
