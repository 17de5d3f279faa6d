/**
 * THE contract between the renderer and the backend: every request method with its run-time argument
 * schema (zod), and every pushed event. Electron IPC (main/electron + preload) and the browser-mode
 * WebSocket (main/web + renderer/src/lib/api) are both generated from this one object, so a method cannot
 * exist on one side only. Arguments are validated at the main-side boundary; results are typed only.
 */
import { z } from 'zod';
import type { ErrorData } from './errors';
import type { CommandRecord } from './runner';
import type { ConsoleDevice, DisplayDevice, Guest, GuestDetails, GuestDiff, HostFacts, LifecycleAction, Toolstack } from './models';
import { LIFECYCLE_ACTIONS } from './models';
import type { TunnelPath } from './tunnel';

/** Phantom type marker for results and event payloads (never validated: they come from main). */
export interface Typed<T> {
  readonly __type?: T;
}
const typed = <T>(): Typed<T> => ({});

// ---------------------------------------------------------------------------------------------------
// Shared schemas

const id = z.string().min(1).max(200);
/** A guest UUID as libvirt/xl print it. */
const uuid = z.string().regex(/^[0-9a-fA-F-]{32,36}$/, 'not a UUID');
const bounded = (max: number) => z.string().max(max);

export const ConnectionStates = ['disconnected', 'connecting', 'verifying', 'authenticating', 'ready', 'failed'] as const;
export type ConnectionState = (typeof ConnectionStates)[number];

export const HostInputSchema = z.strictObject({
  /** Display name; unique. */
  name: z.string().min(1).max(100),
  /** 'ssh' for a remote host, 'local' for the machine vmdeck runs on. */
  transport: z.enum(['ssh', 'local']),
  /** Host alias or address as given to ssh (resolved through ssh_config). */
  address: bounded(255).optional(),
  user: bounded(64).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  identityFile: bounded(4096).optional(),
  /** An explicit OpenSSH client config to resolve through (default: ~/.ssh/config). */
  sshConfigFile: bounded(4096).optional(),
  proxyJump: bounded(1024).optional(),
  /** Which toolstack drives this host; 'auto' detects (xl means Xen, virsh means libvirt, lxc-ls alone means LXC). */
  toolstack: z.enum(['auto', 'libvirt', 'xen', 'lxc']).default('auto'),
  /** libvirt connection URI; unset means the host's default, chosen as a user running virsh would. */
  libvirtUri: bounded(512).optional(),
  /**
   * Polling interval for statistics and as fallback when no event stream is available; unset: the default
   * interval of the settings (followed when it changes).
   */
  pollIntervalSec: z.number().min(1).max(3600).optional(),
  autoConnect: z.boolean().default(true),
});
export type HostInput = z.input<typeof HostInputSchema>;
export type HostConfig = z.output<typeof HostInputSchema> & { id: string };

export interface HostView {
  config: HostConfig;
  state: ConnectionState;
  /** Why the host is failed or disconnected, as data. */
  error?: ErrorData;
  toolstack?: Toolstack;
  /** The libvirt URI in use and how it was chosen ("configured", "LIBVIRT_DEFAULT_URI", "uri_default", ...). */
  libvirtUri?: string;
  libvirtUriSource?: string;
  facts?: HostFacts;
  /** Non-fatal notices: StrictHostKeyChecking=no ignored, both xl and virsh present, ... */
  warnings: string[];
  /** Next automatic reconnection attempt (epoch ms), if one is scheduled. */
  reconnectAt?: number;
}

export interface SshConfigCandidate {
  alias: string;
  hostname: string;
  user?: string;
  port?: number;
  proxyJump?: string;
  sourceFile: string;
}

export const ActionOptionsSchema = z
  .strictObject({
    /** save/restore: the file on the host (xl requires it; libvirt uses managed save when absent). */
    path: bounded(4096).optional(),
    /** shutdown: seconds to wait for the guest before reporting a timeout (then the UI offers force off). */
    timeoutSec: z.number().min(1).max(3600).optional(),
  })
  .optional();
