/* eslint-disable svelte/prefer-svelte-reactivity -- these Maps/Sets are immutable snapshots held in $state.raw/$derived: every change builds a new one and assigns it, which is what triggers updates */
import type { ErrorData } from '../../../../main/core/errors';
import type { ConsoleDevice, GuestDetails, LifecycleAction } from '../../../../main/core/models';
import type { GuestKey } from '../logic/keys';

export type DetailsEntry =
  | { status: 'loading' }
  | { status: 'ready'; details: GuestDetails; fetchedAt: number }
  | { status: 'error'; error: ErrorData };

export interface ActionFailure {
  action: LifecycleAction;
  guestName: string;
  error: ErrorData;
  at: number;
}

export interface Notice {
  text: string;
  tone: 'info' | 'error';
  action?: { label: string; run: () => void };
}

const RECENT_MAX = 20;

export type DialogName = 'addHost' | 'editHost' | 'import' | 'help' | 'palette' | 'settings' | null;

/** A guest with several console devices, waiting for the user to pick one. */
export interface ConsoleChoice {
  key: GuestKey;
  guestName: string;
  devices: ConsoleDevice[];
}

/** View state that is not a backend domain: running actions, their failures, details cache, dialogs. */
export class UiState {
  running = $state.raw<ReadonlyMap<GuestKey, LifecycleAction>>(new Map());
  failures = $state.raw<ReadonlyMap<GuestKey, ActionFailure>>(new Map());
  details = $state.raw<ReadonlyMap<GuestKey, DetailsEntry>>(new Map());
  dialog = $state<DialogName>(null);
  /** The console device picker, when open. */
  consoleChoice = $state.raw<ConsoleChoice | null>(null);
  editHostId = $state<string | null>(null);
  /** A host whose removal waits for confirmation. */
  removeHostId = $state<string | null>(null);
  detailTab = $state<'overview' | 'hardware' | 'config'>('overview');
  /** Backend connection lost (browser mode WebSocket closed). */
  backendLost = $state(false);
  /** A short message in the status bar (last notice), optionally with one action (e.g. "Force off"). */
  notice = $state.raw<Notice | null>(null);
  /** Guests and commands the user acted on, most recent first (the palette lists them first). */
  recentGuests = $state.raw<readonly GuestKey[]>([]);
  recentCommands = $state.raw<readonly string[]>([]);
  /** The task list panel. */
  tasksOpen = $state(false);
  /** Host notes the user dismissed (host id + text); remembered across reloads, so each is said once. */
  dismissedWarnings = $state.raw<ReadonlySet<string>>(new Set(readDismissed()));

  noteRecent(commandId: string | null, keys: readonly GuestKey[]): void {
    if (commandId) this.recentCommands = [commandId, ...this.recentCommands.filter((c) => c !== commandId)].slice(0, RECENT_MAX);
    if (keys.length > 0) this.recentGuests = [...keys, ...this.recentGuests.filter((k) => !keys.includes(k))].slice(0, RECENT_MAX);
  }

  dismissWarning(hostId: string, text: string): void {
    this.dismissedWarnings = new Set([...this.dismissedWarnings, `${hostId}\u0000${text}`]);
    writeDismissed([...this.dismissedWarnings]);
  }

  isWarningDismissed(hostId: string, text: string): boolean {
    return this.dismissedWarnings.has(`${hostId}\u0000${text}`);
  }

  setRunning(key: GuestKey, action: LifecycleAction | null): void {
    const m = new Map(this.running);
    if (action === null) m.delete(key);
    else m.set(key, action);
    this.running = m;
  }

  setFailure(key: GuestKey, f: ActionFailure | null): void {
    const m = new Map(this.failures);
    if (f === null) m.delete(key);
    else m.set(key, f);
    this.failures = m;
  }

  setDetails(key: GuestKey, e: DetailsEntry | null): void {
    const m = new Map(this.details);
    if (e === null) m.delete(key);
    else m.set(key, e);
    this.details = m;
  }
}

const DISMISSED_KEY = 'vmdeck.dismissedNotes';

function readDismissed(): string[] {
  try {
    const v: unknown = JSON.parse(globalThis.localStorage?.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(-200) : [];
  } catch {
    return [];
  }
}

function writeDismissed(keys: readonly string[]): void {
  try {
    globalThis.localStorage?.setItem(DISMISSED_KEY, JSON.stringify(keys.slice(-200)));
  } catch {
    /* storage disabled: dismissed for this session only */
  }
}
