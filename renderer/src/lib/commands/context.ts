/**
 * The registry as Svelte context: components below the shell (the details' lifecycle toolbar, the guest rows'
 * context menu) show and run the same commands as the palette and the keyboard, on the same targets.
 */
import { getContext, setContext } from 'svelte';
import type { CommandRegistry, GuestTarget } from './registry';

export interface CommandsContext {
  registry: CommandRegistry;
  /** The guests guest commands apply to now: the selection, else the focused guest. */
  targets(): GuestTarget[];
  /** Runs a command (and remembers it as recent); default targets: `targets()`. */
  run(id: string, targets?: readonly GuestTarget[]): void;
}

const KEY = Symbol('vmdeck.commands');

export function provideCommands(ctx: CommandsContext): void {
  setContext(KEY, ctx);
}

export function useCommands(): CommandsContext | undefined {
  return getContext<CommandsContext | undefined>(KEY);
}
