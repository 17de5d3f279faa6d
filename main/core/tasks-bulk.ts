/**
 * One lifecycle action on many guests across hosts, as a task (`guests.bulkAction`). Hosts run in
 * parallel; on each host at most `concurrencyPerHost` actions run at once (one SSH connection per host,
 * with a bounded number of channels). A guest's failure is its item's error and never stops the others;
 * cancelling stops the pending items and aborts the running ones' signal (shutdown waits end early).
 */
import type { BulkTarget, TaskInfo } from './contract';
import { VmdeckError, toErrorData } from './errors';
import type { LifecycleAction } from './models';
import type { TaskHandle, TaskRegistry } from './tasks';

export const DEFAULT_BULK_CONCURRENCY_PER_HOST = 2;

export interface BulkActionDeps {
  tasks: TaskRegistry;
  /** The guest's name for the item (undefined: unknown guest; its item then fails with NOT_FOUND when run). */
  guestName(target: BulkTarget): string | undefined;
  /** Runs the action on one guest; rejects with a VmdeckError. */
  run(target: BulkTarget, signal: AbortSignal): Promise<void>;
}

const VERBS: Record<LifecycleAction, string> = {
  start: 'Start',
  shutdown: 'Shut down',
  reboot: 'Reboot',
  destroy: 'Force off',
  reset: 'Reset',
  pause: 'Pause',
  resume: 'Resume',
  save: 'Save',
  restore: 'Restore',
  'autostart-on': 'Enable autostart of',
  'autostart-off': 'Disable autostart of',
};

export function bulkTitle(action: LifecycleAction, count: number): string {
  return `${VERBS[action]} ${count} guest${count === 1 ? '' : 's'}`;
}

/** Same guest twice is one item (the first occurrence keeps its place). */
export function uniqueTargets(targets: readonly BulkTarget[]): BulkTarget[] {
  const seen = new Set<string>();
  const out: BulkTarget[] = [];
  for (const t of targets) {
    const key = `${t.hostId}\u0000${t.uuid.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

export function startBulkAction(
  deps: BulkActionDeps,
  targets: readonly BulkTarget[],
  action: LifecycleAction,
  options: { concurrencyPerHost?: number } = {},
): TaskInfo {
  const list = uniqueTargets(targets);
  const limit = options.concurrencyPerHost ?? DEFAULT_BULK_CONCURRENCY_PER_HOST;
  const items = list.map((t) => ({ hostId: t.hostId, uuid: t.uuid, guestName: deps.guestName(t) ?? t.uuid }));
  return deps.tasks.start({ kind: 'bulk-action', title: bulkTitle(action, list.length), items }, async (task) => {
    const byHost = new Map<string, number[]>();
    list.forEach((t, i) => {
      const queue = byHost.get(t.hostId) ?? [];
      queue.push(i);
      byHost.set(t.hostId, queue);
    });
    await Promise.all([...byHost.values()].map((queue) => runHostQueue(task, queue, list, limit, deps)));
  });
}

async function runHostQueue(task: TaskHandle, queue: number[], list: BulkTarget[], limit: number, deps: BulkActionDeps): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length && !task.signal.aborted) {
      const index = queue[next++]!;
      task.setItem(index, 'running');
      try {
        await deps.run(list[index]!, task.signal);
        task.setItem(index, 'succeeded');
      } catch (e) {
        const error = toErrorData(e);
        task.setItem(index, task.signal.aborted && error.code === 'CANCELLED' ? 'cancelled' : 'failed', error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** For `run` implementations: throws CANCELLED when the task was cancelled before the step starts. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new VmdeckError('CANCELLED', 'cancelled by the user');
}
