import { describe, expect, it } from 'vitest';
import { LineSplitter, parseVirshEventLine } from '../../../main/core/parsers';
import { fixture } from './fixtures';

describe('virsh event lines', () => {
  it('captured from QEMU', () => {
    const events = fixture('libvirt/captured-qemu/event-loop.txt').split('\n').map(parseVirshEventLine).filter((e) => e !== null);
    expect(events.map((e) => [e.kind, e.name, e.detail])).toEqual([
      ['lifecycle', 'alpha', 'Suspended Paused'],
      ['lifecycle', 'alpha', 'Resumed Unpaused'],
    ]);
  });

  it.each([
    ["event 'lifecycle' for domain 'web one': Stopped Destroyed", 'lifecycle', 'web one', 'Stopped Destroyed'],
    ["event 'lifecycle' for domain 'it's': x': Started Booted", 'lifecycle', "it's': x", 'Started Booted'],
    ["event 'reboot' for domain 'a'b'", 'reboot', "a'b", ''],
    ["event 'tray-change' for domain 'x y' disk hdc: opened", 'tray-change', 'x y', 'disk hdc: opened'],
    ["event 'agent-lifecycle' for domain 'q': state: 'connected' reason: 'channel event'", 'agent-lifecycle', 'q', "state: 'connected' reason: 'channel event'"],
    ["event 'tunable' for domain 'z':", 'tunable', 'z', ''],
    ["2024-05-01 10:00:00.123+0000: event 'lifecycle' for domain '12345': Defined Added", 'lifecycle', '12345', 'Defined Added'],
    ["event 'device-removed' for domain '$(touch x)': net0", 'device-removed', '$(touch x)', 'net0'],
  ])('%s', (line, kind, name, detail) => {
    expect(parseVirshEventLine(line)).toMatchObject({ kind, name, detail, line });
  });

  it.each(['\tcpu_shares: 1024', 'events received: 3', '', "event 'lifecycle' for domain 'trunc"])('not an event: %j', (line) => {
    expect(parseVirshEventLine(line)).toBeNull();
  });
});

describe('LineSplitter', () => {
  it('keeps partial lines and multi-byte characters across chunks', () => {
    const s = new LineSplitter();
    const bytes = new TextEncoder().encode("event 'lifecycle' for domain 'ünï': Started Booted\r\nsecond");
    expect(s.push(bytes.slice(0, 33))).toEqual([]);
    expect(s.push(bytes.slice(33))).toEqual(["event 'lifecycle' for domain 'ünï': Started Booted"]);
    expect(s.flush()).toEqual(['second']);
    expect(s.flush()).toEqual([]);
  });
});

describe('LineSplitter bounds', () => {
  const MiB = 1024 * 1024;
  it('is linear: 8 MiB without a newline examines each character about once', () => {
    const s = new LineSplitter({ maxLineLength: 16 * MiB });
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    for (let sent = 0; sent < 8 * MiB; sent += chunk.length) expect(s.push(chunk)).toEqual([]);
    expect(s.pending).toBe(8 * MiB);
    expect(s.work).toBeLessThanOrEqual(8 * MiB);
    const line = s.push('\n');
    expect(line).toHaveLength(1);
    expect(line[0]).toHaveLength(8 * MiB);
    // Joining the tail once adds its length once: still linear.
    expect(s.work).toBeLessThanOrEqual(2 * 8 * MiB + 1);
  });

  it('caps the unfinished line with a typed OUTPUT_TOO_LARGE and drops what it held', () => {
    const s = new LineSplitter({ maxLineLength: 1000 });
    s.push('a'.repeat(900));
    expect(() => s.push('b'.repeat(200))).toThrow(expect.objectContaining({ code: 'OUTPUT_TOO_LARGE' }));
    expect(s.pending).toBe(0);
    expect(s.push('ok\n')).toEqual(['ok']);
    expect(() => s.push(`${'c'.repeat(1001)}\n`)).toThrow(expect.objectContaining({ code: 'OUTPUT_TOO_LARGE' }));
  });

  it('has a default cap (1 MiB) so a stream without newlines cannot grow memory without bound', () => {
    const s = new LineSplitter();
    const chunk = 'z'.repeat(64 * 1024);
    let thrown: unknown;
    for (let i = 0; i < 64 && !thrown; i++) {
      try {
        s.push(chunk);
      } catch (e) {
        thrown = e;
      }
    }
    expect(thrown).toMatchObject({ code: 'OUTPUT_TOO_LARGE' });
    expect(s.pending).toBeLessThanOrEqual(1024 * 1024);
  });

  it('splits many lines in one chunk and CRLF', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\nb\nc')).toEqual(['a', 'b']);
    expect(s.push('d\n\n')).toEqual(['cd', '']);
  });
});
