// Containers beside VMs in the renderer's logic: the kind: filter and the actions a kind offers.
import { describe, expect, it } from 'vitest';
import { guestKind } from '../../../main/core/models';
import { isActionEnabled, kindSupports, TOOLBAR_ACTIONS } from '../../../renderer/src/lib/logic/actions';
import { matchesFilter, parseFilter } from '../../../renderer/src/lib/logic/filter';

const base = { hostName: 'ct1', state: 'running', uuid: '00000000-0000-0000-0000-000000000001' };
const ct = { ...base, name: 'ct-web', kind: 'container' };
const vm = { ...base, name: 'alpha', kind: 'vm' };
const old = { ...base, name: 'legacy' }; // no kind: a VM

describe('kind: filter', () => {
  it('kind:container / kind:vm / prefixes / negation; a guest without kind is a VM', () => {
    const hits = (q: string) => [ct, vm, old].filter((g) => matchesFilter(parseFilter(q), g)).map((g) => g.name);
    expect(parseFilter('kind:container').unknownFields).toEqual([]);
    expect(hits('kind:container')).toEqual(['ct-web']);
    expect(hits('kind:vm')).toEqual(['alpha', 'legacy']);
    expect(hits('kind:c')).toEqual(['ct-web']);
    expect(hits('-kind:container')).toEqual(['alpha', 'legacy']);
    expect(hits('kind:vm,container')).toEqual(['ct-web', 'alpha', 'legacy']);
    expect(hits('kind:machine')).toEqual([]);
  });

  it('guestKind defaults to vm', () => {
    expect(guestKind({})).toBe('vm');
    expect(guestKind({ kind: 'container' })).toBe('container');
  });
});

describe('actions by kind', () => {
  it('containers have no save, restore or reset; everything else as for VMs', () => {
    for (const a of ['save', 'restore', 'reset'] as const) {
      expect(kindSupports('container', a)).toBe(false);
      expect(isActionEnabled(a, a === 'restore' ? 'shutoff' : 'running', false, 'container')).toBe(false);
      expect(isActionEnabled(a, a === 'restore' ? 'shutoff' : 'running', false, 'vm')).toBe(true);
    }
    for (const spec of TOOLBAR_ACTIONS.filter((s) => !['save', 'reset'].includes(s.action))) {
      for (const state of spec.enabledIn) expect([spec.action, isActionEnabled(spec.action, state, false, 'container')]).toEqual([spec.action, true]);
    }
    expect(isActionEnabled('pause', 'running', false, 'container')).toBe(true);
    expect(isActionEnabled('resume', 'paused', false, 'container')).toBe(true);
    expect(isActionEnabled('autostart-on', 'shutoff', false, 'container')).toBe(true);
  });
});
