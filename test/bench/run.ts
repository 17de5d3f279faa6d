/**
 * `npm run bench` — the product benchmarks against the local lab (test/lab). Quick mode by default (a few
 * minutes); `npm run bench -- --full` for more iterations and bigger transfers.
 *
 *   --full            full mode
 *   --only a,b        run only these modules (refresh, state-change, console-throughput, echo, many-hosts, ui-scale,
 *                     display-frames);
 *                     results then go to the output directory only if --out is given (default: a temp dir)
 *   --no-proxy        skip the "+20 ms RTT" runs (delay proxy)
 *   --out DIR         where benchmarks.json / benchmarks.md are written (default: docs/)
 *
 * Targets are goals and never fail the run; the exit code is non-zero only if the lab is missing.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consoleThroughputBench } from './console-throughput';
import { displayFramesBench } from './display-frames';
import type { BenchContext, BenchModule } from './context';
import { echoBench } from './echo-latency';
import { REPO_ROOT, requireLab } from './env';
import { refreshBench } from './inventory-refresh';
import { manyHostsBench } from './many-hosts';
import { APPENDIX, PREAMBLE } from './notes';
import { machineInfo, renderMarkdown, writeJson, type BenchResult, type Network, type Report } from './report';
import { stateChangeBench } from './state-change';
import { uiScaleBench } from './ui-scale';
import { writeFileSync } from 'node:fs';

const MODULES: [string, BenchModule][] = [
  ['refresh', refreshBench],
  ['state-change', stateChangeBench],
  ['console-throughput', consoleThroughputBench],
  ['echo', echoBench],
  ['many-hosts', manyHostsBench],
  ['ui-scale', uiScaleBench],
  ['display-frames', displayFramesBench],
];

function parseArgs(argv: string[]): { full: boolean; only: string[] | undefined; proxy: boolean; out: string | undefined } {
  let full = false;
  let only: string[] | undefined;
  let proxy = true;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--full') full = true;
    else if (a === '--quick') full = false;
    else if (a === '--no-proxy') proxy = false;
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--out') out = argv[++i];
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench [-- --full] [--only refresh,echo,...] [--no-proxy] [--out DIR]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (only) for (const o of only) if (!MODULES.some(([id]) => id === o)) throw new Error(`unknown module ${o}; known: ${MODULES.map(([id]) => id).join(', ')}`);
  return { full, only, proxy, out };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const lab = requireLab();
  const started = performance.now();
  const networks: Network[] = args.proxy ? ['direct', '+20 ms RTT'] : ['direct'];
  const ctx: BenchContext = {
    lab,
    full: args.full,
    networks,
    log: (m) => process.stderr.write(`  ${m}\n`),
  };
  const machine = machineInfo();
  process.stderr.write(`vmdeck benchmarks (${args.full ? 'full' : 'quick'}) on ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}\n`);
  const results: BenchResult[] = [];
  for (const [id, mod] of MODULES) {
    if (args.only && !args.only.includes(id)) continue;
    process.stderr.write(`- ${id}\n`);
    const t0 = performance.now();
    try {
      results.push(...(await mod(ctx)));
    } catch (e) {
      process.stderr.write(`  ${id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      results.push({
        id,
        title: id,
        network: 'direct',
        measured: '',
        vmdeck: 'n/a',
        baseline: 'n/a',
        ratio: null,
        ratioMeaning: '',
        metrics: {},
        notes: [],
        error: e instanceof Error ? e.message : String(e),
      });
    }
    process.stderr.write(`  ${id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    for (const r of results.filter((x) => x.id === id)) {
      process.stderr.write(`  [${r.network}] vmdeck: ${r.vmdeck} | baseline: ${r.baseline} | ratio ${r.ratio?.toFixed(2) ?? 'n/a'} | ${r.error ? `ERROR ${r.error}` : r.target ? (r.target.met ? 'met' : r.target.met === false ? 'missed' : 'n/a') : ''}\n`);
    }
  }
  const report: Report = { mode: args.full ? 'full' : 'quick', machine, durationSec: (performance.now() - started) / 1000, results };
  const outDir = args.out ? path.resolve(args.out) : args.only ? mkdtempSync(path.join(tmpdir(), 'vmdeck-bench-out-')) : path.join(REPO_ROOT, 'docs');
  mkdirSync(outDir, { recursive: true });
  writeJson(path.join(outDir, 'benchmarks.json'), report);
  writeFileSync(path.join(outDir, 'benchmarks.md'), renderMarkdown(report, PREAMBLE, APPENDIX));
  process.stderr.write(`wrote ${path.join(outDir, 'benchmarks.json')} and benchmarks.md (${Math.round(report.durationSec)} s)\n`);
  // Lingering handles (ssh2 keepalive timers, browser) must not keep the process alive.
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
