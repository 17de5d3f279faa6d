/**
 * 3. Console throughput: a pre-generated base64 file (quick 16 MiB, full 64 MiB) in the kvm1 lab user's home is
 * `cat` in a PTY on the host (not in the TCG guest, which is far too slow to be the bottleneck we measure).
 *
 *  vmdeck:   the product's console path: ConsoleSession over the product's ssh2 PTY channel (5 ms / 64 KiB batches,
 *            pause at 1 MiB unacknowledged, resume at 256 KiB) into a headless xterm that acknowledges each batch
 *            once parsed (Terminal.write(data, cb) -> session.ack).
 *  baseline: `ssh -tt host cat FILE` (OpenSSH, PTY too, so the same bytes incl. CR/LF translation, over a warm
 *            ControlMaster) piped into the SAME headless xterm parser, with the same watermarks applied to the pipe
 *            (pause the ssh stdout at 1 MiB unparsed, resume at 256 KiB) so that neither side buffers without bound.
 *  also:     raw OpenSSH transfer to a null sink (no PTY, no parser): the transport ceiling, for context.
 *  Time = from asking for the channel to the last byte parsed. Memory = process rss + arrayBuffers sampled every
 *  50 ms, peak minus the value at the start of the transfer (the parser's own growth is in both figures).
 */
import { spawn } from 'node:child_process';
import type { CommandStream } from '../../main/core/runner';
import { hostShellTarget, newSession, newTerminal } from './console-harness';
import { failed, withRoute, type BenchContext } from './context';
import { MemorySampler, MiB, OpenSshMaster, Scratch, VmdeckConnections, settleGc, sleep, type Route } from './env';
import { type BenchResult, type Network } from './report';
import { median, ratio, round } from './stats';

const TITLE = '3. Console throughput (PTY, into xterm)';
const MEASURED =
  "MiB/s of a base64 file `cat` in a PTY on kvm1, from opening the channel to the last byte parsed by a headless xterm: vmdeck's ConsoleSession over its ssh2 PTY channel with batching and the ack loop, vs `ssh -tt kvm1 cat FILE` (OpenSSH over a warm ControlMaster) piped into the same parser with the same 1 MiB / 256 KiB watermarks on the pipe. Peak growth of rss + arrayBuffers (sampled every 50 ms) during vmdeck's transfer. The transport ceiling (OpenSSH to a null sink, no parser) is given for context.";
const HIGH = 1024 * 1024;
const LOW = 256 * 1024;

export async function consoleThroughputBench(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const network of ctx.networks) {
    try {
      out.push(await withRoute(ctx, 'kvm1', network, (route) => once(ctx, network, route)));
    } catch (e) {
      out.push(failed('console-throughput', TITLE, network, MEASURED, e));
    }
  }
  return out;
}

interface Run {
  ms: number;
  bytes: number;
  memGrowth?: number;
  peakRss?: number;
  /** Times flow control paused the channel (vmdeck) or the pipe (baseline). */
  pauses?: number;
}

async function vmdeckRun(runner: import('../../main/core/runner').CommandRunner, file: string): Promise<Run> {
  const term = newTerminal();
  let stream: CommandStream | undefined;
  let channelClosed = false;
  let pauses = 0;
  const session = newSession(
    hostShellTarget(runner, ['cat', file], (s) => {
      stream = s;
      s.onClose(() => (channelClosed = true));
      // Count how often flow control pauses the channel.
      const pause = s.pause.bind(s);
      s.pause = () => {
        pauses++;
        pause();
      };
    }),
  );
  let emitted = 0;
  let parsed = 0;
  const sampler = new MemorySampler();
  await settleGc();
  sampler.start(50);
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    const check = () => {
      if (channelClosed && session.status !== 'attached' && parsed === emitted && session.bufferedBytes === 0) resolve(performance.now());
    };
    session.onData((batch) => {
      emitted += batch.byteLength;
      term.write(batch, () => {
        parsed += batch.byteLength;
        session.ack(batch.byteLength);
        check();
      });
    });
    session.onDidChange(() => queueMicrotask(check));
  });
  await session.start();
  const t1 = await done;
  const mem = sampler.stop();
  void stream;
  session.close();
  term.dispose();
  return { ms: t1 - t0, bytes: parsed, memGrowth: mem.growthBytes, peakRss: mem.peakRss, pauses };
}

