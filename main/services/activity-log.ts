/** Every command vmdeck ran on every host, newest last, bounded. Users see exactly what vmdeck did. */
import { Emitter, type Event } from '../core/lifecycle';
import type { CommandRecord } from '../core/runner';

export class ActivityLog {
  private readonly records: CommandRecord[] = [];
  private readonly added = new Emitter<CommandRecord>();
  readonly onDidAdd: Event<CommandRecord> = this.added.event;

  constructor(private readonly capacity = 2000) {}

  add(record: CommandRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    this.added.fire(record);
  }

  /** Records a notice for the user (hostId '' = the application itself). */
  notice(message: string, code: string, hostId = ''): void {
    this.add({ hostId, argv: [message], startedAt: Date.now(), durationMs: 0, exitCode: null, error: code, kind: 'notice', message });
  }

  list(): CommandRecord[] {
    return [...this.records];
  }
}
