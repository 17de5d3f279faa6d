import type { TaskInfo, VmdeckApi } from '../../../../main/core/contract';

/** Tasks: the initial list, then every report. */
export function bindTasks(api: VmdeckApi, load: (tasks: TaskInfo[]) => void, changed: (task: TaskInfo) => void, onError: (e: unknown) => void): () => void {
  const off = api.on('tasks.changed', changed);
  api['tasks.list']().then(load, onError);
  return off;
}
