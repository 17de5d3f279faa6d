/**
 * The composition root: builds every service once and serves the contract to any number of clients.
 * Electron (one client per window's webContents), browser mode (one per WebSocket) and the CLI (one,
 * in-process) each `connect` with their own event sink and call the handlers they get back.
 *
 * Events: host, guest, prompt, activity, settings and task events go to every client; a console's
 * `consoles.data` and `consoles.changed` only to the client that owns it (ConsoleService).
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { AppInfo, ContractClient, ContractServer, EventName, EventPayload, EventSink, VmdeckHandlers } from '../core/contract';
import { VmdeckError } from '../core/errors';
import { DisposableStore } from '../core/lifecycle';
import { startBulkAction } from '../core/tasks-bulk';
import { TaskRegistry } from '../core/tasks';
import { ActivityLog } from '../services/activity-log';
import type { HostLinkFactory } from '../services/host-link';
import { HostRegistry, type HostCatalog } from '../services/host-registry';
import type { HostSessionDeps } from '../services/host-session';
import { MemoryHostCatalog } from '../services/memory-host-catalog';
import { HostStore } from '../services/host-store';
import { PromptService } from '../services/prompt-service';
import { SettingsStore } from '../services/settings-store';
import type { SecretStore } from '../transport/secrets';
import { HostChecker } from './host-check';
import { createConnectionManager, createHostLinkFactory, type HostLinkDeps } from './host-links';
import { createSessionDeps } from './session-deps';
import { createConsoles } from './consoles';
import { createDisplays } from './displays';
import { listSshConfigCandidates } from './ssh-config-import';

export interface BackendOptions {
  mode: AppInfo['mode'];
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
  /** Keep hosts in the config dir's hosts.json (default) or for this run only (the CLI's --ssh-config). */
  persistHosts?: boolean;
  /** Open each host's event stream and poll (default), or take snapshots on demand only (one-shot CLI commands). */
  watch?: boolean;
  /** Tests: replace the transport (every host's link) and the toolstack (detection and drivers). */
  linkFactory?: HostLinkFactory;
  sessionDeps?: HostSessionDeps;
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
  const persistedHosts = options.persistHosts === false ? undefined : new HostStore(options.configDir);
  const hostStore: HostCatalog = persistedHosts ?? new MemoryHostCatalog();
  const prompts = new PromptService();
  const activity = new ActivityLog();
  // A corrupt store was moved aside at start-up: the user is told (activity log), nothing is lost.
  for (const n of [persistedHosts?.notice, settings.notice]) if (n) activity.notice(n.message, n.code);

  const linkDeps: HostLinkDeps = {
    configDir: options.configDir,
    prompts,
    activity,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.extraKnownHosts ? { extraKnownHosts: options.extraKnownHosts } : {}),
    ...(options.homeDir ? { homeDir: options.homeDir } : {}),
  };
  const linkFactory = options.linkFactory ?? createHostLinkFactory(linkDeps);
  const sessionDeps = options.sessionDeps ?? createSessionDeps(settings, { watch: options.watch ?? true });
  const registry = store.add(new HostRegistry(hostStore, linkFactory, sessionDeps));
  const testConnections = store.add(createConnectionManager(linkDeps));
  const checker = new HostChecker({
    manager: testConnections,
    registry,
    prompts,
    session: sessionDeps,
    appKnownHostsPath: join(options.configDir, 'known_hosts'),
  });
  const consoles = store.add(
    createConsoles({
      registry,
      settings,
      sink: (event, payload, client) => clients.get(client)?.(event, payload),
      activity,
      logDir: join(options.configDir, 'console-logs'),
    }),
  );
  const tasks = store.add(new TaskRegistry());

  // A display's events go to the client that opened it (like a console's), never to every client.
  const displays = store.add(
    createDisplays({ registry, sink: (event, payload, owner) => (owner !== undefined ? clients.get(owner)?.(event, payload) : emit(event, payload)) }),
  );

  store.add(registry.onDidChangeHost((v) => emit('hosts.changed', v)));
  store.add(registry.onDidRemoveHost((v) => emit('hosts.removed', v)));
  store.add(registry.onDidChangeGuests((d) => emit('guests.diff', d)));
  store.add(prompts.onRequest((p) => emit('prompts.request', p)));
  store.add(prompts.onClosed((p) => emit('prompts.closed', p)));
  store.add(activity.onDidAdd((r) => emit('activity.added', r)));
  store.add(settings.onDidChange((s) => emit('settings.changed', s)));
  store.add(tasks.onDidChange((t) => emit('tasks.changed', t)));
  store.add(settings.onDidChange(() => registry.applyPollIntervals()));

  const info: AppInfo = {
    version: options.version,
    mode: options.mode,
    platform: process.platform,
    canStoreSecrets: options.secrets !== undefined,
  };

  // User actions go to the activity log with who, what, which guest (by name) and the result.
  const who = localUser();
  const asUser = <T>(hostId: string, action: string, uuid: string | undefined, body: () => Promise<T> | T): Promise<T> => {
    const guest = uuid !== undefined ? registry.guest(hostId, uuid) : undefined;
    let hostName: string | undefined;
    try {
      hostName = registry.session(hostId).config.name;
    } catch {
      hostName = undefined; // NOT_FOUND comes from the body itself
    }
    return activity.record(
      {
        hostId,
        action,
        ...(uuid !== undefined ? { guestUuid: uuid, guestName: guest?.name ?? uuid } : hostName !== undefined ? { subject: hostName } : {}),
        ...(who ? { user: who } : {}),
      },
      body,
    );
  };

  /** Before a host goes away or disconnects: its consoles, displays and open prompts end with it. */
  const closeHostChannels = (hostId: string) => {
    consoles.closeAllForHost(hostId);
    displays.closeAllForHost(hostId);
    prompts.cancelForHost(hostId);
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
    'hosts.add': (input) => {
      const view = registry.add(input);
      activity.add({ hostId: view.config.id, argv: ['add host', view.config.name], startedAt: Date.now(), durationMs: 0, exitCode: 0, kind: 'action', action: 'add host', ...(who ? { user: who } : {}) });
      return view;
    },
    'hosts.update': (id, input) => asUser(id, 'edit host', undefined, () => registry.update(id, input)),
    'hosts.remove': (id) =>
      asUser(id, 'remove host', undefined, () => {
        closeHostChannels(id);
        registry.remove(id);
      }),
    'hosts.connect': (id, opts) => asUser(id, 'connect', undefined, () => registry.connect(id, opts)),
    'hosts.disconnect': (id) =>
      asUser(id, 'disconnect', undefined, () => {
        closeHostChannels(id);
        registry.disconnect(id);
      }),
    'hosts.sshConfigCandidates': (path) => listSshConfigCandidates(path, options.homeDir),
    'guests.list': () => registry.guests(),
    'guests.details': (hostId, uuid) => registry.details(hostId, uuid),
    'guests.action': (hostId, uuid, action, opts) => asUser(hostId, action, uuid, () => registry.action(hostId, uuid, action, opts)),
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
    'consoles.open': (hostId, uuid, opts) => asUser(hostId, opts?.device ? `console ${opts.device}` : 'console', uuid, () => consoles.open(hostId, uuid, opts, client)),
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
    'hosts.test': (input, excludeId) => checker.test(input, excludeId),
    'hosts.duplicates': (input, excludeId) => checker.duplicates(input, excludeId),
    // Graphical consoles: a display belongs to the client that opened it.
    'displays.devices': (hostId, uuid) => displays.devices(hostId, uuid),
    'displays.open': (hostId, uuid, opts) => asUser(hostId, 'screen', uuid, () => displays.open(hostId, uuid, opts, client)),
    'displays.list': () => displays.list(),
    'displays.input': (id, generation, data) => displays.input(id, generation, data, client),
    'displays.ack': (id, bytes) => displays.ack(id, bytes),
    'displays.close': (id) => displays.close(id),
    'displays.forward': (hostId, uuid, opts) => displays.forward(hostId, uuid, opts, client),
    'displays.unforward': (id) => displays.unforward(id),
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
          displays.releaseClient(id);
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

function localUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
