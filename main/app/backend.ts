/**
 * The composition root: builds every service once, wires their events to the event sink, and returns the
 * contract's handlers. Electron (main/electron) and browser mode (main/web) are thin transports over this.
 */
import { join } from 'node:path';
import type { AppInfo, EventName, EventPayload, EventSink, VmdeckHandlers } from '../core/contract';
import { VmdeckError } from '../core/errors';
import { DisposableStore } from '../core/lifecycle';
import { ActivityLog } from '../services/activity-log';
import { HostRegistry } from '../services/host-registry';
import { HostStore } from '../services/host-store';
import { PromptService } from '../services/prompt-service';
import { SettingsStore } from '../services/settings-store';
import type { SecretStore } from '../transport/secrets';
import { createHostLinkFactory } from './host-links';
import { createSessionDeps } from './session-deps';
import { createConsoles } from './consoles';
import { createDisplays } from './displays';
import { listSshConfigCandidates } from './ssh-config-import';

export interface BackendOptions {
  mode: 'electron' | 'browser';
  configDir: string;
  /** Remembered passwords (Electron safeStorage). Absent in browser mode: nothing is ever stored. */
  secrets?: SecretStore;
  openExternal?: (url: string) => Promise<void>;
  version: string;
  /** Extra known_hosts files to trust (e.g. a lab's), read like ~/.ssh/known_hosts. */
  extraKnownHosts?: string[];
  /** Home directory for ~/.ssh lookups (tests point it elsewhere). */
  homeDir?: string;
  /** Connect hosts marked autoConnect at start (default true). */
  autoConnect?: boolean;
}

export interface Backend {
  handlers: VmdeckHandlers;
  setEventSink(sink: EventSink): void;
  /** Services, for the CLI and tests that go below the contract. */
  readonly registry: HostRegistry;
  readonly prompts: PromptService;
  readonly activity: ActivityLog;
  dispose(): Promise<void>;
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const store = new DisposableStore();
  let sink: EventSink = () => undefined;
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => sink(event, payload);

  const settings = new SettingsStore(options.configDir);
  const hostStore = new HostStore(options.configDir);
  const prompts = new PromptService();
  const activity = new ActivityLog();

  const linkFactory = createHostLinkFactory({
    configDir: options.configDir,
    prompts,
    activity,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.extraKnownHosts ? { extraKnownHosts: options.extraKnownHosts } : {}),
    ...(options.homeDir ? { homeDir: options.homeDir } : {}),
  });
  const registry = store.add(new HostRegistry(hostStore, linkFactory, createSessionDeps(settings)));
  const consoles = store.add(
    createConsoles({ registry, settings, emit, logDir: join(options.configDir, 'console-logs') }),
  );

  const displays = store.add(createDisplays({ registry, emit }));

  store.add(registry.onDidChangeHost((v) => emit('hosts.changed', v)));
  store.add(registry.onDidRemoveHost((v) => emit('hosts.removed', v)));
  store.add(registry.onDidChangeGuests((d) => emit('guests.diff', d)));
  store.add(prompts.onRequest((p) => emit('prompts.request', p)));
  store.add(prompts.onClosed((p) => emit('prompts.closed', p)));
  store.add(activity.onDidAdd((r) => emit('activity.added', r)));
  store.add(settings.onDidChange((s) => emit('settings.changed', s)));

  const info: AppInfo = {
    version: options.version,
    mode: options.mode,
    platform: process.platform,
    canStoreSecrets: options.secrets !== undefined,
  };

  const handlers: VmdeckHandlers = {
    'app.info': () => info,
    'app.openExternal': async (url) => {
      if (!options.openExternal) throw new VmdeckError('UNSUPPORTED', 'opening links is not available in this mode');
      if (new URL(url).protocol !== 'https:') throw new VmdeckError('INVALID_ARGUMENT', 'only https links are opened');
      await options.openExternal(url);
    },
    'hosts.list': () => registry.list(),
    'hosts.add': (input) => registry.add(input),
    'hosts.update': (id, input) => registry.update(id, input),
    'hosts.remove': (id) => {
      consoles.closeAllForHost(id);
      displays.closeAllForHost(id);
      prompts.cancelForHost(id);
      registry.remove(id);
    },
    'hosts.connect': (id, opts) => registry.connect(id, opts),
    'hosts.disconnect': (id) => {
      consoles.closeAllForHost(id);
      displays.closeAllForHost(id);
      prompts.cancelForHost(id);
      registry.disconnect(id);
    },
    'hosts.sshConfigCandidates': (path) => listSshConfigCandidates(path, options.homeDir),
    'guests.list': () => registry.guests(),
    'guests.details': (hostId, uuid) => registry.details(hostId, uuid),
    'guests.action': (hostId, uuid, action, opts) => registry.action(hostId, uuid, action, opts),
    'consoles.devices': (hostId, uuid) => registry.consoleDevices(hostId, uuid),
    'consoles.open': (hostId, uuid, opts) => consoles.open(hostId, uuid, opts),
    'consoles.list': () => consoles.list(),
    'consoles.input': (id, data) => consoles.input(id, data),
    'consoles.resize': (id, cols, rows) => consoles.resize(id, cols, rows),
    'consoles.ack': (id, bytes) => consoles.ack(id, bytes),
    'consoles.close': (id) => consoles.close(id),
    'consoles.setLogging': (id, on) => consoles.setLogging(id, on),
    'prompts.answer': (id, answer) => prompts.answer(id, answer),
    'prompts.pending': () => prompts.list(),
    'activity.list': () => activity.list(),
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
    // Graphical consoles (issue 15). Ownership per client follows the consoles' once that lands.
    'displays.devices': (hostId, uuid) => displays.devices(hostId, uuid),
    'displays.open': (hostId, uuid, opts) => displays.open(hostId, uuid, opts),
    'displays.list': () => displays.list(),
    'displays.input': (id, generation, data) => displays.input(id, generation, data),
    'displays.ack': (id, bytes) => displays.ack(id, bytes),
    'displays.close': (id) => displays.close(id),
    'displays.forward': (hostId, uuid, opts) => displays.forward(hostId, uuid, opts),
    'displays.unforward': (id) => displays.unforward(id),
  };

  if (options.autoConnect !== false) registry.connectAll();

  return {
    handlers,
    setEventSink(s) {
      sink = s;
    },
    registry,
    prompts,
    activity,
    async dispose() {
      store.dispose();
    },
  };
}
