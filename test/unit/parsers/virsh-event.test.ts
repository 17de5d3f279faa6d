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
