/**
 * The contract's method and event names as plain literals, so the sandboxed preload does not have to
 * bundle zod (main/core/contract.ts builds its schemas when it is evaluated). The type assertions below
 * make a missing or extra name a compile error, and test/unit/preload/bridge.test.ts compares these
 * lists with METHOD_NAMES / EVENT_NAMES at run time.
 */
import type { EventName, MethodName } from '../main/core/contract';

export const BRIDGE_METHODS = [
  'app.info',
  'app.openExternal',
  'hosts.list',
  'hosts.add',
  'hosts.update',
  'hosts.remove',
  'hosts.connect',
  'hosts.disconnect',
  'hosts.sshConfigCandidates',
  'guests.list',
  'guests.details',
  'guests.action',
  'consoles.devices',
  'consoles.open',
  'consoles.list',
  'consoles.input',
  'consoles.resize',
  'consoles.ack',
  'consoles.close',
  'consoles.setLogging',
  'prompts.answer',
  'prompts.pending',
  'activity.list',
  'settings.get',
  'settings.update',
  'displays.devices',
  'displays.open',
  'displays.list',
  'displays.input',
  'displays.ack',
  'displays.close',
  'displays.forward',
  'displays.unforward',
] as const satisfies readonly MethodName[];

export const BRIDGE_EVENTS = [
  'hosts.changed',
  'hosts.removed',
  'guests.diff',
  'consoles.data',
  'consoles.changed',
  'prompts.request',
  'prompts.closed',
  'activity.added',
  'settings.changed',
  'displays.data',
  'displays.changed',
] as const satisfies readonly EventName[];

/** Compile-time exhaustiveness: every contract name must be listed above. */
type Missing<All, Listed> = Exclude<All, Listed>;
type AssertNever<T extends never> = T;
export type MethodsAreExhaustive = AssertNever<Missing<MethodName, (typeof BRIDGE_METHODS)[number]>>;
export type EventsAreExhaustive = AssertNever<Missing<EventName, (typeof BRIDGE_EVENTS)[number]>>;