export type ActionOptions = z.infer<typeof ActionOptionsSchema>;

export const ConsoleOpenSchema = z
  .strictObject({
    /** ConsoleDevice.devName; default: the guest's first console. */
    device: bounded(200).optional(),
    cols: z.number().int().min(2).max(1000).default(80),
    rows: z.number().int().min(1).max(500).default(24),
    /** Log this session to a file (overrides the global setting). */
    log: z.boolean().optional(),
  })
  .optional();

export type ConsoleStatus = 'connecting' | 'attached' | 'reattaching' | 'closed';

export interface ConsoleInfo {
  id: string;
  hostId: string;
  uuid: string;
  guestName: string;
  device?: string;
  status: ConsoleStatus;
  /** Set while a session log is written. */
  logPath?: string;
  error?: ErrorData;
  /**
   * As seen by the calling client: true when this client opened or adopted the console. Only the owner
   * receives its `consoles.data` and `consoles.changed`; others see it in `consoles.list` and may adopt it.
   */
  owned: boolean;
}

export interface ConsoleData {
  id: string;
  data: Uint8Array;
}

export type PromptKind = 'host-key-unknown' | 'host-key-mismatch' | 'password' | 'passphrase' | 'keyboard-interactive';

export interface Prompt {
  id: string;
  hostId: string;
  kind: PromptKind;
  title: string;
  message: string;
  /** Host keys: the presented key's SHA256 fingerprint and type; for a mismatch also the known one. */
  fingerprint?: string;
  expectedFingerprint?: string;
  keyType?: string;
  /** keyboard-interactive rounds, password, passphrase: the fields to fill. */
  fields?: { label: string; secret: boolean }[];
  /** Whether the answer may be remembered (safeStorage available; never in browser mode). */
  canRemember?: boolean;
}

export const PromptAnswerSchema = z.strictObject({
  accept: z.boolean(),
  values: z.array(z.string().max(4096)).max(20).optional(),
  remember: z.boolean().optional(),
  /** For host-key-mismatch only: explicitly replace the stored key. */
  replace: z.boolean().optional(),
});
export type PromptAnswer = z.infer<typeof PromptAnswerSchema>;

// ---------------------------------------------------------------------------------------------------
// Tasks: long operations with an id, progress, per-item results and cancel (main/core/tasks.ts)

export type TaskState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type TaskItemState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One guest of a task: its progress and result. */
export interface TaskItem {
  hostId: string;
  uuid: string;
  guestName: string;
  state: TaskItemState;
  error?: ErrorData;
}

export interface TaskInfo {
  id: string;
  /** 'bulk-action' now; create/upload/snapshot/migrate later. */
  kind: string;
  /** e.g. "Shut down 3 guests". */
  title: string;
  state: TaskState;
  startedAt: number;
  endedAt?: number;
  progress: { done: number; total: number };
  /** Per-guest progress and result (empty for non-guest tasks). */
  items: TaskItem[];
  /** Why the task failed: for a bulk action, how many items failed (each item has its own error). */
  error?: ErrorData;
}

export const BulkTargetSchema = z.strictObject({ hostId: id, uuid });
export type BulkTarget = z.infer<typeof BulkTargetSchema>;

/** The actions `guests.bulkAction` accepts (restore and autostart need a per-guest choice). */
export const BULK_ACTIONS = ['start', 'shutdown', 'reboot', 'destroy', 'reset', 'pause', 'resume', 'save'] as const satisfies readonly LifecycleAction[];

export const BulkActionOptionsSchema = z
  .strictObject({
    /** shutdown: seconds to wait for each guest before its item fails with TIMEOUT. */
    timeoutSec: z.number().min(1).max(3600).optional(),
    /** save: the file on the host; allowed for one target only (several guests cannot share a file). */
    path: bounded(4096).optional(),
    /** Actions running at the same time on one host (default 2). */
    concurrencyPerHost: z.number().int().min(1).max(16).optional(),
  })
  .optional();
export type BulkActionOptions = z.infer<typeof BulkActionOptionsSchema>;

