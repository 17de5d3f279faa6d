/**
 * The composition root: builds every service once and serves the contract to any number of clients.
 * Electron (one client per window's webContents), browser mode (one per WebSocket) and the CLI (one,
 * in-process) each `connect` with their own event sink and call the handlers they get back.
 *
 * Events: host, guest, prompt, activity, settings and task events go to every client; a console's
 * `consoles.data` and `consoles.changed` only to the client that owns it (ConsoleService).
 */
import { join } from 'node:path';
import type { AppInfo, ContractClient, ContractServer, EventName, EventPayload, EventSink, VmdeckHandlers } from '../core/contract';
import { VmdeckError } from '../core/errors';
import { DisposableStore } from '../core/lifecycle';
import { startBulkAction } from '../core/tasks-bulk';
import { TaskRegistry } from '../core/tasks';
import { ActivityLog } from '../services/activity-log';
import { HostRegistry } from '../services/host-registry';
import { HostStore } from '../services/host-store';
import { PromptService } from '../services/prompt-service';
import { SettingsStore } from '../services/settings-store';
import type { SecretStore } from '../transport/secrets';
import { createHostLinkFactory } from './host-links';
import { createSessionDeps } from './session-deps';
import { createConsoles } from './consoles';
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

export interface Backend extends ContractServer {
  /** Services, for tests that go below the contract. */
  readonly registry: HostRegistry;
  readonly prompts: PromptService;
  readonly activity: ActivityLog;
  readonly tasks: TaskRegistry;
  /** Connected clients (windows, tabs, the CLI). */
  readonly clientCount: number;
  dispose(): Promise<void>;
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const store = new DisposableStore();
  const clients = new Map<string, EventSink>();
  let nextClient = 1;
  /** To every client; a client's failing sink never keeps the others from their event. */
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const sink of [...clients.values()]) sink(event, payload);
  };

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
    createConsoles({
      registry,
      settings,
      sink: (event, payload, client) => clients.get(client)?.(event, payload),
      logDir: join(options.configDir, 'console-logs'),
    }),
  );
  const tasks = store.add(new TaskRegistry());

  store.add(registry.onDidChangeHost((v) => emit('hosts.changed', v)));
  store.add(registry.onDidRemoveHost((v) => emit('hosts.removed', v)));
  store.add(registry.onDidChangeGuests((d) => emit('guests.diff', d)));
  store.add(prompts.onRequest((p) => emit('prompts.request', p)));
  store.add(prompts.onClosed((p) => emit('prompts.closed', p)));
  store.add(activity.onDidAdd((r) => emit('activity.added', r)));
  store.add(settings.onDidChange((s) => emit('settings.changed', s)));
  store.add(tasks.onDidChange((t) => emit('tasks.changed', t)));

  const info: AppInfo = {
    version: options.version,
    mode: options.mode,
    platform: process.platform,
    canStoreSecrets: options.secrets !== undefined,
  };

  /** The contract as one client sees it: console ownership is `client`'s. */
  const handlersFor = (client: string): VmdeckHandlers => ({
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
      prompts.cancelForHost(id);
      registry.remove(id);
    },
    'hosts.connect': (id, opts) => registry.connect(id, opts),
    'hosts.disconnect': (id) => {
      consoles.closeAllForHost(id);
      prompts.cancelForHost(id);
      registry.disconnect(id);
    },
    'hosts.sshConfigCandidates': (path) => listSshConfigCandidates(path, options.homeDir),
    'guests.list': () => registry.guests(),
    'guests.details': (hostId, uuid) => registry.details(hostId, uuid),
    'guests.action': (hostId, uuid, action, opts) => registry.action(hostId, uuid, action, opts),
    'guests.bulkAction': (targets, action, opts) => {
      const { concurrencyPerHost, ...actionOptions } = opts ?? {};
      if (actionOptions.path !== undefined && targets.length > 1) {
        throw new VmdeckError('INVALID_ARGUMENT', 'a save path applies to one guest: omit it to save several (libvirt managed save)');
      }
      return startBulkAction(
        {
          tasks,
          guestName: (t) => registry.guest(t.hostId, t.uuid)?.name,
          run: (t, signal) => registry.action(t.hostId, t.uuid, action, actionOptions, signal),
        },
        targets,
        action,
        concurrencyPerHost !== undefined ? { concurrencyPerHost } : {},
      );
    },
    'tasks.list': () => tasks.list(),
    'tasks.cancel': (id) => tasks.cancel(id),
    'consoles.devices': (hostId, uuid) => registry.consoleDevices(hostId, uuid),
    'consoles.open': (hostId, uuid, opts) => consoles.open(hostId, uuid, opts, client),
    'consoles.list': () => consoles.list(client),
    'consoles.adopt': (id) => consoles.adopt(id, client),
    'consoles.input': (id, data) => consoles.input(id, data, client),
    'consoles.resize': (id, cols, rows) => consoles.resize(id, cols, rows, client),
    'consoles.ack': (id, bytes) => consoles.ack(id, bytes, client),
    'consoles.close': (id) => consoles.close(id),
    'consoles.setLogging': (id, on) => consoles.setLogging(id, on, client),
    'prompts.answer': (id, answer) => prompts.answer(id, answer),
    'prompts.pending': () => prompts.list(),
    'activity.list': () => activity.list(),
    'settings.get': () => settings.get(),
    'settings.update': (patch) => settings.update(patch),
  });

  if (options.autoConnect !== false) registry.connectAll();

  let disposed = false;
  return {
    connect(sink, connectOptions): ContractClient {
      if (disposed) throw new VmdeckError('INVALID_STATE', 'backend disposed');
      const id = `${connectOptions?.label ?? 'client'}-${nextClient++}`;
      clients.set(id, sink);
      let gone = false;
      return {
        id,
        handlers: handlersFor(id),
        dispose() {
          if (gone) return;
          gone = true;
          clients.delete(id);
          consoles.releaseClient(id);
        },
      };
    },
    get clientCount() {
      return clients.size;
    },
    registry,
    prompts,
    activity,
    tasks,
    async dispose() {
      if (disposed) return;
      disposed = true;
      // Tasks and consoles announce their end to the clients still connected, then nothing is sent.
      store.dispose();
      clients.clear();
    },
  };
}
