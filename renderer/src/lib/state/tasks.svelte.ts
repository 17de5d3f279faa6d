import type { TaskInfo } from '../../../../main/core/contract';

/** How many finished tasks the list keeps (running ones are always kept). */
export const FINISHED_TASKS_KEPT = 50;

/** Long operations (bulk actions now; create, upload, snapshot, migration later) as the backend reports them. */
export class TasksState {
  list = $state.raw<readonly TaskInfo[]>([]);

  /** The initial list; a task already reported by an event keeps that (newer) report. */
  load(tasks: readonly TaskInfo[]): void {
    for (const t of tasks) if (!this.get(t.id)) this.upsert(t);
  }

  /** Newest first; a task's later report replaces the earlier one. */
  upsert(task: TaskInfo): void {
    const rest = this.list.filter((t) => t.id !== task.id);
    const next = [task, ...rest].sort((a, b) => b.startedAt - a.startedAt);
    let finished = 0;
    this.list = next.filter((t) => t.state === 'running' || ++finished <= FINISHED_TASKS_KEPT);
  }

  get(id: string): TaskInfo | undefined {
    return this.list.find((t) => t.id === id);
  }

  get running(): number {
    return this.list.filter((t) => t.state === 'running').length;
  }
}
