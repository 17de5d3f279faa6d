import { describe, expect, it } from 'vitest';
import { VmdeckError } from '../../../main/core/errors';
import type { CommandRecord } from '../../../main/core/runner';
import { ActivityLog } from '../../../main/services/activity-log';

const command = (i: number): CommandRecord => ({ hostId: 'h', argv: ['virsh', 'list', String(i)], startedAt: 1000 + i, durationMs: 1, exitCode: 0, kind: 'exec' });

describe('ActivityLog', () => {
  it('keeps user actions apart from background commands: polling cannot push an action out', async () => {
    const log = new ActivityLog({ commands: 50, actions: 10 });
    await log.record({ hostId: 'h', action: 'start', guestName: 'beta', guestUuid: 'u-1', user: 'ann' }, async () => undefined);
    for (let i = 0; i < 500; i++) log.add(command(i));
    const all = log.list();
    expect(all.filter((r) => r.kind === 'exec')).toHaveLength(50);
    const actions = all.filter((r) => r.kind === 'action');
    expect(actions).toEqual([expect.objectContaining({ action: 'start', guestName: 'beta', user: 'ann', exitCode: 0, argv: ['start', 'beta'] })]);
    // Oldest first across both kinds.
    expect(all.map((r) => r.startedAt)).toEqual([...all.map((r) => r.startedAt)].sort((a, b) => a - b));
  });

  it('actions are bounded too', async () => {
    const log = new ActivityLog({ actions: 3 });
    for (let i = 0; i < 5; i++) await log.record({ hostId: 'h', action: 'pause', guestName: `g${i}` }, () => undefined);
    expect(log.list().map((r) => r.guestName)).toEqual(['g2', 'g3', 'g4']);
  });

  it('a failed action is recorded with its error code and message, and the error still reaches the caller', async () => {
    const log = new ActivityLog();
    const seen: CommandRecord[] = [];
    log.onDidAdd((r) => seen.push(r));
    await expect(
      log.record({ hostId: 'h', action: 'shutdown', guestName: 'alpha' }, async () => {
        throw new VmdeckError('TIMEOUT', 'alpha did not shut down within 60 s');
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen).toEqual([expect.objectContaining({ kind: 'action', action: 'shutdown', guestName: 'alpha', error: 'TIMEOUT', message: 'alpha did not shut down within 60 s', exitCode: null })]);
  });

  it('a host action names the host', async () => {
    const log = new ActivityLog();
    await log.record({ hostId: 'id-1', action: 'remove host', subject: 'kvm1' }, () => undefined);
    expect(log.list()[0]).toMatchObject({ argv: ['remove host', 'kvm1'], action: 'remove host' });
    expect(log.list()[0]).not.toHaveProperty('subject');
  });
});
