/**
 * Truncated or malformed output never crashes a parser: it either parses (a cut exactly at a line end of a
 * line-oriented format) or throws PARSE_ERROR with an excerpt. Specific truncations must be PARSE_ERROR.
 */
import { describe, expect, it } from 'vitest';
import { isVmdeckError } from '../../../main/core/errors';
import {
  parseDomstats,
  parseLibvirtDomainXml,
  parseVirshDomInfo,
  parseVirshIdUuidNameList,
  parseVirshListTable,
  parseVirshNodeInfo,
  parseVirshUuidNameList,
  parseXentop,
  parseXlInfo,
  parseXlList,
  parseXlListJson,
} from '../../../main/core/parsers';
import { splitSections } from '../../../main/hypervisors/libvirt/bulk-refresh';
import { fixture, framed, TEST_BOUNDARY } from './fixtures';

const CASES: [string, (text: string) => unknown, string][] = [
  ['domstats', parseDomstats, 'libvirt/captured/domstats-raw.txt'],
  ['list uuid name', parseVirshUuidNameList, 'libvirt/captured/list-uuid-name.txt'],
  ['list id uuid name', parseVirshIdUuidNameList, 'libvirt/captured/list-id-uuid-name.txt'],
  ['list table', parseVirshListTable, 'libvirt/captured/list-all.txt'],
  ['dominfo', parseVirshDomInfo, 'libvirt/captured/dominfo-web-one.txt'],
  ['nodeinfo', parseVirshNodeInfo, 'libvirt/captured/nodeinfo.txt'],
  ['domain XML', parseLibvirtDomainXml, 'libvirt/captured/dumpxml-kitchen-sink.xml'],
  ['refresh sections', (t) => splitSections(framed(t), TEST_BOUNDARY), 'libvirt/captured/refresh.stdout.txt'],
  ['xl list', parseXlList, 'xl/xl-list-v.txt'],
  ['xl list -l', parseXlListJson, 'xl/xl-list-l.json'],
  ['xl list -l json-c', parseXlListJson, 'xl/xl-list-l.json-c-xen4.21.json'],
  ['xentop', parseXentop, 'xl/xentop-b-d1-i2.txt'],
  ['xl info', parseXlInfo, 'xl/xl-info.txt'],
];

function outcome(parse: (t: string) => unknown, text: string): 'ok' | 'PARSE_ERROR' {
  try {
    parse(text);
    return 'ok';
  } catch (e) {
    if (isVmdeckError(e, 'PARSE_ERROR')) {
      expect(typeof e.details?.excerpt).toBe('string');
      return 'PARSE_ERROR';
    }
    throw e;
  }
}

describe('truncated output never crashes a parser', () => {
  it.each(CASES)('%s: every cut either parses or is PARSE_ERROR', (_name, parse, file) => {
    const text = fixture(file);
    expect(outcome(parse, text)).toBe('ok');
    const step = Math.max(1, Math.floor(text.length / 97));
    let errors = 0;
    for (let cut = 0; cut < text.length; cut += step) if (outcome(parse, text.slice(0, cut)) === 'PARSE_ERROR') errors++;
    expect(errors).toBeGreaterThan(0);
  });

  it.each([
    ['domstats: cut inside a field name', () => parseDomstats("Domain: 'a'\n  state.state=1\n  state.rea")],
    ['domstats: value cut to nothing', () => parseDomstats("Domain: 'a'\n  state.state=")],
    ['domstats: header without state', () => parseDomstats("Domain: 'a'\n")],
    ['xl list: row cut mid-way', () => parseXlList('Name                                        ID   Mem VCPUs\tState\tTime(s)\nweb01                                        3  2048     2     -b--')],
    ['xl list: no header', () => parseXlList('web01 3 2048 2 -b---- 1.0\n')],
    ['xl list -l: cut JSON', () => parseXlListJson(fixture('xl/xl-list-l.json').slice(0, 500))],
    ['xl list -l: SXP output', () => parseXlListJson('(domain\n    (domid 0)\n)\n')],
    ['xl info: cut before memory', () => parseXlInfo(fixture('xl/xl-info.txt').slice(0, 200))],
    ['xentop: row cut mid-way', () => parseXentop(fixture('xl/xentop-b-i1.txt').slice(0, 350))],
    ['refresh: no end marker', () => splitSections(framed(fixture('libvirt/captured/refresh.stdout.txt')).slice(0, -20), TEST_BOUNDARY)],
    ['refresh: markers of another run', () => splitSections(framed(fixture('libvirt/captured/refresh.stdout.txt'), 'ffffffffffffffffffffffffffffffff'), TEST_BOUNDARY)],
    ['virsh list: garbage', () => parseVirshUuidNameList('Id Name State\n')],
  ])('%s', (_name, run) => {
    expect(outcome(run as () => unknown, '')).toBe('PARSE_ERROR');
  });
});
