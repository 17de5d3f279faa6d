/**
 * Result shape shared by every benchmark module, the machine description, and the writers of
 * docs/benchmarks.json and docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { round } from './stats';

export type Network = 'direct' | '+20 ms RTT';

export interface Target {
  /** The goal in words, e.g. "<= 1.3x the limit, 1 command per refresh". */
  goal: string;
  /** null when it could not be evaluated (missing data). */
  met: boolean | null;
  /** Where missed (or not evaluated): why. */
  why?: string;
}

export interface BenchResult {
  /** Module id: refresh, state-change, console-throughput, echo, many-hosts, ui-scale. */
  id: string;
  title: string;
  network: Network;
  /** What exactly was measured (one or two sentences for the table's notes). */
  measured: string;
  /** vmdeck's headline figure, formatted ("812 ms median"). */
  vmdeck: string;
  /** The baseline's headline figure, formatted, with what the baseline is. */
  baseline: string;
  /** vmdeck / baseline for the headline figure (or baseline / vmdeck for throughput; see ratioMeaning). */
  ratio: number | null;
  ratioMeaning: string;
  target?: Target;
  /** All the numbers, for the JSON. */
  metrics: Record<string, unknown>;
  notes: string[];
  /** Set when the benchmark could not run. */
  error?: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1-minute load average when the run started (other work on the machine shows here). */
  loadAverage: number;
  node: string;
  os: string;
  openssh: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  let os = `${process.platform} ${release()}`;
  try {
    const rel = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel);
    if (m) os = `${m[1]} (kernel ${release()})`;
  } catch {
    /* not Linux */
  }
  // `ssh -V` prints its version on stderr.
  const v = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  const openssh = `${v.stderr ?? ''}${v.stdout ?? ''}`.trim() || 'OpenSSH (version unknown)';
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    loadAverage: round(loadavg()[0] ?? 0, 2),
    node: process.version,
    os,
    openssh,
    date: new Date().toISOString(),
  };
}

export interface Report {
  mode: 'quick' | 'full';
  machine: MachineInfo;
  durationSec: number;
  results: BenchResult[];
}

function sanitize(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? round(v, 3) : null;
  if (Array.isArray(v)) return v.map(sanitize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sanitize(x)]));
  return v;
}

export function writeJson(path: string, report: Report): void {
  writeFileSync(path, JSON.stringify(sanitize(report), null, 2) + '\n');
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function metCell(t: Target | undefined): string {
  if (!t) return '—';
  if (t.met === true) return 'met';
  if (t.met === false) return 'missed';
  return 'n/a';
}

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 10_000) return `${round(v / 1000, 1)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 10) return `${round(v, 1)} ms`;
  return `${round(v, 2)} ms`;
}

export function fmtRatio(v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${round(v, 2)}x`;
}

export function renderMarkdown(report: Report, preamble: string, appendix: string): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(preamble.trim(), '');
  lines.push('## This run', '');
  lines.push(`- Mode: **${report.mode}** (\`npm run bench\`${report.mode === 'full' ? ' -- --full' : ''}), ${Math.round(report.durationSec)} s in total`);
  lines.push(`- Date: ${m.date}`);
  lines.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGiB} GiB (${m.freeMemoryGiB} GiB free at start); load average ${m.loadAverage} at start`);
  lines.push(`- Node ${m.node}; ${m.os}; ${m.openssh}`);
  lines.push('- Every host is in the local lab (`test/lab`): sshd, libvirt and the xl simulator run on the same machine as the benchmark, so client and server compete for the same cores.');
  lines.push('');
  lines.push('## Results', '');
  lines.push('Targets are goals, not assertions. Ratios compare vmdeck with a baseline measured in the same run.', '');
  lines.push('| Benchmark | Network | vmdeck | Baseline | Ratio | Target | Result | Why / notes |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of report.results) {
    const why = r.error ? `not run: ${r.error}` : [r.target?.why, ...r.notes].filter(Boolean).join(' ');
    lines.push(
      `| ${esc(r.title)} | ${r.network} | ${esc(r.vmdeck)} | ${esc(r.baseline)} | ${esc(fmtRatio(r.ratio))}${r.ratioMeaning ? ` (${esc(r.ratioMeaning)})` : ''} | ${esc(r.target?.goal ?? '—')} | ${r.error ? 'not run' : metCell(r.target)} | ${esc(why)} |`,
    );
  }
  lines.push('');
  lines.push('## What each benchmark measures', '');
  const seen = new Set<string>();
  for (const r of report.results) {
    if (!r.measured || seen.has(r.measured)) continue;
    seen.add(r.measured);
    lines.push(`- **${r.title}** — ${r.measured}`);
  }
  lines.push('');
  lines.push(appendix.trim(), '');
  return lines.join('\n');
}
