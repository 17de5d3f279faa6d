/**
 * The contract in-process, for the CLI: the same handlers as a window or a browser tab, reached through
 * the same `dispatch` (validated arguments, the same typed errors), with events delivered to listeners
 * through the same client-side proxy as the other transports.
 */
import { createApiProxy } from '../core/api-proxy';
import { EVENT_NAMES, METHOD_NAMES, type ContractServer, type VmdeckApi } from '../core/contract';
import { fromErrorData } from '../core/errors';
import { dispatch } from '../core/rpc';

export interface InProcessClient {
  readonly api: VmdeckApi;
  dispose(): void;
}

export function connectInProcess(server: ContractServer, options: { label?: string; onListenerError?: (e: unknown) => void } = {}): InProcessClient {
  let deliver: (event: string, payload: unknown) => void = () => undefined;
  const client = server.connect((event, payload) => deliver(event, payload), { label: options.label ?? 'cli' });
  const proxy = createApiProxy({
    methods: METHOD_NAMES,
    events: EVENT_NAMES,
    call: async (method, args) => {
      const outcome = await dispatch(client.handlers, method, args);
      if (!outcome.ok) throw fromErrorData(outcome.error);
      return outcome.result;
    },
    ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
  });
  deliver = proxy.deliver;
  return { api: proxy.api, dispose: () => client.dispose() };
}
