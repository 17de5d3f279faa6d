// The event-stream watch over a host that streams without newlines: the channel is closed at the line cap
// (memory bounded) and the owner hears onDidClose, as for any stream that ended.
import { describe, expect, it } from 'vitest';
import { watchLines } from '../../../main/hypervisors/shared/line-watch';
import { FakeStream } from './fake-runner';

describe('watchLines', () => {
  it('delivers lines, and closes the stream once a line passes the cap', () => {
    const stream = new FakeStream(['virsh', 'event', '--loop']);
    const lines: string[] = [];
    let closed = 0;
    const watch = watchLines(stream, (l) => lines.push(l));
    watch.onDidClose(() => closed++);
    stream.emit("event 'lifecycle' for domain 'a': Started Booted\r\n");
    expect(lines).toHaveLength(1);
    const chunk = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 8 && !stream.closed; i++) stream.emit(chunk);
    expect(stream.closed).toBe(true);
    expect(closed).toBe(1);
    expect(lines).toHaveLength(1);
  });
});
