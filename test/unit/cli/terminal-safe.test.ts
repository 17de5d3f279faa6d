// One escaping function for everything host-controlled that reaches a terminal: C0, DEL, C1 (as code
// points, i.e. what UTF-8 U+0080-U+009F decodes to), ESC sequences, bidi overrides; used by the CLI's tables,
// errors with remote stderr, and keyboard-interactive prompt text.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isTerminalSafe, terminalSafe } from '../../../main/core/terminal-safe';
import { formatGuestTable } from '../../../main/cli/format';
import { createTerminalPromptBroker } from '../../../main/cli/terminal-prompts';
import type { Guest } from '../../../main/core/models';
import { guest as sharedGuest } from '../services/host-fakes';

/** Anything a terminal would act on. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it.each([
    ['CSI clear screen', '\x1b[2J', '\\x1b[2J'],
    ['OSC title', '\x1b]0;owned\x07', '\\x1b]0;owned\\x07'],
    ['8-bit CSI (C1, U+009B)', '\u009b31m', '\\x9b31m'],
    ['C1 OSC and ST', '\u009d0;t\u009c', '\\x9d0;t\\x9c'],
    ['UTF-8 bytes of U+0085 decoded', Buffer.from([0xc2, 0x85]).toString('utf8'), '\\x85'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['carriage return', 'ok\rFAKE', 'ok\\x0dFAKE'],
    ['bidi override', 'abc\u202edef', 'abc\\u{202e}def'],
    ['newline on one line', 'a\nb', 'a\\x0ab'],
  ])('%s', (_name, input, out) => {
    expect(terminalSafe(input)).toBe(out);
    expect(terminalSafe(input)).not.toMatch(ACTIVE);
  });

  it('keeps newlines and tabs for multi-line text, escapes the rest', () => {
    expect(terminalSafe('error: x\n\tat \x1b[31mred\x1b[0m\r\n', { multiline: true })).toBe('error: x\n\tat \\x1b[31mred\\x1b[0m\\x0d\n');
  });

  it('leaves ordinary text alone, unicode included', () => {
    for (const s of ['web-01', 'ünïcödé ☃ 名前', "it's $(x) `y`"]) expect(isTerminalSafe(s)).toBe(true);
  });

  it('escapes every code point a terminal acts on (exhaustive over U+0000-U+00FF and the bidi range)', () => {
    for (let c = 0; c < 0x2070; c++) {
      if (c > 0xff && c < 0x2000) continue;
      const out = terminalSafe(String.fromCharCode(c));
      expect(out, c.toString(16)).not.toMatch(ACTIVE);
    }
  });
});

describe('CLI output of host-controlled text', () => {
  // A guest on a host whose name carries an OSC title sequence (the shared fixture, with a host name).
  const guest = (name: string): Guest & { host: string } => ({ ...sharedGuest(name, 1, { hostId: 'h', uuid: 'u', domId: null }), host: 'kvm\x1b]0;x\x07' });

  it('the guest table shows control sequences in names and hosts as text', () => {
    const out = formatGuestTable([guest('evil\x1b[2J\u009b31m\u0085\x07')]);
    expect(out.replace(/\n/g, '')).not.toMatch(ACTIVE);
    expect(out).toContain('evil\\x1b[2J\\x9b31m\\x85\\x07');
  });

  it('keyboard-interactive prompt text is escaped before it reaches the terminal', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode: () => input }) as unknown as NodeJS.ReadStream;
    const output = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
    let written = '';
    output.on('data', (c: Buffer) => (written += c.toString('utf8')));
    const broker = createTerminalPromptBroker(input, output);
    const answer = broker.ask({
      kind: 'keyboard-interactive',
      hostId: 'h',
      title: 'Login \x1b]0;owned\x07',
      message: 'Instruction \u009b2J\nsecond line',
      fields: [{ label: 'Code\x1b[8m:', secret: false }],
    } as never);
    await new Promise((r) => setTimeout(r, 20));
    input.write('123\n');
    expect(await answer).toMatchObject({ accept: true, values: ['123'] });
    expect(written.replace(/\n/g, '')).not.toMatch(ACTIVE);
    expect(written).toContain('Login \\x1b]0;owned\\x07');
    expect(written).toContain('Instruction \\x9b2J\nsecond line');
    expect(written).toContain('Code\\x1b[8m:');
  });
});
