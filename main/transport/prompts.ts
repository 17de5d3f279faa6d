/**
 * Prompts are typed requests answered by whoever presents them (the Electron UI, the browser bridge, the CLI).
 * The transport never opens a dialog: it asks the broker and waits.
 */
import type { Prompt, PromptAnswer } from '../core/contract';

export type PromptRequest = Omit<Prompt, 'id'>;

export interface PromptBroker {
  /** Resolves with the user's answer; rejects with CANCELLED when `signal` aborts or the prompt is dismissed. */
  ask(prompt: PromptRequest, signal?: AbortSignal): Promise<PromptAnswer>;
}

/** A broker for non-interactive use: every prompt is declined. */
export const decliningPromptBroker: PromptBroker = {
  ask: async () => ({ accept: false }),
};
