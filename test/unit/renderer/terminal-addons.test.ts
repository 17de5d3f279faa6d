/**
 * The console's guards as xterm addons, loaded into a real (headless) xterm: OSC 52 swallowed, app keys claimed
 * before xterm consumes them, acks after xterm parsed the output, and one link rule for web links and OSC 8.
 */
import { Terminal } from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { AppKeysAddon, type KeyRoute } from '../../../renderer/src/lib/terminal/addons/app-keys';
import { ClipboardGuardAddon } from '../../../renderer/src/lib/terminal/addons/clipboard-guard';
import { FlowControlAddon } from '../../../renderer/src/lib/terminal/addons/flow-control';
import { activateLink, isSafeLink, safeLinkHandler } from '../../../renderer/src/lib/terminal/addons/safe-links';
import { localConsoleKey } from '../../../renderer/src/lib/terminal/console-actions';

const write = (t: Terminal, data: string | Uint8Array) => new Promise<void>((r) => t.write(data, r));
const line = (t: Terminal, y: number) => t.buffer.active.getLine(y)?.translateToString(true) ?? '';
const newTerm = () => new Terminal({ cols: 80, rows: 10, allowProposedApi: true });

describe('ClipboardGuardAddon', () => {
  it('swallows OSC 52 (BEL and ST terminated), counts it, and leaves the text around it alone', async () => {
    const t = newTerm();
    const seen: number[] = [];
    const guard = new ClipboardGuardAddon((n) => seen.push(n));
    t.loadAddon(guard);
    await write(t, 'before\x1b]52;c;ZXZpbA==\x07after\r\n');
    await write(t, 'x\x1b]52;p;aGk=\x1b\\y');
    expect(guard.blocked).toBe(2);
    expect(seen).toEqual([1, 2]);
    expect(line(t, 0)).toBe('beforeafter');
    expect(line(t, 1)).toBe('xy');
    t.dispose();
  });

  it('stops counting once disposed (another OSC 52 then reaches no handler of ours)', async () => {
    const t = newTerm();
    const guard = new ClipboardGuardAddon();
    t.loadAddon(guard);
    await write(t, '\x1b]52;c;YQ==\x07');
    guard.dispose();
    await write(t, '\x1b]52;c;Yg==\x07');
    expect(guard.blocked).toBe(1);
    t.dispose();
  });

  it('does not touch other OSC sequences (window title)', async () => {
    const t = newTerm();
    const guard = new ClipboardGuardAddon();
    t.loadAddon(guard);
    const titles: string[] = [];
    t.onTitleChange((s) => titles.push(s));
    await write(t, '\x1b]0;guest title\x07');
    expect(titles).toEqual(['guest title']);
    expect(guard.blocked).toBe(0);
    t.dispose();
  });
});

describe('FlowControlAddon', () => {
  it('acknowledges bytes only after xterm parsed them, batched to the threshold or the next frame', async () => {
    const t = newTerm();
    const acks: number[] = [];
    const frames: (() => void)[] = [];
    const flow = new FlowControlAddon((n) => acks.push(n), 100, (fn) => frames.push(fn));
    t.loadAddon(flow);
    const enc = new TextEncoder();
    flow.write(enc.encode('a'.repeat(30)));
    expect(acks).toEqual([]); // not parsed yet: nothing acknowledged
    await write(t, '');
    expect(flow.pending).toBe(30);
    expect(frames.length).toBe(1);
    flow.write(enc.encode('b'.repeat(80)));
    await write(t, '');
    expect(acks).toEqual([110]); // threshold reached: at once
    flow.write(enc.encode('c'.repeat(5)));
    await write(t, '');
    frames.at(-1)!();
    expect(acks).toEqual([110, 5]);
    expect(line(t, 0).startsWith('a'.repeat(30) + 'b'.repeat(50))).toBe(true);
    t.dispose();
  });

  it('flushes what was written on dispose and writes nothing after', async () => {
    const t = newTerm();
    const acks: number[] = [];
    const flow = new FlowControlAddon((n) => acks.push(n), 1000, () => {});
    t.loadAddon(flow);
    flow.write(new Uint8Array([65, 66]));
    await write(t, '');
    flow.dispose();
    expect(acks).toEqual([2]);
    expect(flow.write(new Uint8Array([67]))).toBe(false);
    await write(t, '');
    expect(line(t, 0)).toBe('AB');
    t.dispose();
  });
});

