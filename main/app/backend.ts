/**
 * The composition root: builds every service once, wires their events to the event sink, and returns the
 * contract's handlers. Electron (main/electron) and browser mode (main/web) are thin transports over this.
 */
import { userInfo } from 'node:os';
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
import { HostChecker } from './host-check';
import { createConnectionManager, createHostLinkFactory, type HostLinkDeps } from './host-links';
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

  const linkDeps: HostLinkDeps = {
    configDir: options.configDir,
    prompts,
    activity,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.extraKnownHosts ? { extraKnownHosts: options.extraKnownHosts } : {}),
    ...(options.homeDir ? { homeDir: options.homeDir } : {}),
  };
  const linkFactory = createHostLinkFactory(linkDeps);
  const sessionDeps = createSessionDeps(settings);
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
    createConsoles({ registry, settings, emit, activity, logDir: join(options.configDir, 'console-logs') }),
  );

  store.add(registry.onDidChangeHost((v) => emit('hosts.changed', v)));
  store.add(registry.onDidRemoveHost((v) => emit('hosts.removed', v)));
  store.add(registry.onDidChangeGuests((d) => emit('guests.diff', d)));
  store.add(prompts.onRequest((p) => emit('prompts.request', p)));
  store.add(prompts.onClosed((p) => emit('prompts.closed', p)));
  store.add(activity.onDidAdd((r) => emit('activity.added', r)));
  store.add(settings.onDidChange((s) => emit('settings.changed', s)));
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

  const handlers: VmdeckHandlers = {
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
        consoles.closeAllForHost(id);
        prompts.cancelForHost(id);
        registry.remove(id);
      }),
    'hosts.connect': (id, opts) => asUser(id, 'connect', undefined, () => registry.connect(id, opts)),
    'hosts.disconnect': (id) =>
      asUser(id, 'disconnect', undefined, () => {
        consoles.closeAllForHost(id);
        prompts.cancelForHost(id);
        registry.disconnect(id);
      }),
    'hosts.sshConfigCandidates': (path) => listSshConfigCandidates(path, options.homeDir),
    'guests.list': () => registry.guests(),
    'guests.details': (hostId, uuid) => registry.details(hostId, uuid),
    'guests.action': (hostId, uuid, action, opts) => asUser(hostId, action, uuid, () => registry.action(hostId, uuid, action, opts)),
    'consoles.devices': (hostId, uuid) => registry.consoleDevices(hostId, uuid),
    'consoles.open': (hostId, uuid, opts) => asUser(hostId, opts?.device ? `console ${opts.device}` : 'console', uuid, () => consoles.open(hostId, uuid, opts)),
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
    'hosts.test': (input, excludeId) => checker.test(input, excludeId),
    'hosts.duplicates': (input, excludeId) => checker.duplicates(input, excludeId),
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

function localUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
