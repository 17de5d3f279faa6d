/**
 * Property-based fuzzing (fast-check, fixed seed, bounded runs) of every parser of host output: arbitrary text,
 * captured outputs mutated (cuts, insertions, duplicated and swapped lines, hostile names), JSON documents and
 * prototype keys. Properties:
 *  - nothing is thrown but PARSE_ERROR (parsers that answer "not mine" return null instead);
 *  - no prototype pollution: Object.prototype is unchanged after every input, `__proto__` keys stay data;
 *  - bounded work: pathological inputs of 256 KiB (long runs of separators, quotes, brackets) finish within a
 *    generous hang bound; a quadratic or backtracking parser would not.
 * Reproduce a failure with the seed and path fast-check prints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVmdeckError, type ErrorCode } from '../../../main/core/errors';
import {
  classifyFailure,
  LineSplitter,
  parseDomstats,
  parseLibvirtDomainXml,
  parseVirshDomInfo,
  parseVirshEventLine,
  parseVirshIdUuidNameList,
  parseVirshKeyValues,
  parseVirshListTable,
  parseVirshNodeCpuStats,
  parseVirshNodeInfo,
  parseVirshNodeMemStats,
  parseVirshUuidList,
  parseVirshUuidNameList,
  parseVirshVersion,
  parseXenstoreWatchLine,
  parseXentop,
  parseXlInfo,
  parseXlList,
  parseXlListJson,
  xlConfigToDetails,
} from '../../../main/core/parsers';
import { parseProbe } from '../../../main/hypervisors/probe-script';
import { parseRefresh, refreshArgv, scriptFraming, splitSections } from '../../../main/hypervisors/libvirt/bulk-refresh';
import { fixture, framed } from './fixtures';

const SEED = 0x5eed14;
const RUNS = 150;

type Parser = (text: string) => unknown;

const REFRESH_ARGV = refreshArgv('test:///default');
const REFRESH_BOUNDARY = scriptFraming(REFRESH_ARGV[3]!)!.boundary;

/** Each parser of host output with a captured sample to mutate. */
const PARSERS: [string, Parser, string, ErrorCode[]?][] = [
  ['domstats', parseDomstats, fixture('libvirt/captured/domstats-raw.txt')],
  ['list uuid name', parseVirshUuidNameList, fixture('libvirt/captured/list-uuid-name.txt')],
  ['list id uuid name', parseVirshIdUuidNameList, fixture('libvirt/captured/list-id-uuid-name.txt')],
  ['list uuid', parseVirshUuidList, fixture('libvirt/captured/list-persistent-uuid.txt')],
  ['list table', parseVirshListTable, fixture('libvirt/captured/list-all.txt')],
  ['dominfo', parseVirshDomInfo, fixture('libvirt/captured/dominfo-web-one.txt')],
  ['nodeinfo', parseVirshNodeInfo, fixture('libvirt/captured/nodeinfo.txt')],
  ['nodememstats', parseVirshNodeMemStats, 'total  :             24684092 KiB\nfree   :              1034096 KiB\n'],
  ['nodecpustats', parseVirshNodeCpuStats, fixture('libvirt/captured/nodecpustats.txt')],
  ['version', parseVirshVersion, fixture('libvirt/captured/version.txt')],
  ['key values', (t) => parseVirshKeyValues(t, 'fuzz'), fixture('libvirt/captured/dominfo-web-one.txt')],
  ['domain XML', parseLibvirtDomainXml, fixture('libvirt/captured/dumpxml-kitchen-sink.xml')],
  ['event line', parseVirshEventLine, "event 'lifecycle' for domain 'web one': Stopped Destroyed"],
  ['refresh sections', (t) => splitSections(t, REFRESH_BOUNDARY), framed(fixture('libvirt/captured/refresh.stdout.txt'), REFRESH_BOUNDARY)],
  // UNSUPPORTED: "this virsh cannot list --uuid --name" (the driver then switches to the compat script).
  ['refresh', (t) => parseRefresh(t, '', REFRESH_ARGV, 'test:///default', undefined), framed(fixture('libvirt/captured/refresh.stdout.txt'), REFRESH_BOUNDARY), ['PARSE_ERROR', 'UNSUPPORTED']],
  ['xl list', parseXlList, fixture('xl/xl-list-v.txt')],
  ['xl list -l', parseXlListJson, fixture('xl/xl-list-l.json')],
  ['xl list -l details', (t) => parseXlListJson(t).map(xlConfigToDetails), fixture('xl/xl-list-l.json')],
  ['xl info', parseXlInfo, fixture('xl/xl-info.txt')],
  ['xentop', parseXentop, fixture('xl/xentop-b-d1-i2.txt')],
  ['xenstore-watch', parseXenstoreWatchLine, '/local/domain/3/control/shutdown'],
  ['probe', parseProbe, 'xl=\nvirsh=/usr/bin/virsh\nuid=0\nenv_uri=\nuri_default=\nsystem=no\n'],
  ['classify virsh failure', (t) => classifyFailure('virsh', { argv: ['virsh', 'start'], stderr: t, exitCode: 1 }), fixture('libvirt/captured/err-no-such-domain.stderr.txt')],
  ['classify xl failure', (t) => classifyFailure('xl', { argv: ['xl', 'pause'], stderr: t, exitCode: 1 }), fixture('xl/err-domid-unknown.stderr.txt')],
  [
    'line splitter',
    (t) => {
      const s = new LineSplitter({ maxLineLength: 4096 });
      try {
        for (let i = 0; i < t.length; i += 7) s.push(t.slice(i, i + 7));
      } catch (e) {
        if (!isVmdeckError(e, 'OUTPUT_TOO_LARGE')) throw e;
      }
      return s.flush();
    },
    'a\r\nb\nc',
  ],
];

