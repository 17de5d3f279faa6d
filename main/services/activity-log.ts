/**
 * What vmdeck did, newest last: the user's actions (lifecycle actions, consoles, hosts) and, apart from them,
 * every command run on every host. Each kind has its own bound, so the background commands of polling
 * (hundreds a minute on a busy fleet) can never push the user's actions out.
 */
import { Emitter, type Event } from '../core/lifecycle';
import { isUserAction, type CommandRecord } from '../core/runner';

export interface ActivityLogLimits {
  /** Background commands kept (default 2,000). */
  commands?: number;
  /** User actions kept (default 1,000). */
  actions?: number;
}

export class ActivityLog {
  private readonly commands: CommandRecord[] = [];
  private readonly actions: CommandRecord[] = [];
  private readonly added = new Emitter<CommandRecord>();
  readonly onDidAdd: Event<CommandRecord> = this.added.event;
  private readonly limits: Required<ActivityLogLimits>;

  constructor(limits: ActivityLogLimits | number = {}) {
    const l = typeof limits === 'number' ? { commands: limits } : limits;
    this.limits = { commands: l.commands ?? 2000, actions: l.actions ?? 1000 };
  }

  add(record: CommandRecord): void {
    const list = isUserAction(record) ? this.actions : this.commands;
    const cap = isUserAction(record) ? this.limits.actions : this.limits.commands;
    list.push(record);
    if (list.length > cap) list.splice(0, list.length - cap);
    this.added.fire(record);
  }

  /** Records a notice for the user (hostId '' = the application itself). */
  notice(message: string, code: string, hostId = ''): void {
    this.add({ hostId, argv: [message], startedAt: Date.now(), durationMs: 0, exitCode: null, error: code, kind: 'notice', message });
  }

  /** A user action that ran `body`: recorded once it settles, with its result; the result is passed through. */
  async record<T>(entry: Pick<CommandRecord, 'hostId' | 'action' | 'guestName' | 'guestUuid' | 'user'> & { subject?: string }, body: () => Promise<T> | T): Promise<T> {
    const startedAt = Date.now();
    const { subject, ...fields } = entry;
    const what = subject ?? entry.guestName;
    const argv = [entry.action ?? 'action', ...(what !== undefined ? [what] : [])];
    const base = { ...fields, argv, startedAt, kind: 'action' as const };
    try {
      const out = await body();
      this.add({ ...base, durationMs: Date.now() - startedAt, exitCode: 0 });
      return out;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      this.add({
        ...base,
        durationMs: Date.now() - startedAt,
        exitCode: null,
        error: typeof code === 'string' ? code : 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      });
      throw e;
    }
  }

  /** Everything kept, oldest first. */
  list(): CommandRecord[] {
    return [...this.actions, ...this.commands].sort((a, b) => a.startedAt - b.startedAt);
  }
}