async function baselineRun(master: OpenSshMaster, file: string): Promise<Run> {
  const term = newTerminal();
  const sampler = new MemorySampler();
  await settleGc();
  sampler.start(50);
  const t0 = performance.now();
  const child = spawn('ssh', ['-tt', ...master.args(), `cat ${file}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let received = 0;
  let parsed = 0;
  let exited = false;
  let paused = false;
  let pauses = 0;
  const t1 = await new Promise<number>((resolve, reject) => {
    const check = () => {
      if (exited && parsed === received) resolve(performance.now());
    };
    child.stdout.on('data', (d: Buffer) => {
      received += d.byteLength;
      if (!paused && received - parsed >= HIGH) {
        paused = true;
        pauses++;
        child.stdout.pause();
      }
      term.write(d, () => {
        parsed += d.byteLength;
        if (paused && received - parsed <= LOW) {
          paused = false;
          child.stdout.resume();
        }
        check();
      });
    });
    child.on('error', reject);
    child.on('close', () => {
      exited = true;
      check();
    });
  });
  const mem = sampler.stop();
  term.dispose();
  return { ms: t1 - t0, bytes: parsed, memGrowth: mem.growthBytes, peakRss: mem.peakRss, pauses };
}

async function ceilingRun(master: OpenSshMaster, file: string): Promise<Run> {
  const t0 = performance.now();
  const child = spawn('ssh', [...master.args(), `cat ${file}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let bytes = 0;
  child.stdout.on('data', (d: Buffer) => (bytes += d.byteLength));
  await new Promise((r) => child.on('close', r));
  return { ms: performance.now() - t0, bytes };
}

async function once(ctx: BenchContext, network: Network, route: Route): Promise<BenchResult> {
  const lab = ctx.lab;
  const mib = ctx.full ? 64 : 16;
  const runs = ctx.full ? 3 : 2;
  const scratch = new Scratch();
  const conns = new VmdeckConnections(lab);
  const setup = new OpenSshMaster(lab, 'kvm1', undefined, scratch);
  const master = new OpenSshMaster(lab, 'kvm1', route, scratch);
  const file = `vmdeck-bench-flood-${mib}m.txt`;
  try {
    await setup.start();
    await master.start();
    // base64 of R raw bytes is 4R/3 plus a newline per 76 characters: aim at `mib` MiB of text.
    const raw = Math.floor((mib * MiB * 3) / 4 / (1 + 1 / 76));
    const size = Number((await setup.sh(`[ -s ${file} ] || head -c ${raw} /dev/urandom | base64 > ${file}; wc -c < ${file}`)).stdout.trim());
    const host = conns.add('kvm1', route);
    await host.link.connect();

    const vm: Run[] = [];
    const base: Run[] = [];
    const ceil: Run[] = [];
    // Warm-up on a small prefix is not needed for throughput of this size; interleave the runs instead.
    for (let i = 0; i < runs; i++) {
      ctx.log(`console-throughput ${network}: run ${i + 1}/${runs} (${mib} MiB)`);
      base.push(await baselineRun(master, file));
      await sleep(200);
      vm.push(await vmdeckRun(host.runner, file));
      await sleep(200);
      ceil.push(await ceilingRun(master, file));
      await sleep(200);
    }
    const rate = (r: Run) => r.bytes / MiB / (r.ms / 1000);
    const vmRate = median(vm.map(rate));
    const baseRate = median(base.map(rate));
    const ceilRate = median(ceil.map(rate));
    const vmMem = Math.max(...vm.map((r) => r.memGrowth ?? 0));
    const baseMem = Math.max(...base.map((r) => r.memGrowth ?? 0));
    const rt = ratio(vmRate, baseRate);
    const bytesMatch = vm.every((r) => r.bytes === base[0]!.bytes);
    const met = rt >= 0.7 && vmMem < 64 * MiB;
    const why: string[] = [];
    const vmPauses = median(vm.map((r) => r.pauses ?? 0));
    if (rt < 0.7)
      why.push(
        `${round(rt, 2)}x of OpenSSH into the same parser. The parser is slower than the link, so the ack loop pauses the channel (${vmPauses} times per run at 1 MiB unacknowledged); ssh2 sends the SSH WINDOW_ADJUST only when the paused channel is read again, so every resume waits a round trip for data (${route.rttMs} ms here) while OpenSSH keeps reading ahead into its own buffers. ssh2 also decrypts on the event loop that runs the parser here (OpenSSH decrypts in its own process).`,
      );
    if (vmMem >= 64 * MiB) why.push(`memory grew ${round(vmMem / MiB, 1)} MiB.`);
    return {
      id: 'console-throughput',
      title: TITLE,
      network,
      measured: MEASURED,
      vmdeck: `${round(vmRate, 1)} MiB/s; peak memory growth ${round(vmMem / MiB, 1)} MiB`,
      baseline: `OpenSSH -tt into the same parser ${round(baseRate, 1)} MiB/s (growth ${round(baseMem / MiB, 1)} MiB); raw OpenSSH ceiling ${round(ceilRate, 1)} MiB/s`,
      ratio: rt,
      ratioMeaning: 'vmdeck / OpenSSH, MiB/s',
      target: { goal: '>= 0.7x, memory growth < 64 MiB', met, ...(met ? {} : { why: why.join(' ') }) },
      metrics: {
        fileBytes: size,
        bytesThroughPty: vm[0]?.bytes,
        bytesMatchBaseline: bytesMatch,
        runs,
        vmdeck: vm.map((r) => ({ ...r, mibPerSec: rate(r) })),
        baseline: base.map((r) => ({ ...r, mibPerSec: rate(r) })),
        ceiling: ceil.map((r) => ({ ...r, mibPerSec: rate(r) })),
        vmdeckMiBps: vmRate,
        baselineMiBps: baseRate,
        ceilingMiBps: ceilRate,
        vmdeckPeakGrowthBytes: vmMem,
        baselinePeakGrowthBytes: baseMem,
      },
      notes: [`${mib} MiB file (${size} bytes; ${vm[0]?.bytes ?? '?'} bytes after the PTY's LF -> CRLF), median of ${runs} runs.`],
    };
  } finally {
    await setup.sh(`rm -f ${file}`).catch(() => undefined);
    await setup.stop();
    await master.stop();
    conns.dispose();
    scratch.cleanup();
  }
}