export const SettingsSchema = z.strictObject({
  confirmDestructive: z.boolean(),
  scrollback: z.number().int().min(100).max(1_000_000),
  logConsoles: z.boolean(),
  logDirectory: bounded(4096).optional(),
  logMaxBytes: z.number().int().min(1024).max(1024 * 1024 * 1024),
  pollIntervalSec: z.number().min(1).max(3600),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** The one set of defaults: the settings store starts from it, the renderer shows it until settings load. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  confirmDestructive: true,
  scrollback: 10_000,
  logConsoles: false,
  logMaxBytes: 10 * 1024 * 1024,
  pollIntervalSec: 5,
});

/** The steps of a host connection test, in order (each needs the one before it). */
export const HOST_TEST_STEPS = ['resolve', 'tcp', 'host-key', 'auth', 'toolstack'] as const;
export type HostTestStepName = (typeof HOST_TEST_STEPS)[number];

export interface HostTestStep {
  step: HostTestStepName;
  /** `skipped`: an earlier step failed, or the step does not apply (the local machine). */
  status: 'ok' | 'failed' | 'skipped';
  /** What was found, or why it failed, in plain words ("no such host name", "connection refused"). */
  detail: string;
  error?: ErrorData;
  durationMs: number;
}

/** Another configured host that points at the same machine and user. */
export interface HostDuplicate {
  hostId: string;
  name: string;
  reason: 'address' | 'host-key';
  detail: string;
}

export interface HostTestResult {
  ok: boolean;
  steps: HostTestStep[];
  toolstack?: Toolstack;
  libvirtUri?: string;
  /** Guests the toolstack lists (0 on a jump host that has virsh but no hypervisor of its own). */
  guests?: number;
  /** SHA256 fingerprint of the host key the target presented. */
  fingerprint?: string;
  /** Hints beside the steps, e.g. that a host with no toolstack or no guests looks like a jump host. */
  hints: string[];
  duplicates: HostDuplicate[];
}

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser' | 'cli';
  platform: string;
  /** Whether passwords can be remembered (Electron safeStorage with a real backend). */
  canStoreSecrets: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Graphical consoles (displays): RFB bytes between the guest's VNC server and noVNC in the renderer

export const DisplayOpenSchema = z
  .strictObject({
    /** DisplayDevice.index; default: the guest's first VNC display. */
    index: z.number().int().min(0).max(64).optional(),
    /** Relay through an exec channel even where SSH forwarding is allowed. */
    forceRelay: z.boolean().optional(),
  })
  .optional();

export type DisplayStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface DisplayInfo {
  id: string;
  hostId: string;
  uuid: string;
  guestName: string;
  index: number;
  status: DisplayStatus;
  /** Where the display listens on the host, e.g. "VNC 127.0.0.1:5900". */
  label?: string;
  hasPassword?: boolean;
  /** Which way the bytes travel: an SSH forward (TCP / UNIX socket) or the exec-channel relay. */
  path?: TunnelPath;
  /** exec-relay only: the host tool relaying. */
  relayTool?: string;
  /** Counts connections to the display server: every reconnect is a new RFB session (a new handshake). */
  generation: number;
  error?: ErrorData;
}

export interface DisplayData {
  id: string;
  generation: number;
  data: Uint8Array;
}

export interface DisplayForward {
  id: string;
  hostId: string;
  uuid: string;
  guestName: string;
  /** vnc://127.0.0.1:PORT for an external viewer. */
  address: string;
  port: number;
  label: string;
}

const bytes = (max: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.byteLength <= max, `expected at most ${max} bytes`);

// ---------------------------------------------------------------------------------------------------
// The contract

interface MethodSpec<A extends z.ZodTuple, R> {
  args: A;
  result: Typed<R>;
}
const method = <A extends z.ZodTuple, R>(args: A, _result: Typed<R>): MethodSpec<A, R> => ({ args, result: _result });
const noArgs = z.tuple([]);

