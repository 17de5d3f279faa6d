/**
 * Long operations as tasks: an id, a title, per-item progress and results, cancel through an AbortSignal,
 * and a bounded history of finished tasks. `guests.bulkAction` is the first kind; create, upload, snapshot
 * and migrate will be others. Pure TypeScript (timers come from an injected scheduler).
 *
 * Change notices are coalesced: a task announces its start and its end at once, and in between at most
 * one notice per `notifyMs` (a 1,000-guest bulk action would otherwise send 3,000 growing snapshots).
 */
import type { TaskInfo, TaskItem, TaskItemState } from './contract';
import { VmdeckError, isVmdeckError, toErrorData, type ErrorData } from './errors';
import { Emitter, type Disposable, type Event } from './lifecycle';

export interface TaskScheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

const defaultScheduler: TaskScheduler = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

export interface TaskRegistryOptions {
  /** Finished tasks kept for `tasks.list` (default 50); running tasks are always listed. */
  historyLimit?: number;
  /** Least time between two progress notices of one task (default 100 ms). */
  notifyMs?: number;
  scheduler?: TaskScheduler;
}

/** What a running task's body sees: its signal and its items. */
export interface TaskHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  readonly items: readonly Readonly<TaskItem>[];
  /** Updates one item's state (and error); `done` counts items that reached a final state. */
  setItem(index: number, state: TaskItemState, error?: ErrorData): void;
}

export interface TaskSpec {
  kind: string;
  title: string;
  items?: Omit<TaskItem, 'state' | 'error'>[];
  /** Total steps when the task has no items (default: the number of items). */
  total?: number;
}

interface Entry {
  info: TaskInfo;
  abort: AbortController;
  timer: { cancel(): void } | undefined;
  dirty: boolean;
}

const FINAL_ITEM: ReadonlySet<TaskItemState> = new Set(['succeeded', 'failed', 'cancelled']);

let nextTaskNumber = 1;

export class TaskRegistry implements Disposable {
  private readonly running = new Map<string, Entry>();
  private readonly finished: TaskInfo[] = [];
  private readonly changed = new Emitter<TaskInfo>();
  private readonly scheduler: TaskScheduler;
  private readonly historyLimit: number;
  private readonly notifyMs: number;
  private disposed = false;
  /** Fires with a snapshot of a task whenever it starts, progresses (coalesced) or ends. */
  readonly onDidChange: Event<TaskInfo> = this.changed.event;

  constructor(options: TaskRegistryOptions = {}) {
    this.scheduler = options.scheduler ?? defaultScheduler;
    this.historyLimit = options.historyLimit ?? 50;
    this.notifyMs = options.notifyMs ?? 100;
  }

  /**
   * Starts `body` as a task and returns its first snapshot at once. The task ends when `body` settles:
   * cancelled if its signal was aborted (items still pending or running become cancelled), failed if
   * `body` threw or any item failed, succeeded otherwise.
   */
  start(spec: TaskSpec, body: (task: TaskHandle) => Promise<void>): TaskInfo {
    if (this.disposed) throw new VmdeckError('INVALID_STATE', 'tasks are shut down');
    const items: TaskItem[] = (spec.items ?? []).map((i) => ({ hostId: i.hostId, uuid: i.uuid, guestName: i.guestName, state: 'pending' }));
    const info: TaskInfo = {
      id: `task-${nextTaskNumber++}`,
      kind: spec.kind,
      title: spec.title,
      state: 'running',
      startedAt: this.scheduler.now(),
      progress: { done: 0, total: spec.total ?? items.length },
      items,
    };
    const entry: Entry = { info, abort: new AbortController(), timer: undefined, dirty: false };
    this.running.set(info.id, entry);
    const handle: TaskHandle = {
      id: info.id,
      signal: entry.abort.signal,
      items,
      setItem: (index, state, error) => this.setItem(entry, index, state, error),
    };
    this.changed.fire(snapshot(info));
    void Promise.resolve()
      .then(() => body(handle))
      .then(
        () => this.finish(entry, undefined),
        (e: unknown) => this.finish(entry, e),
      );
    return snapshot(info);
  }

