import { describe, expect, it } from 'vitest';
import { isVmdeckError, VmdeckError } from '../../../../main/core/errors';
import type { ConsoleStatus } from '../../../../main/core/contract';
import { DEFAULT_CONSOLE_LIMITS, type ConsoleLimits } from '../../../../main/services/consoles/console-limits';
import { ConsoleSession, DEFAULT_REATTACH_POLICY, type ReattachPolicy } from '../../../../main/services/consoles/console-session';
import { sttyLine } from '../../../../main/services/consoles/console-text';
import { concat, FakeInventory, FakeRunner, fakeGuestTarget, makeGuest, ManualClock } from './fakes';

const MiB = 1024 * 1024;

function setup(
  options: { state?: 'running' | 'shutoff'; limits?: Partial<ConsoleLimits>; reattach?: Partial<ReattachPolicy>; refresh?: (inventory: FakeInventory) => void } = {},
) {
  const clock = new ManualClock();
  const runner = new FakeRunner();
  const inventory = new FakeInventory();
  const state = options.state ?? 'running';
  const guest = inventory.add(makeGuest({ state, domId: state === 'running' ? 1 : null }));
  const target = fakeGuestTarget({
    guest,
    inventory,
    runner,
    clock,
    pollMs: 2000,
    label: 'h1/alpha',
    ...(options.refresh ? { refresh: async () => options.refresh!(inventory) } : {}),
  });
  const session = new ConsoleSession(target, { size: { rows: 24, cols: 80 }, clock, limits: options.limits, reattach: options.reattach });
  const batches: Uint8Array[] = [];
  const statuses: ConsoleStatus[] = [];
  session.onData((b) => batches.push(b));
  session.onDidChange(() => statuses.push(session.status));
  const output = () => Buffer.from(concat(batches)).toString('utf8');
  return { clock, runner, inventory, guest, session, batches, statuses, output };
}

