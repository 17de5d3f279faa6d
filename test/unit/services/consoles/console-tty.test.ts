import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runConsoleInTerminal } from '../../../../main/cli/console-tty';
import { sessionConsole } from '../../../support/session-console';
import { FakeInventory, FakeRunner, fakeGuestTarget, makeGuest, ManualClock } from './fakes';

class FakeTtyIn extends EventEmitter {
  isTTY = true;
  isRaw = false;
  rawCalls: boolean[] = [];
  flowing = false;
  setRawMode(mode: boolean) {
    this.rawCalls.push(mode);
    this.isRaw = mode;
  }
  resume() {
    this.flowing = true;
  }
  pause() {
    this.flowing = false;
  }
}

class FakeTtyOut extends EventEmitter {
  rows = 40;
  columns = 120;
  chunks: string[] = [];
  write(data: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    this.chunks.push(typeof data === 'string' ? data : Buffer.from(data).toString());
    callback?.();
    return true;
  }
}

function setup() {
  const clock = new ManualClock();
  const runner = new FakeRunner();
  const inventory = new FakeInventory();
  const guest = inventory.add(makeGuest());
  const target = fakeGuestTarget({ guest, inventory, runner, clock, label: 'kvm1/alpha' });
  const stdin = new FakeTtyIn();
  const stdout = new FakeTtyOut();
  const notices: string[] = [];
  return { clock, runner, inventory, target, stdin, stdout, notices, stderr: { write: (s: string) => notices.push(s) } };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('runConsoleInTerminal', () => {
  it('relays in raw mode, follows the terminal size, and detaches on a local Ctrl-] restoring the terminal', async () => {
    const { clock, runner, target, stdin, stdout, stderr, notices } = setup();
    const done = runConsoleInTerminal(sessionConsole(target, { clock }), { stdin, stdout, stderr });
    await settle();
    const stream = runner.last;
    expect(stream.options.pty).toMatchObject({ rows: 40, cols: 120 });
    expect(stdin.isRaw).toBe(true);
    expect(notices.join('')).toContain('Escape character is ^]');
    stream.push('alpha:~# ');
    clock.advance(10);
    expect(stdout.chunks.join('')).toBe('alpha:~# ');
    expect(stream.isPaused).toBe(false);
    stdin.emit('data', Buffer.from('echo hi\r'));
    stdout.rows = 50;
    stdout.columns = 100;
    stdout.emit('resize');
    expect(stream.resizes).toEqual([[50, 100]]);
    stdin.emit('data', Buffer.from('ls\x1dignored'));
    const result = await done;
    expect(result).toEqual({ reason: 'detached' });
    expect(stream.written).toBe('echo hi\rls'); // nothing after Ctrl-], and Ctrl-] itself stays local
    expect(stream.closed).toBe(true);
    expect(stdin.rawCalls).toEqual([true, false]);
    expect(stdin.isRaw).toBe(false);
    expect(stdin.listenerCount('data') + stdin.listenerCount('end') + stdout.listenerCount('resize')).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('acknowledges output only when the terminal has taken it', async () => {
    const { clock, runner, target, stdin, stderr } = setup();
    const pending: (() => void)[] = [];
    const slow = new FakeTtyOut();
    slow.write = (_d, cb) => {
      if (cb) pending.push(() => cb());
      return false;
    };
    const done = runConsoleInTerminal(sessionConsole(target, { clock, limits: { highWatermark: 1000, lowWatermark: 100 } }), { stdin, stdout: slow, stderr });
    await settle();
    runner.last.push(new Uint8Array(1500));
    clock.advance(10);
    expect(runner.last.isPaused).toBe(true);
    for (const p of pending.splice(0)) p();
    expect(runner.last.isPaused).toBe(false);
    stdin.emit('end');
    expect(await done).toEqual({ reason: 'input-ended' });
  });

  it('leaves the terminal alone when the first attach fails', async () => {
    const { runner, target, stdin, stdout, stderr } = setup();
    runner.failNext = new Error('no console');
    await expect(runConsoleInTerminal(sessionConsole(target), { stdin, stdout, stderr })).rejects.toThrow('no console');
    expect(stdin.rawCalls).toEqual([]);
  });
});
