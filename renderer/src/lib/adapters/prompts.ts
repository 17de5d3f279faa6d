import type { VmdeckApi } from '../../../../main/core/contract';
import type { PromptsState } from '../state/prompts.svelte';

/** prompts.request / prompts.closed onto PromptsState; pending prompts are fetched at startup. */
export function bindPrompts(api: VmdeckApi, prompts: PromptsState, onError: (e: unknown) => void): () => void {
  const offs = [api.on('prompts.request', (p) => prompts.add(p)), api.on('prompts.closed', ({ id }) => prompts.close(id))];
  api['prompts.pending']().then((list) => prompts.addAll(list), onError);
  return () => offs.forEach((off) => off());
}