export const methods = {
  'app.info': method(noArgs, typed<AppInfo>()),
  /** Opens an https URL in the user's browser (links in consoles go through here). */
  'app.openExternal': method(z.tuple([z.url({ protocol: /^https$/ }).max(4096)]), typed<void>()),

  'hosts.list': method(noArgs, typed<HostView[]>()),
  'hosts.add': method(z.tuple([HostInputSchema]), typed<HostView>()),
  'hosts.update': method(z.tuple([id, HostInputSchema]), typed<HostView>()),
  'hosts.remove': method(z.tuple([id]), typed<void>()),
  /** `replaceHostKey`: the user's explicit "replace key" after HOST_KEY_MISMATCH (asks once more, showing both). */
  'hosts.connect': method(z.tuple([id, z.strictObject({ replaceHostKey: z.boolean().optional() }).optional()]), typed<void>()),
  'hosts.disconnect': method(z.tuple([id]), typed<void>()),
  /** Hosts an OpenSSH client config declares (Include followed, wildcard patterns skipped). */
  'hosts.sshConfigCandidates': method(z.tuple([bounded(4096).optional()]), typed<SshConfigCandidate[]>()),

  'guests.list': method(noArgs, typed<Guest[]>()),
  'guests.details': method(z.tuple([id, uuid]), typed<GuestDetails>()),
  'guests.action': method(z.tuple([id, uuid, z.enum(LIFECYCLE_ACTIONS), ActionOptionsSchema]), typed<void>()),
  /**
   * One action on many guests across hosts, as a task: returns at once with the task (every item pending);
   * progress arrives as `tasks.changed`. At most `concurrencyPerHost` (default 2) run at once per host;
   * each guest's failure is its item's error (with its code); `tasks.cancel` stops the pending ones and
   * interrupts shutdown waits.
   */
  'guests.bulkAction': method(
    z.tuple([z.array(BulkTargetSchema).min(1).max(1000), z.enum(BULK_ACTIONS), BulkActionOptionsSchema]),
    typed<TaskInfo>(),
  ),

  /** Running and recently finished tasks (bounded history), oldest first. */
  'tasks.list': method(noArgs, typed<TaskInfo[]>()),
  /** Cancels a running task (a finished one is left as it is); unknown ids are NOT_FOUND. */
  'tasks.cancel': method(z.tuple([id]), typed<void>()),

  'consoles.devices': method(z.tuple([id, uuid]), typed<ConsoleDevice[]>()),
  'consoles.open': method(z.tuple([id, uuid, ConsoleOpenSchema]), typed<ConsoleInfo>()),
  /** Every open console, `owned` from the caller's point of view. */
  'consoles.list': method(noArgs, typed<ConsoleInfo[]>()),
  /** This client takes over a console it did not open (the previous owner gets a last `consoles.changed`). */
  'consoles.adopt': method(z.tuple([id]), typed<ConsoleInfo>()),
  /** Keystrokes or pasted text for the guest. */
  'consoles.input': method(z.tuple([id, z.string().max(1024 * 1024)]), typed<void>()),
  'consoles.resize': method(z.tuple([id, z.number().int().min(2).max(1000), z.number().int().min(1).max(500)]), typed<void>()),
  /** The renderer has written this many more bytes of output into xterm (flow control). */
  'consoles.ack': method(z.tuple([id, z.number().int().min(0).max(1 << 30)]), typed<void>()),
  /** Detach: closes the console channel (the guest sees nothing; no escape byte is typed into it). */
  'consoles.close': method(z.tuple([id]), typed<void>()),
  'consoles.setLogging': method(z.tuple([id, z.boolean()]), typed<ConsoleInfo>()),

  'prompts.answer': method(z.tuple([id, PromptAnswerSchema]), typed<void>()),
  'prompts.pending': method(noArgs, typed<Prompt[]>()),

  'activity.list': method(noArgs, typed<CommandRecord[]>()),

  'settings.get': method(noArgs, typed<Settings>()),
  'settings.update': method(z.tuple([SettingsSchema.partial()]), typed<Settings>()),
  /**
   * Tries a host configuration without saving it: name resolution, TCP, host key (through the usual prompt,
   * before any credential), authentication, toolstack probe. `excludeId`: the host being edited.
   */
  'hosts.test': method(z.tuple([HostInputSchema, id.optional()]), typed<HostTestResult>()),
  /** Configured hosts (other than `excludeId`) that reach the same machine as the same user. */
  'hosts.duplicates': method(z.tuple([HostInputSchema, id.optional()]), typed<HostDuplicate[]>()),

  'displays.devices': method(z.tuple([id, uuid]), typed<DisplayDevice[]>()),
  'displays.open': method(z.tuple([id, uuid, DisplayOpenSchema]), typed<DisplayInfo>()),
  'displays.list': method(noArgs, typed<DisplayInfo[]>()),
  /** RFB client bytes for the display's current connection; bytes for an older generation are dropped. */
  'displays.input': method(z.tuple([id, z.number().int().min(0), bytes(1024 * 1024)]), typed<void>()),
  /** noVNC has consumed this many more bytes (flow control, as consoles.ack). */
  'displays.ack': method(z.tuple([id, z.number().int().min(0).max(1 << 30)]), typed<void>()),
  'displays.close': method(z.tuple([id]), typed<void>()),
  /** External viewer: a 127.0.0.1 port (one client at a time) tunnelled to the display, until unforward. */
  'displays.forward': method(z.tuple([id, uuid, z.strictObject({ index: z.number().int().min(0).max(64).optional(), port: z.number().int().min(0).max(65535).optional() }).optional()]), typed<DisplayForward>()),
  'displays.unforward': method(z.tuple([id]), typed<void>()),
} as const;

