import type { Prompt } from '../../../../main/core/contract';

/** Questions the backend asks the user (host keys, passwords); shown one at a time, oldest first. */
export class PromptsState {
  queue = $state.raw<Prompt[]>([]);
  current = $derived(this.queue[0] ?? null);

  add(p: Prompt): void {
    if (this.queue.some((q) => q.id === p.id)) return;
    this.queue = [...this.queue, p];
  }

  addAll(ps: readonly Prompt[]): void {
    for (const p of ps) this.add(p);
  }

  close(id: string): void {
    this.queue = this.queue.filter((p) => p.id !== id);
  }
}
