import { describe, expect, it } from 'vitest';
import { CONSOLE_NOISE_LINES, ConsoleNoiseFilter } from '../../../../main/services/consoles/console-noise';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const POLKIT = CONSOLE_NOISE_LINES[0]!;

describe('ConsoleNoiseFilter', () => {
  it("cuts virsh's polkit line from the terminal and reports it; the guest's output stays byte for byte", () => {
    const f = new ConsoleNoiseFilter();
    const r = f.push(enc(`Connected to domain 'alpha'\r\nEscape character is ^] (Ctrl + ])\r\n${POLKIT}\r\nlogin: `));
    expect(dec(r.shown)).toBe("Connected to domain 'alpha'\r\nEscape character is ^] (Ctrl + ])\r\nlogin: ");
    expect(r.noise).toEqual([POLKIT]);
    expect(r.droppedBytes).toBe(POLKIT.length + 2);
  });

  it('a noise line split across chunks (at any byte) is still cut', () => {
    const text = `${POLKIT}\r\nhello\r\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const f = new ConsoleNoiseFilter();
      const a = f.push(enc(text.slice(0, cut)));
      const b = f.push(enc(text.slice(cut)));
      expect(dec(a.shown) + dec(b.shown), `cut at ${cut}`).toBe('hello\r\n');
      expect([...a.noise, ...b.noise]).toEqual([POLKIT]);
    }
  });

  it('only whole lines at a line start are noise: the same words inside a line are guest output', () => {
    const f = new ConsoleNoiseFilter();
    const text = `echo '${POLKIT}'\r\n> ${POLKIT}\r\n`;
    expect(dec(f.push(enc(text)).shown)).toBe(text);
    const g = new ConsoleNoiseFilter();
    const longer = `${POLKIT} and more\r\n`;
    expect(dec(g.push(enc(longer)).shown)).toBe(longer);
  });

  it('a possible start is held only until flush (the service flushes after a quiet spell)', () => {
    const f = new ConsoleNoiseFilter();
    const r = f.push(enc('prompt\r\nAuth'));
    expect(dec(r.shown)).toBe('prompt\r\n');
    expect(f.heldBytes).toBe(4);
    expect(dec(f.flush())).toBe('Auth');
    expect(f.heldBytes).toBe(0);
    expect(dec(f.push(enc('orized\r\n')).shown)).toBe('orized\r\n');
  });

  it('passes a batch with nothing to cut through as the same array (no copy)', () => {
    const f = new ConsoleNoiseFilter();
    const chunk = enc('plain output\r\nmore\r\n');
    expect(f.push(chunk).shown).toBe(chunk);
  });
});