/** Names and values a hostile host (or guest owner) may put anywhere. */
const HOSTILE = ['__proto__', 'constructor', 'prototype', "it's", '"', "'", '\\', '\x1b[2J', '\u009b', '\0', '<', '>', '&amp;', ']]>', '{', '}', '[', '=', ':', '\t', '\r', '\n', '日本', '@@vmdeck:end@@', '-1', '1e309', 'NaN'];

const hostileText = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

/** A captured sample, edited the ways a broken or hostile host would. */
function mutated(sample: string): fc.Arbitrary<string> {
  const lines = sample.split('\n');
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(sample.length) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(sample.length), text: hostileText }),
    fc.record({ kind: fc.constant('replace-line' as const), line: fc.nat(Math.max(0, lines.length - 1)), text: hostileText }),
    fc.record({ kind: fc.constant('duplicate-line' as const), line: fc.nat(Math.max(0, lines.length - 1)), times: fc.integer({ min: 1, max: 50 }) }),
    fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(Math.max(0, lines.length - 1)), b: fc.nat(Math.max(0, lines.length - 1)) }),
    fc.record({ kind: fc.constant('name' as const), text: hostileText }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = sample;
    for (const e of edits) {
      const ls = text.split('\n');
      switch (e.kind) {
        case 'cut':
          text = text.slice(0, e.at);
          break;
        case 'insert':
          text = text.slice(0, e.at) + e.text + text.slice(e.at);
          break;
        case 'replace-line':
          ls[e.line % ls.length] = e.text;
          text = ls.join('\n');
          break;
        case 'duplicate-line':
          ls.splice(e.line % ls.length, 0, ...Array<string>(e.times).fill(ls[e.line % ls.length] ?? ''));
          text = ls.join('\n');
          break;
        case 'swap-lines': {
          const [x, y] = [ls[e.a % ls.length]!, ls[e.b % ls.length]!];
          ls[e.a % ls.length] = y;
          ls[e.b % ls.length] = x;
          text = ls.join('\n');
          break;
        }
        case 'name':
          // Every quoted name or XML/JSON string value becomes the hostile text.
          text = text.replace(/'[^'\n]{1,40}'|"name": "[^"]*"|<name>[^<]*<\/name>/, (m) =>
            m.startsWith("'") ? `'${e.text}'` : m.startsWith('"') ? `"name": ${JSON.stringify(e.text)}` : `<name>${e.text}</name>`,
          );
          break;
      }
    }
    return text;
  });
}

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** Runs the parser; returns nothing, throws the property violation. */
function check(name: string, parse: Parser, text: string, allowed: readonly ErrorCode[] = ['PARSE_ERROR']): void {
  try {
    parse(text);
  } catch (e) {
    if (!isVmdeckError(e) || !allowed.includes(e.code)) throw new Error(`${name} threw ${isVmdeckError(e) ? e.code : String(e)} for ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (Object.getOwnPropertyNames(Object.prototype).sort().join(',') !== PROTO_KEYS || ({} as Record<string, unknown>).polluted !== undefined) {
    throw new Error(`${name} polluted Object.prototype with ${JSON.stringify(text.slice(0, 200))}`);
  }
}

describe('fuzz: every parser of host output', () => {
  it.each(PARSERS)('%s: mutated captures throw nothing but PARSE_ERROR and pollute nothing', (name, parse, sample, allowed) => {
    check(name, parse, sample, allowed);
    fc.assert(
      fc.property(mutated(sample), (text) => check(name, parse, text, allowed)),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it.each(PARSERS)('%s: arbitrary text throws nothing but PARSE_ERROR', (name, parse, _sample, allowed) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.array(hostileText, { maxLength: 60 }).map((a) => a.join(''))), (text) =>
        check(name, parse, text, allowed),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('xl list -l: any JSON document, prototype keys included, is data or PARSE_ERROR', () => {
    const protoJson = fc.constantFrom(
      '[{"domid": 1, "__proto__": {"polluted": 1}, "config": {"c_info": {"name": "x", "uuid": "u", "__proto__": {"polluted": 2}}}}]',
      '[{"domid": 1, "config": {"constructor": {"prototype": {"polluted": 3}}, "b_info": {"__proto__": {"polluted": 4}}}}]',
      '{"__proto__": []}',
    );
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 4 }), protoJson), (text) => {
        check('xl list -l', parseXlListJson, text);
        check('xl list -l details', (t) => parseXlListJson(t).map(xlConfigToDetails), text);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('domstats and key-value parsers keep __proto__ keys as data', () => {
    const out = parseDomstats("Domain: '__proto__'\n  state.state=1\n  state.reason=1\n  __proto__.polluted=1\n  constructor.prototype.polluted=1\n");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(out)).toContain('__proto__');
  });

  // A generous hang bound, not a speed target: linear parsers take milliseconds here; a quadratic or
  // catastrophically backtracking one takes minutes.
  const PATHOLOGICAL = ['\n', ' ', '\t', "'", '"', "Domain: '", '=', 'a=', '<a>', '<', '{"a":', '[', ':', '\r\n', 'x', '@@vmdeck:', '- -'];
  it.each(PARSERS)('%s: 256 KiB pathological inputs finish within the hang bound', (name, parse, _sample, allowed) => {
    for (const unit of PATHOLOGICAL) {
      const text = unit.repeat(Math.ceil((256 * 1024) / unit.length));
      const started = performance.now();
      check(name, parse, text, allowed);
      expect(performance.now() - started, `${name} on ${JSON.stringify(unit)} x ${text.length}`).toBeLessThan(5_000);
    }
  });
});
