import { describe, expect, it } from 'vitest';
import { Emitter, reportListenerError, setListenerErrorSink } from '../../../main/core/lifecycle';
import { createApiProxy } from '../../../main/core/api-proxy';

describe('listener errors have one sink', () => {
  it('a throwing Emitter listener goes to the sink, the others still run, nothing is rethrown later', async () => {
    const seen: unknown[] = [];
    const sink = setListenerErrorSink((e) => seen.push(e));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const emitter = new Emitter<number>();
      const got: number[] = [];
      emitter.event(() => {
        throw new Error('listener bug');
      });
      emitter.event((n) => got.push(n));
      emitter.fire(7);
      await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual([7]);
      expect(seen).toEqual([expect.objectContaining({ message: 'listener bug' })]);
      expect(uncaught).toEqual([]);
      // The client-side proxy reports to the same sink by default.
      const proxy = createApiProxy({ methods: [], events: ['hosts.removed'], call: async () => undefined });
      proxy.api.on('hosts.removed', () => {
        throw new Error('ui bug');
      });
      proxy.deliver('hosts.removed', { id: 'x' });
      expect(seen).toHaveLength(2);
    } finally {
      process.off('uncaughtException', onUncaught);
      sink.dispose();
    }
  });

  it('a failing sink is swallowed, and disposing restores the previous sink', () => {
    const outer: unknown[] = [];
    const first = setListenerErrorSink((e) => outer.push(e));
    const broken = setListenerErrorSink(() => {
      throw new Error('sink broken');
    });
    expect(() => reportListenerError(new Error('x'))).not.toThrow();
    broken.dispose();
    reportListenerError('y');
    expect(outer).toEqual(['y']);
    first.dispose();
  });
});
