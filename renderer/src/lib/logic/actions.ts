import type { GuestKind, GuestState, LifecycleAction } from '../../../../main/core/models';

export interface ActionSpec {
  action: LifecycleAction;
  label: string;
  /** Present-progressive label shown while the action runs. */
  progress: string;
  /** Asks for confirmation when settings.confirmDestructive. */
  destructive: boolean;
  /** Keyboard shortcut inside the guest list (single key, no modifiers). */
  key?: string;
  enabledIn: readonly GuestState[];
}

const ACTIVE: GuestState[] = ['running', 'blocked'];

/** The toolbar's actions, in toolbar order. Enabled states follow what virsh and xl accept. */
export const TOOLBAR_ACTIONS: readonly ActionSpec[] = [
  { action: 'start', label: 'Start', progress: 'Starting', destructive: false, key: 's', enabledIn: ['shutoff', 'crashed'] },
  { action: 'shutdown', label: 'Shut down', progress: 'Shutting down', destructive: false, key: 'h', enabledIn: ACTIVE },
  { action: 'reboot', label: 'Reboot', progress: 'Rebooting', destructive: false, key: 'r', enabledIn: ACTIVE },
  { action: 'pause', label: 'Pause', progress: 'Pausing', destructive: false, key: 'p', enabledIn: ACTIVE },
  { action: 'resume', label: 'Resume', progress: 'Resuming', destructive: false, key: 'p', enabledIn: ['paused', 'pmsuspended'] },
  { action: 'save', label: 'Save', progress: 'Saving', destructive: false, enabledIn: ['running', 'blocked', 'paused'] },
  {
    action: 'destroy',
    label: 'Force off',
    progress: 'Forcing off',
    destructive: true,
    key: 'Delete',
    enabledIn: ['running', 'blocked', 'paused', 'shutdown', 'crashed', 'pmsuspended', 'dying'],
  },
  { action: 'reset', label: 'Reset', progress: 'Resetting', destructive: true, enabledIn: ['running', 'blocked', 'paused'] },
];

export const KIND_LABEL: Readonly<Record<GuestKind, string>> = { vm: 'VM', container: 'Container' };

/** Actions a kind of guest does not have: containers keep no saved state and have no hardware reset. */
const UNSUPPORTED_FOR: Readonly<Record<GuestKind, ReadonlySet<LifecycleAction>>> = {
  vm: new Set(),
  container: new Set<LifecycleAction>(['save', 'restore', 'reset']),
};

export function kindSupports(kind: GuestKind, action: LifecycleAction): boolean {
  return !UNSUPPORTED_FOR[kind].has(action);
}

export function actionSpec(action: LifecycleAction): ActionSpec | undefined {
  return TOOLBAR_ACTIONS.find((a) => a.action === action);
}

export function isActionEnabled(action: LifecycleAction, state: GuestState, isControlDomain = false, kind: GuestKind = 'vm'): boolean {
  if (isControlDomain) return false;
  if (!kindSupports(kind, action)) return false;
  if (action === 'autostart-on' || action === 'autostart-off') return true;
  if (action === 'restore') return state === 'shutoff';
  const spec = actionSpec(action);
  return spec ? spec.enabledIn.includes(state) : false;
}

/**
 * States in which a text console can be opened: all but a dying domain. A guest that is not running gets the
 * backend's "waiting for the guest to run" console, which attaches once it starts.
 */
export function canOpenConsole(state: GuestState): boolean {
  return state !== 'dying';
}

/** True when a console opened now would wait for the guest (it is not running yet). */
export function consoleWaits(state: GuestState): boolean {
  return !(state === 'running' || state === 'blocked' || state === 'paused');
}

/**
 * The states an action leads to: progress is shown until the guest reaches one of them (or the timeout). Reboot
 * and reset keep the guest running, so the request accepted is the goal; save leaves it shut off.
 */
export const ACTION_GOAL: Partial<Record<LifecycleAction, readonly GuestState[]>> = {
  start: ['running', 'blocked', 'paused'],
  shutdown: ['shutoff', 'crashed'],
  destroy: ['shutoff', 'crashed'],
  pause: ['paused'],
  resume: ['running', 'blocked'],
  save: ['shutoff'],
  restore: ['running', 'blocked', 'paused'],
};

/** Seconds to follow a guest towards its goal state before reporting a timeout (shutdown then offers force off). */
export const ACTION_GOAL_TIMEOUT_SEC: Partial<Record<LifecycleAction, number>> = { shutdown: 60, start: 60, save: 120, restore: 120, destroy: 30, pause: 30, resume: 30 };
