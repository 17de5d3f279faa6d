import { describe, expect, it } from 'vitest';
import { chunkText, estimateMs, sttyCommand, toKeystrokes, typeText } from '../../../renderer/src/lib/terminal/keystrokes';
import { AckBatcher } from '../../../renderer/src/lib/terminal/acks';
import { ConsoleDataRouter } from '../../../renderer/src/lib/adapters/consoles';

describe('paste as keystrokes', () => {
  it('turns newlines into Enter and chunks without splitting surrogate pairs', () => {
    expect(toKeystrokes('a\r\nb\nc')).toBe('a\rb\rc');
    expect(chunkText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(chunkText('a😀b', 2)).toEqual(['a', '😀', 'b']);
    expect(estimateMs('x'.repeat(48), 16, 20)).toBe(40);
  });

  it('types chunk by chunk with delays and stops when aborted', async () => {
    const sent: string[] = [];
    const sleeps: number[] = [];
    const n = await typeText('hello\nworld', (c) => void sent.push(c), { chunkChars: 4, delayMs: 20, sleep: async (ms) => void sleeps.push(ms) });
    expect(sent).toEqual(['hell', 'o\rwo', 'rld']);
    expect(sleeps).toEqual([20, 20]);
    expect(n).toBe(11);

    const ac = new AbortController();
    const got: string[] = [];
    await typeText('abcdefgh', (c) => {
      got.push(c);
      if (got.length === 2) ac.abort();
    }, { chunkChars: 2, delayMs: 0, signal: ac.signal });
    expect(got).toEqual(['ab', 'cd']);
  });

  it('builds the stty command', () => {
    expect(sttyCommand(40, 132)).toBe('stty rows 40 cols 132\r');
  });
});

describe('AckBatcher', () => {
  it('acks at the threshold at once and otherwise once per scheduled frame', () => {
    const acks: number[] = [];
    const frames: (() => void)[] = [];
    const b = new AckBatcher((n) => acks.push(n), 100, (fn) => frames.push(fn));
    b.add(30);
    b.add(30);
    expect(acks).toEqual([]);
    expect(frames.length).toBe(1);
    b.add(50);
    expect(acks).toEqual([110]);
    frames[0]!();
    expect(acks).toEqual([110]);
    b.add(7);
    frames[1]!();
    expect(acks).toEqual([110, 7]);
    b.add(3);
    b.dispose();
    expect(acks).toEqual([110, 7, 3]);
    b.add(5);
    expect(acks).toEqual([110, 7, 3]);
  });
});

describe('ConsoleDataRouter', () => {
  it('holds output until the terminal attaches, then streams', () => {
    const r = new ConsoleDataRouter();
    r.deliver('c1', new Uint8Array([1]));
    r.deliver('c1', new Uint8Array([2]));
    const got: number[] = [];
    const detach = r.attach('c1', (b) => got.push(...b));
    r.deliver('c1', new Uint8Array([3]));
    expect(got).toEqual([1, 2, 3]);
    detach();
    r.deliver('c1', new Uint8Array([4]));
    expect(got).toEqual([1, 2, 3]);
    r.forget('c1');
  });
});
