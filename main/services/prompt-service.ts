/**
 * Prompts (host keys, passwords, passphrases, keyboard-interactive) as typed requests: the connection code
 * asks, the UI or CLI answers through `prompts.answer`. Models never open dialogs.
 */
import { randomUUID } from 'node:crypto';
import { VmdeckError } from '../core/errors';
import { Emitter, type Event } from '../core/lifecycle';
import type { Prompt, PromptAnswer } from '../core/contract';

interface Pending {
  prompt: Prompt;
  resolve: (a: PromptAnswer) => void;
  reject: (e: unknown) => void;
}

export class PromptService {
  private readonly pending = new Map<string, Pending>();
  private readonly requested = new Emitter<Prompt>();
  private readonly closed = new Emitter<{ id: string }>();
  readonly onRequest: Event<Prompt> = this.requested.event;
  readonly onClosed: Event<{ id: string }> = this.closed.event;

  ask(prompt: Omit<Prompt, 'id'>, signal?: AbortSignal): Promise<PromptAnswer> {
    const full: Prompt = { ...prompt, id: randomUUID() };
    return new Promise<PromptAnswer>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new VmdeckError('CANCELLED', 'prompt cancelled'));
        return;
      }
      this.pending.set(full.id, { prompt: full, resolve, reject });
      signal?.addEventListener('abort', () => this.cancel(full.id), { once: true });
      this.requested.fire(full);
    });
  }

  answer(id: string, answer: PromptAnswer): void {
    const p = this.pending.get(id);
    if (!p) throw new VmdeckError('NOT_FOUND', 'that prompt is no longer open');
    this.pending.delete(id);
    this.closed.fire({ id });
    p.resolve(answer);
  }

  list(): Prompt[] {
    return [...this.pending.values()].map((p) => p.prompt);
  }

  cancel(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.closed.fire({ id });
    p.reject(new VmdeckError('CANCELLED', 'prompt cancelled'));
  }

  /** Cancel every open prompt of a host (host removed or disconnected). */
  cancelForHost(hostId: string): void {
    for (const [id, p] of [...this.pending]) if (p.prompt.hostId === hostId) this.cancel(id);
  }
}