export const events = {
  'hosts.changed': typed<HostView>(),
  'hosts.removed': typed<{ id: string }>(),
  'guests.diff': typed<GuestDiff>(),
  /** To the owning client only. */
  'consoles.data': typed<ConsoleData>(),
  /** To the owning client only (and once to a client that just lost ownership, with `owned: false`). */
  'consoles.changed': typed<ConsoleInfo>(),
  'tasks.changed': typed<TaskInfo>(),
  'prompts.request': typed<Prompt>(),
  'prompts.closed': typed<{ id: string }>(),
  'activity.added': typed<CommandRecord>(),
  'settings.changed': typed<Settings>(),
  'displays.data': typed<DisplayData>(),
  'displays.changed': typed<DisplayInfo>(),
  /** An external viewer connected to a forward (`displays.forward`), and which tunnel path it got. */
  'displays.viewer': typed<{ forwardId: string; path: string; relayTool?: string }>(),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;

export type MethodArgs<M extends MethodName> = z.input<Methods[M]['args']>;
export type MethodParsedArgs<M extends MethodName> = z.output<Methods[M]['args']>;
export type MethodResult<M extends MethodName> = Methods[M]['result'] extends Typed<infer R> ? R : never;
export type EventPayload<E extends EventName> = (typeof events)[E] extends Typed<infer P> ? P : never;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

/** What the renderer sees: every method as an async function, plus typed event subscription. */
export type VmdeckApi = {
  [M in MethodName]: (...args: MethodArgs<M>) => Promise<MethodResult<M>>;
} & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** What main implements: every method with its already-validated arguments. */
export type VmdeckHandlers = {
  [M in MethodName]: (...args: MethodParsedArgs<M>) => Promise<MethodResult<M>> | MethodResult<M>;
};

/** Where main pushes events to one client (a window's webContents, one WebSocket, the CLI). */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * One connected client of the contract: a window, a browser tab's WebSocket, the CLI. Its handlers know
 * who calls (console ownership); its events go to the sink it connected with. Disposing it (window closed,
 * socket dropped) leaves its consoles open and unowned, for a reloaded page to adopt.
 */
export interface ContractClient {
  readonly id: string;
  readonly handlers: VmdeckHandlers;
  dispose(): void;
}

/** What a transport binds: one client per connection. Implemented by main/app/backend.ts. */
export interface ContractServer {
  connect(sink: EventSink, options?: { label?: string }): ContractClient;
}

/** Parses a method's arguments at the boundary; throws VmdeckError INVALID_ARGUMENT. */
export type { LifecycleAction };