/** A key event as xterm's custom key handler receives it. */
function key(k: string, mods: Partial<Pick<KeyboardEvent, 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey'>> = {}, code = '') {
  const e = { type: 'keydown', key: k, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods, prevented: false, stopped: false };
  return Object.assign(e, { preventDefault: () => void (e.prevented = true), stopPropagation: () => void (e.stopped = true) });
}

describe('AppKeysAddon', () => {
  const route = (e: KeyboardEvent): KeyRoute => (localConsoleKey(e) ? 'local' : e.ctrlKey && !e.shiftKey && (e.key === 'k' || e.key === 'j') ? 'app' : 'guest');

  it('claims app chords so xterm leaves them (and they bubble to the window), keeps console keys, sends the rest', () => {
    let handler: ((e: KeyboardEvent) => boolean) | null = null;
    const addon = new AppKeysAddon(route);
    addon.activate({ attachCustomKeyEventHandler: (h) => void (handler = h) });
    const h = handler as unknown as (e: KeyboardEvent) => boolean;

    const ctrlK = key('k', { ctrlKey: true });
    expect(h(ctrlK as unknown as KeyboardEvent)).toBe(false); // xterm: do not process
    expect(ctrlK.prevented).toBe(false); // the app's window handler still sees it
    expect(ctrlK.stopped).toBe(false);

    const find = key('F', { ctrlKey: true, shiftKey: true });
    expect(h(find as unknown as KeyboardEvent)).toBe(false);
    expect(find.prevented && find.stopped).toBe(true); // handled by the console itself

    for (const k of [key('a'), key('?'), key('/'), key('c', { ctrlKey: true }), key('u', { ctrlKey: true }), key('Escape')]) {
      expect(h(k as unknown as KeyboardEvent)).toBe(true); // the guest gets it
      expect(k.prevented).toBe(false);
    }
    addon.dispose();
    expect(h(key('k', { ctrlKey: true }) as unknown as KeyboardEvent)).toBe(true); // disposed: pass-through
  });

  it('loads into xterm (custom key handler attached through the public API)', () => {
    const calls: unknown[] = [];
    const fake = { attachCustomKeyEventHandler: (h: unknown) => void calls.push(h) };
    new AppKeysAddon(() => 'guest').activate(fake);
    expect(calls.length).toBe(1);
  });
});

describe('safe links (web links and OSC 8)', () => {
  const click = { button: 0, isTrusted: true, preventDefault() {} } as unknown as MouseEvent;

  it('accepts only absolute https URLs without credentials', () => {
    expect(isSafeLink('https://example.org/a?b#c')).toBe(true);
    for (const bad of ['http://example.org', 'file:///etc/passwd', 'javascript:alert(1)', 'vmdeck://x', 'https://user:pw@example.org', 'HTTPS:/', 'not a url', 'data:text/html,x'])
      expect(isSafeLink(bad), bad).toBe(false);
  });

  it('opens only on a real primary-button click', () => {
    const opened: string[] = [];
    expect(activateLink(click, 'https://example.org', (u) => opened.push(u))).toBe(true);
    expect(activateLink({ ...click, button: 1 } as MouseEvent, 'https://example.org', (u) => opened.push(u))).toBe(false);
    expect(activateLink({ ...click, isTrusted: false } as MouseEvent, 'https://example.org', (u) => opened.push(u))).toBe(false);
    expect(activateLink(undefined, 'https://example.org', (u) => opened.push(u))).toBe(false);
    expect(activateLink(click, 'file:///etc/passwd', (u) => opened.push(u))).toBe(false);
    expect(opened).toEqual(['https://example.org']);
  });

  it('the OSC 8 link handler applies the same rule and reports refusals', () => {
    const opened: string[] = [];
    const refused: string[] = [];
    const h = safeLinkHandler((u) => opened.push(u), (u) => refused.push(u));
    expect(h.allowNonHttpProtocols).toBe(false);
    const range = { start: { x: 1, y: 1 }, end: { x: 2, y: 1 } };
    h.activate(click, 'https://example.org/x', range);
    h.activate(click, 'http://example.org/x', range);
    h.activate(click, 'file:///etc/shadow', range);
    expect(opened).toEqual(['https://example.org/x']);
    expect(refused).toEqual(['http://example.org/x', 'file:///etc/shadow']);
  });
});