  list(): TaskInfo[] {
    return [...this.finished, ...[...this.running.values()].map((e) => e.info)].sort((a, b) => a.startedAt - b.startedAt).map(snapshot);
  }

  get(id: string): TaskInfo | undefined {
    const e = this.running.get(id);
    if (e) return snapshot(e.info);
    const f = this.finished.find((t) => t.id === id);
    return f ? snapshot(f) : undefined;
  }

  /** Aborts a running task's signal; a finished task is left alone; an unknown id is NOT_FOUND. */
  cancel(id: string): void {
    const entry = this.running.get(id);
    if (entry) {
      entry.abort.abort(new VmdeckError('CANCELLED', 'cancelled by the user'));
      return;
    }
    if (!this.finished.some((t) => t.id === id)) throw new VmdeckError('NOT_FOUND', `no task ${id}`);
  }

  /** Cancels every running task; their end is still announced. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of this.running.values()) e.abort.abort(new VmdeckError('CANCELLED', 'application closing'));
  }

  // -------------------------------------------------------------------------------------------------

  private setItem(entry: Entry, index: number, state: TaskItemState, error?: ErrorData): void {
    const item = entry.info.items[index];
    if (!item || entry.info.state !== 'running' || FINAL_ITEM.has(item.state)) return;
    item.state = state;
    if (error) item.error = error;
    if (FINAL_ITEM.has(state)) entry.info.progress.done++;
    this.notifySoon(entry);
  }

  private notifySoon(entry: Entry): void {
    entry.dirty = true;
    if (entry.timer) return;
    entry.timer = this.scheduler.setTimeout(() => {
      entry.timer = undefined;
      if (!entry.dirty || entry.info.state !== 'running') return;
      entry.dirty = false;
      this.changed.fire(snapshot(entry.info));
    }, this.notifyMs);
  }

  private finish(entry: Entry, thrown: unknown): void {
    const { info } = entry;
    if (info.state !== 'running') return;
    entry.timer?.cancel();
    entry.timer = undefined;
    const cancelled = entry.abort.signal.aborted || isVmdeckError(thrown, 'CANCELLED');
    for (const item of info.items) {
      if (FINAL_ITEM.has(item.state)) continue;
      item.state = 'cancelled';
      info.progress.done++;
    }
    const failedItems = info.items.filter((i) => i.state === 'failed').length;
    if (thrown !== undefined && !cancelled) {
      info.state = 'failed';
      info.error = toErrorData(thrown);
    } else if (cancelled) {
      info.state = 'cancelled';
      info.error = { code: 'CANCELLED', message: reasonOf(entry.abort.signal) ?? 'cancelled' };
    } else if (failedItems > 0) {
      info.state = 'failed';
      info.error = { code: commonCode(info.items), message: `${failedItems} of ${info.items.length} failed` };
    } else {
      info.state = 'succeeded';
    }
    if (info.items.length === 0 && info.state === 'succeeded') info.progress.done = info.progress.total;
    info.endedAt = this.scheduler.now();
    this.running.delete(info.id);
    this.finished.push(info);
    if (this.finished.length > this.historyLimit) this.finished.splice(0, this.finished.length - this.historyLimit);
    this.changed.fire(snapshot(info));
  }
}

function reasonOf(signal: AbortSignal): string | undefined {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : undefined;
}

/** The failed items' shared code, or COMMAND_FAILED when they differ. */
function commonCode(items: TaskItem[]): ErrorData['code'] {
  const codes = new Set(items.filter((i) => i.state === 'failed').map((i) => i.error?.code ?? 'INTERNAL'));
  return codes.size === 1 ? [...codes][0]! : 'COMMAND_FAILED';
}

function snapshot(info: TaskInfo): TaskInfo {
  return { ...info, progress: { ...info.progress }, items: info.items.map((i) => ({ ...i })) };
}
