import { describe, expect, it } from 'vitest';
import { matchesFilter, parseFilter, GUEST_STATE_LABEL, countsAsRunning } from '../../../renderer/src/lib/logic/filter';

const g = (name: string, hostName: string, state: string, uuid = '00000000-0000-0000-0000-000000000001') => ({ name, hostName, state, uuid });

describe('parseFilter', () => {
  it('splits free words and field terms', () => {
    const f = parseFilter('state:paused web');
    expect(f.terms).toEqual([
      { field: 'state', values: ['paused'], negate: false },
      { field: 'any', values: ['web'], negate: false },
    ]);
    expect(f.unknownFields).toEqual([]);
  });

  it('supports alternatives, negation and quotes', () => {
    const f = parseFilter('state:running,Paused -host:kvm2 name:"web 01"');
    expect(f.terms).toEqual([
      { field: 'state', values: ['running', 'paused'], negate: false },
      { field: 'host', values: ['kvm2'], negate: true },
      { field: 'name', values: ['web 01'], negate: false },
    ]);
  });

  it('reports unknown fields and keeps them as free text', () => {
    const f = parseFilter('colour:red');
    expect(f.unknownFields).toEqual(['colour']);
    expect(f.terms).toEqual([{ field: 'any', values: ['colour:red'], negate: false }]);
  });

  it('empty input matches everything', () => {
    expect(parseFilter('   ').terms).toEqual([]);
    expect(matchesFilter(parseFilter(''), g('a', 'h', 'running'))).toBe(true);
  });
});

describe('matchesFilter', () => {
  const guests = [g('web-01', 'kvm1', 'running'), g('web-02', 'kvm1', 'paused'), g('db-01', 'xen1', 'paused'), g('fleet-0042', 'fleet', 'shutoff')];
  const run = (q: string) => guests.filter((x) => matchesFilter(parseFilter(q), x)).map((x) => x.name);

  it('state:paused web finds the paused web guest only', () => {
    expect(run('state:paused web')).toEqual(['web-02']);
  });
  it('free words match host and state too', () => {
    expect(run('xen1')).toEqual(['db-01']);
    expect(run('paused')).toEqual(['web-02', 'db-01']);
  });
  it('state matches by prefix, not substring', () => {
    expect(run('state:run')).toEqual(['web-01']);
    expect(run('state:used')).toEqual([]);
  });
  it('negation excludes', () => {
    expect(run('-state:paused')).toEqual(['web-01', 'fleet-0042']);
  });
  it('all terms must match (AND), values within a term are alternatives (OR)', () => {
    expect(run('host:kvm1 state:running,paused')).toEqual(['web-01', 'web-02']);
    expect(run('web db')).toEqual([]);
  });
  it('is case-insensitive', () => {
    expect(run('NAME:WEB-0')).toEqual(['web-01', 'web-02']);
  });
});

describe('one vocabulary: the words on the screen are the words of the filter', () => {
  const all = [
    g('a-run', 'h', 'running'),
    g('b-idle', 'h', 'blocked'),
    g('c-off', 'h', 'shutoff'),
    g('d-susp', 'h', 'pmsuspended'),
    g('e-down', 'h', 'shutdown'),
    g('f-paused', 'h', 'paused'),
  ];
  const run = (q: string) => all.filter((x) => matchesFilter(parseFilter(q), x)).map((x) => x.name);

  it('display words find their state: state:"shut off", state:suspended, idle, "shutting down"', () => {
    expect(run('state:"shut off"')).toEqual(['c-off']);
    expect(run('state:suspended')).toEqual(['d-susp']);
    expect(run('idle')).toEqual(['b-idle']);
    expect(run('state:idle')).toEqual(['b-idle']);
    expect(run('state:"shutting down"')).toEqual(['e-down']);
    expect(run('"shutting down"')).toEqual(['e-down']);
  });
  it('the toolstack names still work', () => {
    expect(run('state:shutoff')).toEqual(['c-off']);
    expect(run('state:pmsuspended')).toEqual(['d-susp']);
    expect(run('state:blocked')).toEqual(['b-idle']);
    expect(run('state:shutdown')).toEqual(['e-down']);
  });
  it('every label the screen shows, typed back as state:"<label>", finds exactly that state ("Running" also the idle ones)', () => {
    for (const [state, label] of Object.entries(GUEST_STATE_LABEL)) {
      const hits = Object.keys(GUEST_STATE_LABEL).filter((s) => matchesFilter(parseFilter(`state:"${label}"`), g('x', 'h', s)));
      expect(hits, label).toEqual(state === 'running' ? ['running', 'blocked'] : [state]);
    }
  });
  it('idle counts as running: state:running finds what countsAsRunning counts', () => {
    expect(run('state:running')).toEqual(['a-run', 'b-idle']);
    expect(all.filter((x) => countsAsRunning(x.state)).map((x) => x.name)).toEqual(run('state:running'));
    expect(run('-state:running')).toEqual(['c-off', 'd-susp', 'e-down', 'f-paused']);
  });
});
