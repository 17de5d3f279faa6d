import { describe, expect, it } from 'vitest';
import { DisplayDataRouter } from '../../../renderer/src/lib/display/displays.svelte';
import { keysForChar, planTyping, SEND_KEYS } from '../../../renderer/src/lib/display/keys';
import { RfbChannel } from '../../../renderer/src/lib/display/rfb-channel';

describe('display keys', () => {
  it('types with Shift where a US keyboard needs it, Enter for newlines, and skips what it cannot type', () => {
    expect(keysForChar('a')).toEqual([{ keysym: 0x61, code: 'KeyA' }]);
    expect(keysForChar('$')).toEqual([{ keysym: 0xffe1, code: 'ShiftLeft' }, { keysym: 0x24, code: 'Digit4' }]);
    expect(keysForChar('\n')).toEqual([{ keysym: 0xff0d, code: 'Enter' }]);
    const plan = planTyping('echo $((6*7))\r\n\u0007');
    expect(plan.strokes).toHaveLength(14);
    expect(plan.skipped).toEqual(['\u0007']);
  });

  it('offers Ctrl+Alt+Del, Ctrl+Alt+F1..F12 and PrintScreen', () => {
    expect(SEND_KEYS.map((k) => k.label)).toEqual(['Ctrl+Alt+Del', ...Array.from({ length: 12 }, (_, i) => `Ctrl+Alt+F${i + 1}`), 'PrintScreen']);
    expect(SEND_KEYS[1]!.keys.at(-1)).toEqual({ keysym: 0xffbe, code: 'F1' });
  });
});

describe('RfbChannel', () => {
  it('hands bytes to noVNC, acknowledges what it consumed, copies what it sends, and closes once', async () => {
    const sent: Uint8Array[] = [];
    const acks: number[] = [];
    const ch = new RfbChannel(2, { send: (b) => sent.push(b), ack: (n) => acks.push(n) });
    const got: number[][] = [];
    ch.onmessage = (e) => got.push([...new Uint8Array(e.data)]);
    let closes = 0;
    ch.onclose = () => closes++;
    const buf = new Uint8Array(8);
    buf.set([1, 2, 3], 2);
    ch.receive(buf.subarray(2, 5));
    expect(got).toEqual([[1, 2, 3]]);
    expect(acks).toEqual([3]);
    const out = Uint8Array.of(9, 9);
    ch.send(out);
    out[0] = 0;
    expect(sent[0]).toEqual(Uint8Array.of(9, 9));
    ch.end();
    ch.close();
    expect(closes).toBe(1);
    // Closed by the viewer: the event comes after the call returns, once.
    const viewer = new RfbChannel(1, { send: () => {}, ack: () => {} });
    let viewerCloses = 0;
    viewer.onclose = () => viewerCloses++;
    viewer.close();
    expect(viewer.readyState).toBe('closed');
    expect(viewerCloses).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(viewerCloses).toBe(1);
    viewer.close();
    viewer.end();
    await new Promise((r) => setTimeout(r, 5));
    expect(viewerCloses).toBe(1);
    ch.receive(Uint8Array.of(4));
    expect(got).toHaveLength(1);
  });
});

describe('DisplayDataRouter', () => {
  it('holds bytes until the view attaches, then replays them in order with their generation', () => {
    const r = new DisplayDataRouter();
    r.deliver('d', 1, Uint8Array.of(1));
    r.deliver('d', 1, Uint8Array.of(2));
    const seen: string[] = [];
    const off = r.attach('d', (g, b) => seen.push(`${g}:${b[0]}`));
    r.deliver('d', 2, Uint8Array.of(3));
    off();
    r.deliver('d', 2, Uint8Array.of(4));
    expect(seen).toEqual(['1:1', '1:2', '2:3']);
  });
});
