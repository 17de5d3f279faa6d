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
  detailTab = $state<'overview' | 'hardware' | 'config'>('overview');
  /** Backend connection lost (browser mode WebSocket closed). */
  backendLost = $state(false);
  /** A short message in the status bar (last notice). */
  notice = $state<{ text: string; tone: 'info' | 'error' } | null>(null);

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
