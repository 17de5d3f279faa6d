/**
 * Test seams for console sessions: a manual clock, a fake CommandStream (the channel), a runner and driver
 * that hand them out, and a tiny inventory that publishes guest diffs.
 */
import { Emitter, type Disposable } from '../../../../main/core/lifecycle';
import type { Guest, GuestDiff, GuestState } from '../../../../main/core/models';
import type { CommandRunner, CommandStream, ExecResult, StreamOptions } from '../../../../main/core/runner';
import type { HypervisorDriver } from '../../../../main/hypervisors/driver';
import type { Clock, TimerHandle } from '../../../../main/core/clock';
import type { ConsoleTarget } from '../../../../main/services/consoles/console-target';
import { createGuestConsoleTarget } from '../../../../main/services/consoles/guest-console-target';

export class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, running due timers in order (timers they add run too if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = end;
  }
}

export class FakeCommandStream implements CommandStream {
  private readonly data = new Emitter<Uint8Array>();
  private readonly stderr = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<number | null>();
  readonly writes: Uint8Array[] = [];
  readonly resizes: [number, number][] = [];
  isPaused = false;
  pauseCalls = 0;
  resumeCalls = 0;
  closed = false;

  constructor(
    readonly argv: readonly string[] = [],
    readonly options: StreamOptions = {},
  ) {}

  onData(listener: (chunk: Uint8Array) => void): Disposable {
    return this.data.event(listener);
  }
  onStderr(listener: (chunk: Uint8Array) => void): Disposable {
    return this.stderr.event(listener);
  }
  onClose(listener: (exitCode: number | null) => void): Disposable {
    return this.closeEmitter.event(listener);
  }
  write(data: Uint8Array | string): void {
    if (this.closed) throw new Error('write after close');
    this.writes.push(typeof data === 'string' ? new TextEncoder().encode(data) : Uint8Array.from(data));
  }
  pause(): void {
    this.pauseCalls += 1;
    this.isPaused = true;
  }
  resume(): void {
    this.resumeCalls += 1;
    this.isPaused = false;
  }
  resize(rows: number, cols: number): void {
    this.resizes.push([rows, cols]);
  }
  close(): void {
    this.end(null);
  }
  dispose(): void {
    this.close();
  }

  // --- driving the fake from tests -------------------------------------------------------------------

  /** The remote prints. */
  push(chunk: Uint8Array | string): void {
    if (this.closed) throw new Error('push after close');
    this.data.fire(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
  }
  pushStderr(chunk: string): void {
    this.stderr.fire(new TextEncoder().encode(chunk));
  }
  /** The remote command exits (or the channel drops). */
  end(exitCode: number | null = 0): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire(exitCode);
  }
  get written(): string {
    return Buffer.concat(this.writes).toString('utf8');
  }
  get listenerCount(): number {
    return this.data.listenerCount + this.stderr.listenerCount + this.closeEmitter.listenerCount;
  }
}

export class FakeRunner implements CommandRunner {
  readonly label = 'fake';
  readonly streams: FakeCommandStream[] = [];
  /** Set to make the next stream() reject. */
  failNext: Error | undefined;

  async exec(): Promise<ExecResult> {
    throw new Error('not used');
  }

  async stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream> {
    if (this.failNext !== undefined) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const s = new FakeCommandStream(argv, options);
    this.streams.push(s);
    return s;
  }

  get last(): FakeCommandStream {
    const s = this.streams.at(-1);
    if (s === undefined) throw new Error('no stream opened');
    return s;
  }
}

export function fakeDriver(): HypervisorDriver {
  const unused = () => {
    throw new Error('not used');
  };
  return {
    toolstack: 'libvirt',
    target: 'fake',
    refresh: unused,
    watch: unused,
    action: unused,
    details: unused,
    consoleDevices: async () => [{ kind: 'serial', devName: 'serial0', label: 'Serial 0' }],
    consoleCommand: (guest, device) => ['virsh', 'console', '--force', guest.name, ...(device ? [device] : [])],
    dispose: () => undefined,
  };
}

export function makeGuest(overrides: Partial<Guest> = {}): Guest {
  return {
    hostId: 'h1',
    uuid: '11111111-2222-3333-4444-555555555555',
    name: 'alpha',
    domId: 1,
    state: 'running',
    vcpus: 1,
    memoryKiB: 65536,
    maxMemoryKiB: 65536,
    cpuTimeNs: 0,
    cpuPercent: null,
    autostart: false,
    persistent: true,
    ...overrides,
  };
}

/** Holds guests and publishes diffs like the inventory does. */
export class FakeInventory {
  readonly changes = new Emitter<GuestDiff>();
  private readonly guests = new Map<string, Guest>();

  add(guest: Guest): Guest {
    this.guests.set(`${guest.hostId}/${guest.uuid}`, guest);
    return guest;
  }

  get(hostId: string, uuid: string): Guest | undefined {
    return this.guests.get(`${hostId}/${uuid}`);
  }

  /** Changes a guest's state (and domain id) and publishes the diff. */
  set(hostId: string, uuid: string, state: GuestState, domId: number | null): void {
    const g = this.get(hostId, uuid);
    if (g === undefined) throw new Error('unknown guest');
    const next = { ...g, state, domId };
    this.guests.set(`${hostId}/${uuid}`, next);
    this.changes.fire({ hostId, added: [], removed: [], changed: [next] });
  }
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

/** A console target for `guest` over the fakes: the same wiring ConsoleService does with real parts. */
export function fakeGuestTarget(deps: {
  guest: Guest;
  inventory: FakeInventory;
  runner: FakeRunner;
  clock: ManualClock;
  label: string;
  pollMs?: number;
  refresh?: () => Promise<void>;
}): ConsoleTarget {
  const { guest, inventory, runner } = deps;
  return createGuestConsoleTarget({
    hostId: guest.hostId,
    uuid: guest.uuid,
    device: undefined,
    runner: () => runner,
    driver: fakeDriver,
    lookup: () => inventory.get(guest.hostId, guest.uuid),
    onGuestsChanged: inventory.changes.event,
    clock: deps.clock,
    label: deps.label,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    ...(deps.refresh ? { refresh: deps.refresh } : {}),
  });
}