/** Lets promise continuations (open, wait) run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('ConsoleSession', () => {
  it('opens the driver console command in an xterm-256color PTY of the requested size', async () => {
    const { runner, session } = setup();
    await session.start();
    expect(runner.last.argv).toEqual(['virsh', 'console', '--force', 'alpha']);
    expect(runner.last.options.pty).toEqual({ rows: 24, cols: 80, term: 'xterm-256color' });
    expect(session.status).toBe('attached');
    session.close();
  });

  it('sends the first chunk after a quiet spell at once (echo), then groups what follows per batch interval', async () => {
    const { clock, runner, session, batches } = setup();
    await session.start();
    const text = () => batches.map((b) => Buffer.from(b).toString());
    runner.last.push('a'); // quiet until now: out at once, so a keystroke's echo never waits
    expect(text()).toEqual(['a']);
    runner.last.push('b');
    clock.advance(DEFAULT_CONSOLE_LIMITS.batchMs - 1);
    runner.last.push('c');
    expect(text()).toEqual(['a']);
    clock.advance(1);
    expect(text()).toEqual(['a', 'bc']);
    runner.last.push('d'); // still within a busy spell: waits for the next window
    expect(text()).toEqual(['a', 'bc']);
    clock.advance(DEFAULT_CONSOLE_LIMITS.batchMs);
    expect(text()).toEqual(['a', 'bc', 'd']);
    clock.advance(DEFAULT_CONSOLE_LIMITS.batchMs); // a window with nothing in it: quiet again
    runner.last.push('e');
    expect(text()).toEqual(['a', 'bc', 'd', 'e']);
    session.close();
  });

  it('emits at once when a batch reaches the size cap', async () => {
    const { runner, session, batches } = setup({ limits: { maxBatchBytes: 1000 } });
    await session.start();
    runner.last.push(new Uint8Array(10)); // leading chunk, out at once; opens a batch window
    expect(batches).toHaveLength(1);
    runner.last.push(new Uint8Array(600));
    expect(batches).toHaveLength(1);
    runner.last.push(new Uint8Array(600));
    expect(batches).toHaveLength(2);
    expect(batches[1]!.byteLength).toBe(1200);
    session.close();
  });

  it('passes bytes through unchanged, including a UTF-8 character split across chunks and batches', async () => {
    const { clock, runner, session, batches } = setup();
    await session.start();
    const bytes = new Uint8Array(Buffer.from('prix: 5€ — ok\r\n\x1b[1mgras\x1b[0m 日本', 'utf8'));
    const euro = bytes.indexOf(0xe2);
    runner.last.push(bytes.subarray(0, euro + 1)); // first byte of €
    clock.advance(10); // the batch ends in the middle of the character
    runner.last.push(bytes.subarray(euro + 1, euro + 2));
    clock.advance(10);
    runner.last.push(bytes.subarray(euro + 2));
    clock.advance(10);
    expect(batches).toHaveLength(3);
    expect(concat(batches)).toEqual(bytes);
    for (const b of batches) {
      expect(b).toBeInstanceOf(Uint8Array);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(b.byteLength); // owns its buffer: structured clone copies no more
    }
    session.close();
  });

  it('pauses exactly at the high watermark and resumes exactly at the low watermark', async () => {
    const limits = { highWatermark: 10_000, lowWatermark: 4_000, maxBatchBytes: 1_000_000 };
    const { clock, runner, session } = setup({ limits });
    await session.start();
    const s = runner.last;
    s.push(new Uint8Array(9_999));
    clock.advance(10);
    expect(session.unacknowledgedBytes).toBe(9_999);
    expect(s.isPaused).toBe(false);
    s.push(new Uint8Array(1));
    clock.advance(10);
    expect(session.unacknowledgedBytes).toBe(10_000);
    expect(s.isPaused).toBe(true);
    expect(s.pauseCalls).toBe(1);
    session.ack(5_999); // 4_001 left
    expect(s.isPaused).toBe(true);
    session.ack(1); // 4_000 left
    expect(s.isPaused).toBe(false);
    expect(s.resumeCalls).toBe(1);
    // Acknowledging more than was sent never goes negative.
    session.ack(1_000_000);
    expect(session.unacknowledgedBytes).toBe(0);
    session.close();
  });

  it('keeps its buffered bytes bounded during a 50 MiB flood with a slow terminal', async () => {
    const { clock, runner, session } = setup();
    await session.start();
    const s = runner.last;
    const total = 50 * MiB;
    const chunk = 32 * 1024;
    const ackPerMs = 64 * 1024; // the terminal writes 64 MiB/s; the guest offers 128 MiB/s
    let produced = 0;
    let received = 0;
    let acked = 0;
    let maxBuffered = 0;
    let misplaced = 0;
    session.onData((b) => {
      // Every byte must arrive in order: chunk n is filled with n % 251.
      for (let i = 0; i < b.byteLength; i += 1024) if (b[i] !== Math.floor((received + i) / chunk) % 251) misplaced += 1;
      received += b.byteLength;
    });
    let steps = 0;
    while (acked < total) {
      for (let k = 0; k < 4 && !s.isPaused && produced < total; k++) {
        s.push(new Uint8Array(chunk).fill((produced / chunk) % 251));
        produced += chunk;
      }
      maxBuffered = Math.max(maxBuffered, session.bufferedBytes);
      clock.advance(1);
      maxBuffered = Math.max(maxBuffered, session.bufferedBytes);
      if (steps++ % 5 === 4) clock.advance(DEFAULT_CONSOLE_LIMITS.batchMs); // let batches flush
      const n = Math.min(ackPerMs, received - acked);
      acked += n;
      session.ack(n);
    }
    const bound = DEFAULT_CONSOLE_LIMITS.highWatermark + DEFAULT_CONSOLE_LIMITS.maxBatchBytes + 4 * chunk;
    expect(received).toBe(total);
    expect(misplaced).toBe(0);
    expect(s.pauseCalls).toBeGreaterThan(10);
    expect(maxBuffered).toBeLessThanOrEqual(bound);
    session.close();
  });

  it('writes UTF-8 input, resizes the channel, and offers the stty line for serial consoles', async () => {
    const { runner, session } = setup();
    await session.start();
    expect(session.input('echo €\r')).toBe(true);
    session.resize(50, 132);
    expect(runner.last.written).toBe('echo €\r');
    expect(runner.last.resizes).toEqual([[50, 132]]);
    expect(sttyLine(50, 132)).toBe('stty rows 50 cols 132\r');
    session.close();
  });

  it('closes without typing anything, and sends Ctrl-] only when asked', async () => {
    const { runner, session } = setup();
    await session.start();
    const first = runner.last;
    expect(session.sendEscape()).toBe(true);
    expect([...first.writes[0]!]).toEqual([0x1d]);
    first.writes.length = 0;
    session.close();
    expect(first.writes).toHaveLength(0);
    expect(first.closed).toBe(true);
    expect(session.status).toBe('closed');
  });

  it('reattaches when the guest restarts, marking the gap, and takes input on the new channel', async () => {
    const { clock, runner, inventory, guest, session, statuses, output } = setup();
    await session.start();
    const first = runner.last;
    first.push('alpha:~# reboot\r\n');
    clock.advance(10_000);
    inventory.set(guest.hostId, guest.uuid, 'shutoff', null);
    first.end(0);
    expect(session.status).toBe('reattaching');
    await settle();
    expect(runner.streams).toHaveLength(1); // waits for the guest
    session.resize(30, 100); // a resize while detached applies to the next channel
    inventory.set(guest.hostId, guest.uuid, 'running', 7);
    await settle();
    expect(runner.streams).toHaveLength(2);
    const second = runner.last;
    expect(second.options.pty).toMatchObject({ rows: 30, cols: 100 });
    second.push('vmdeck-guest alpha booted\r\n');
    clock.advance(10);
    expect(session.status).toBe('attached');
    expect(statuses).toEqual(['attached', 'reattaching', 'attached']);
    const text = output();
    expect(text).toMatch(/alpha:~# reboot\r\n\r\n\x1b\[2m──── console reattached \d\d:\d\d:\d\d \(guest restarted\) ────\x1b\[0m\r\nvmdeck-guest alpha booted/);
    expect(first.listenerCount).toBe(0);
    session.input('echo hi\r');
    expect(second.written).toBe('echo hi\r');
    session.close();
  });

  it('finds a restarted guest by the poll fallback when no diff arrives', async () => {
    const { clock, runner, inventory, guest, session } = setup();
    await session.start();
    clock.advance(10_000);
    runner.last.end(0);
    // The inventory changes without publishing (a missed diff).
    const g = inventory.get(guest.hostId, guest.uuid)!;
    inventory.add({ ...g, domId: 9, state: 'running' });
    await settle();
    // The guest looks running already: the first reopen is immediate, as the state is read at once.
    expect(runner.streams).toHaveLength(2);
    expect(session.status).toBe('attached');
    session.close();
  });

  it('opening a guest that is not running waits and attaches when it starts', async () => {
    const { clock, runner, inventory, guest, session, output } = setup({ state: 'shutoff' });
    await session.start();
    expect(session.status).toBe('connecting');
    expect(runner.streams).toHaveLength(0);
    clock.advance(10);
    expect(output()).toContain('waiting for the guest to run');
    inventory.set(guest.hostId, guest.uuid, 'running', 3);
    await settle();
    expect(session.status).toBe('attached');
    clock.advance(10);
    expect(output()).toContain('(guest started)');
    session.close();
  });

  it('rejects start on an unknown guest with NOT_FOUND and on a failing open with its error', async () => {
    const a = setup();
    a.inventory.add({ ...a.guest, uuid: 'other' });
    const clock = new ManualClock();
    const missing = new ConsoleSession(
      {
        label: 'x',
        guest: () => undefined,
        waitForAttachable: () => new Promise(() => undefined),
        open: () => Promise.reject(new Error('unused')),
      },
      { size: { rows: 24, cols: 80 }, clock },
    );
    await expect(missing.start()).rejects.toSatisfy((e) => isVmdeckError(e, 'NOT_FOUND'));
    missing.close();
    a.runner.failNext = new VmdeckError('COMMAND_FAILED', 'error: failed to get domain');
    await expect(a.session.start()).rejects.toSatisfy((e) => isVmdeckError(e, 'COMMAND_FAILED'));
    a.session.close();
    expect(a.clock.pendingTimers).toBe(0);
  });

  it('backs off on channels that close at once and gives up with INVALID_STATE in the same domain', async () => {
    const { clock, runner, session, statuses } = setup({ reattach: { maxQuickCloses: 3, backoffMs: [0, 100, 200] } });
    await session.start();
    for (let i = 0; i < 3; i++) {
      runner.last.end(null); // lost at once without an exit status, guest still running in domain 1
      await settle();
      clock.advance(200);
      await settle();
    }
    expect(runner.streams).toHaveLength(3);
    runner.last.end(null);
    await settle();
    clock.advance(1000);
    await settle();
    expect(session.status).toBe('closed');
    expect(session.error?.code).toBe('INVALID_STATE');
    expect(statuses.at(-1)).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not fight for a console another client took over: closes with INVALID_STATE', async () => {
    const { clock, runner, session } = setup();
    await session.start();
    clock.advance(60_000);
    runner.last.push('error: stream had I/O failure\r\n');
    runner.last.end(1); // virsh console exits with a status, the guest keeps running in domain 1
    await settle();
    expect(session.status).toBe('reattaching');
    clock.advance(DEFAULT_REATTACH_POLICY.sameDomainGraceMs);
    await settle();
    expect(session.status).toBe('closed');
    expect(session.error?.code).toBe('INVALID_STATE');
    expect(runner.streams).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refreshes the guest when the channel ends, so a reboot with a new domain id reattaches at once', async () => {
    const { clock, runner, guest, session, output } = setup({
      refresh: (inv) => inv.add({ ...inv.get(guest.hostId, guest.uuid)!, domId: 2 }),
    });
    await session.start();
    clock.advance(60_000);
    runner.last.end(0); // xl console exits: the old domain is gone; the inventory has not noticed yet
    await settle();
    expect(runner.streams).toHaveLength(2);
    clock.advance(10);
    expect(output()).toContain('(guest restarted)');
    expect(session.status).toBe('attached');
    session.close();
  });

  it('closes after a deliberate Ctrl-] once the console command exits', async () => {
    const { clock, runner, session } = setup();
    await session.start();
    session.sendEscape();
    runner.last.end(0);
    await settle();
    expect(session.status).toBe('closed');
    expect(session.error).toBeUndefined();
    expect(runner.streams).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases every listener, timer and channel on close, also while waiting to reattach', async () => {
    const { clock, runner, inventory, guest, session } = setup();
    await session.start();
    runner.last.push('pending');
    expect(clock.pendingTimers).toBe(1); // the batch timer
    clock.advance(10_000);
    inventory.set(guest.hostId, guest.uuid, 'shutoff', null);
    runner.last.end(0);
    await settle();
    expect(inventory.changes.listenerCount).toBe(1); // waiting for the guest
    expect(clock.pendingTimers).toBe(1); // the poll fallback
    session.close();
    await settle();
    expect(inventory.changes.listenerCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(runner.streams.every((s) => s.closed && s.listenerCount === 0)).toBe(true);
    expect(session.input('x')).toBe(false);
  });

  it('flushes pending output before reporting closed', async () => {
    const { runner, session, output, statuses } = setup();
    await session.start();
    runner.last.push('last words');
    session.close();
    expect(output()).toBe('last words');
    expect(statuses.at(-1)).toBe('closed');
  });
});
