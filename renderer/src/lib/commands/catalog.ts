/**
 * Every command of the app, declared once. The functions they call come in through `CommandHost` (the shell binds
 * them to the AppModel and its own view state), so this file holds what a command is, not how the app is wired.
 */
import type { LifecycleAction } from '../../../../main/core/models';
import { TOOLBAR_ACTIONS, canOpenConsole, isActionEnabled } from '../logic/actions';
import { CommandRegistry, type Command, type GuestTarget } from './registry';

export interface CommandHost {
  runAction(targets: readonly GuestTarget[], action: LifecycleAction): void;
  openConsole(target: GuestTarget): void;
  /** The guest's screen (VNC) as a dock tab beside its consoles. */
  openDisplay(target: GuestTarget): void;
  goTo(target: GuestTarget): void;
  openDialog(name: 'palette' | 'help' | 'settings' | 'addHost' | 'import'): void;
  toggleActivity(): void;
  toggleTasks(): void;
  toggleGroupByHost(): void;
  focusFilter(): void;
  cycleConsole(delta: 1 | -1): void;
  hasConsoles(): boolean;
  copyText(text: string): void;
}

const ALIASES: Partial<Record<LifecycleAction, string[]>> = {
  shutdown: ['shutdown', 'stop', 'power off'],
  destroy: ['destroy', 'kill', 'power off'],
  start: ['boot', 'power on'],
  reboot: ['restart'],
  pause: ['suspend'],
  resume: ['unpause', 'continue'],
};

/** Guests an action can run on now: enabled in their state and not already in progress. */
export function actionTargets(action: LifecycleAction, targets: readonly GuestTarget[]): GuestTarget[] {
  return targets.filter((t) => !t.busy && isActionEnabled(action, t.state, t.isControlDomain, t.kind));
}

export function lifecycleCommands(host: CommandHost): Command[] {
  return TOOLBAR_ACTIONS.map(
    (spec): Command => ({
      id: `guest.${spec.action}`,
      title: spec.label,
      group: 'Guest',
      aliases: ALIASES[spec.action],
      ...(spec.key ? { shortcut: { keys: spec.key === 'Delete' ? 'Delete' : spec.key.toUpperCase(), scope: 'list' as const } } : {}),
      guests: true,
      toolbar: true,
      menu: true,
      destructive: spec.destructive,
      enabled: (targets) => actionTargets(spec.action, targets).length > 0,
      run: (targets) => host.runAction(actionTargets(spec.action, targets), spec.action),
    }),
  );
}

export function buildCommands(host: CommandHost): CommandRegistry {
  const r = new CommandRegistry(lifecycleCommands(host));
  const always = () => true;
  r.add({
    id: 'guest.console',
    title: 'Open console',
    group: 'Guest',
    aliases: ['console', 'terminal', 'attach'],
    shortcut: { keys: 'C', scope: 'list' },
    guests: true,
    toolbar: true,
    menu: true,
    // A shut-off guest gets the console that waits for it to run (like the C key always did).
    enabled: (t) => t.length > 0 && t.some((g) => !g.isControlDomain && canOpenConsole(g.state)),
    run: (t) => {
      const g = t.find((x) => !x.isControlDomain && canOpenConsole(x.state));
      if (g) host.openConsole(g);
    },
  });
  r.add({
    id: 'guest.display',
    title: 'Open screen',
    group: 'Guest',
    aliases: ['screen', 'display', 'vnc'],
    guests: true,
    menu: true,
    enabled: (t) => t.some((g) => g.kind !== 'container' && !g.isControlDomain && canOpenConsole(g.state)),
    run: (t) => {
      const g = t.find((x) => x.kind !== 'container' && !x.isControlDomain && canOpenConsole(x.state));
      if (g) host.openDisplay(g);
    },
  });
  r.add({ id: 'guest.goto', title: 'Go to', group: 'Guest', aliases: ['show', 'select'], guests: true, enabled: (t) => t.length > 0, run: (t) => host.goTo(t[0]!) });
  r.add({ id: 'guest.copyName', title: 'Copy name', group: 'Guest', guests: true, menu: true, enabled: (t) => t.length > 0, run: (t) => host.copyText(t.map((g) => g.name).join('\n')) });
  r.add({ id: 'app.palette', title: 'Command palette', group: 'App', shortcut: { keys: 'Ctrl+K', scope: 'global' }, enabled: always, run: () => host.openDialog('palette') });
  r.add({ id: 'app.activity', title: 'Toggle activity log', group: 'App', aliases: ['log', 'activity'], shortcut: { keys: 'Ctrl+J', scope: 'global' }, enabled: always, run: () => host.toggleActivity() });
  r.add({ id: 'app.tasks', title: 'Toggle task list', group: 'App', aliases: ['tasks', 'jobs'], enabled: always, run: () => host.toggleTasks() });
  r.add({ id: 'console.previous', title: 'Previous console tab', group: 'Console', shortcut: { keys: 'Ctrl+Shift+[', scope: 'global' }, enabled: () => host.hasConsoles(), run: () => host.cycleConsole(-1) });
  r.add({ id: 'console.next', title: 'Next console tab', group: 'Console', shortcut: { keys: 'Ctrl+Shift+]', scope: 'global' }, enabled: () => host.hasConsoles(), run: () => host.cycleConsole(1) });
  r.add({ id: 'app.help', title: 'Keyboard shortcuts', group: 'App', aliases: ['help'], shortcut: { keys: '?', scope: 'page' }, enabled: always, run: () => host.openDialog('help') });
  r.add({ id: 'app.filter', title: 'Filter guests', group: 'App', aliases: ['search', 'find'], shortcut: { keys: '/', scope: 'page' }, enabled: always, run: () => host.focusFilter() });
  r.add({ id: 'app.addHost', title: 'Add host', group: 'App', enabled: always, run: () => host.openDialog('addHost') });
  r.add({ id: 'app.import', title: 'Import hosts from ssh_config', group: 'App', enabled: always, run: () => host.openDialog('import') });
  r.add({ id: 'app.group', title: 'Toggle group by host', group: 'App', enabled: always, run: () => host.toggleGroupByHost() });
  r.add({ id: 'app.settings', title: 'Settings', group: 'App', aliases: ['preferences'], enabled: always, run: () => host.openDialog('settings') });
  return r;
}
