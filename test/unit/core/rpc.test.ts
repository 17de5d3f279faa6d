import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, methods, type VmdeckHandlers } from '../../../main/core/contract';
import { VmdeckError } from '../../../main/core/errors';
import { base64ToBytes, bytesToBase64, decodeWire, dispatch, encodeWire, parseArgs } from '../../../main/core/rpc';

function handlersThatRecord(calls: unknown[][]): VmdeckHandlers {
  const h: Record<string, (...a: unknown[]) => unknown> = {};
  for (const m of METHOD_NAMES) h[m] = (...a: unknown[]) => (calls.push([m, ...a]), `${m}-ok`);
  return h as unknown as VmdeckHandlers;
}

describe('contract dispatch', () => {
  it('validates arguments before a handler runs and reports INVALID_ARGUMENT as data', async () => {
    const calls: unknown[][] = [];
    const out = await dispatch(handlersThatRecord(calls), 'guests.action', ['h1', 'not a uuid', 'start', undefined]);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.code).toBe('INVALID_ARGUMENT');
    expect(calls).toHaveLength(0);
  });

  it('rejects unknown lifecycle actions, extra host fields and unknown methods', async () => {
    const h = handlersThatRecord([]);
    const bad = [
      ['guests.action', ['h1', '0ee1a7d6-6f06-4ef7-a0a1-b6a0e55c6e0a', 'format-disk', undefined]],
      ['hosts.add', [{ name: 'x', transport: 'ssh', evil: true }]],
      ['no.such.method', []],
      ['consoles.ack', ['c1', -5]],
      ['app.openExternal', ['javascript:alert(1)']],
      ['app.openExternal', ['http://example.com/']],
    ] as const;
    for (const [m, a] of bad) {
      const out = await dispatch(h, m, a);
      expect(out, m).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
  });

  it('passes parsed arguments (with defaults filled) to the handler', async () => {
    const calls: unknown[][] = [];
    const out = await dispatch(handlersThatRecord(calls), 'hosts.add', [{ name: 'kvm1', transport: 'ssh', address: 'kvm1' }]);
    expect(out).toEqual({ ok: true, result: 'hosts.add-ok' });
    expect(calls[0]?.[1]).toMatchObject({ name: 'kvm1', toolstack: 'auto', autoConnect: true });
    // No interval of its own: the host follows the default setting.
    expect((calls[0]?.[1] as { pollIntervalSec?: number }).pollIntervalSec).toBeUndefined();
  });

  it('lets optional trailing arguments be omitted', () => {
    expect(parseArgs('hosts.sshConfigCandidates', [])).toEqual([undefined]);
    expect(parseArgs('consoles.open', ['h', '0ee1a7d6-6f06-4ef7-a0a1-b6a0e55c6e0a'])).toHaveLength(3);
  });

  it('keeps a handler error code and details', async () => {
    const h = handlersThatRecord([]);
    (h as Record<string, unknown>)['hosts.connect'] = () => {
      throw new VmdeckError('HOST_KEY_MISMATCH', 'changed', { expectedFingerprint: 'SHA256:a', actualFingerprint: 'SHA256:b' });
    };
    const out = await dispatch(h, 'hosts.connect', ['h1']);
    expect(out).toEqual({
      ok: false,
      error: { code: 'HOST_KEY_MISMATCH', message: 'changed', details: { expectedFingerprint: 'SHA256:a', actualFingerprint: 'SHA256:b' } },
    });
  });

  it('every method has a tuple schema', () => {
    for (const m of METHOD_NAMES) expect(methods[m].args.def.type, m).toBe('tuple');
  });
});

describe('wire format', () => {
  it('round-trips bytes, including every byte value, through JSON', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    const back = decodeWire(encodeWire({ t: 'evt', e: 'consoles.data', p: { id: 'c', data: bytes } })) as { p: { data: Uint8Array } };
    expect(back.p.data).toBeInstanceOf(Uint8Array);
    expect([...back.p.data]).toEqual([...bytes]);
  });

  it('matches Node base64 for all lengths', () => {
    for (let n = 0; n < 20; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      expect(bytesToBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect([...base64ToBytes(Buffer.from(b).toString('base64'))]).toEqual([...b]);
    }
  });
});
