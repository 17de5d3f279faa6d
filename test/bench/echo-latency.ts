/**
 * 4. Keystroke echo latency. On kvm1, `sh -c 'stty raw -echo; exec cat'` runs in a PTY: each byte typed goes to
 * `cat` and comes back (a process echo, as a guest's shell would).
 *
 *  vmdeck:   ConsoleSession.input(byte) on the product's console path (PTY stream from the product's runner) until
 *            the session emits the batch that holds the echo (the point where it leaves the backend for the
 *            renderer; batching included: the first chunk after a quiet period waits up to batchMs).
 *  baseline: the same command in a raw ssh2 channel on the SAME connection (client.exec with a PTY):
 *            channel.write(byte) until its 'data' event.
 *  Samples alternate between the two channels; overhead = vmdeck p50 - raw p50.
 */
import { quoteCommand } from '../../main/transport/shell-quote';
import type { ClientChannel } from 'ssh2';
import { hostShellTarget, newSession, TERM_SIZE } from './console-harness';
import { failed, withRoute, type BenchContext } from './context';
import { VmdeckConnections, sleep, type Route } from './env';
import { fmtMs, type BenchResult, type Network } from './report';
import { ratio, summarize } from './stats';

const TITLE = '4. Keystroke echo (console path vs raw ssh2 channel)';
const MEASURED =
  "One byte written, until its echo comes back from `cat` in a raw-mode PTY on kvm1: through vmdeck's ConsoleSession (input -> PTY channel -> output batcher -> emitted batch) vs a raw ssh2 PTY channel on the same connection (write -> 'data'). Samples alternate between the two.";
const ECHO_COMMAND = ['sh', '-c', 'stty raw -echo; exec cat'];

export async function echoBench(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const network of ctx.networks) {
    try {
      out.push(await withRoute(ctx, 'kvm1', network, (route) => once(ctx, network, route)));
    } catch (e) {
      out.push(failed('echo', TITLE, network, MEASURED, e));
    }
  }
  return out;
}

async function once(ctx: BenchContext, network: Network, route: Route): Promise<BenchResult> {
  const samples = ctx.full ? 1000 : 200;
  const conns = new VmdeckConnections(ctx.lab);
  let raw: ClientChannel | undefined;
  let session: ReturnType<typeof newSession> | undefined;
  try {
    const host = conns.add('kvm1', route);
    await host.link.connect();

    // vmdeck's console path.
    session = newSession(hostShellTarget(host.runner, ECHO_COMMAND));
    let vmWaiter: { byte: number; resolve: (t: number) => void } | undefined;
    session.onData((batch) => {
      const t = performance.now();
      session!.ack(batch.byteLength);
      if (vmWaiter && batch.includes(vmWaiter.byte)) {
        const w = vmWaiter;
        vmWaiter = undefined;
        w.resolve(t);
      }
    });
    await session.start();

    // Raw ssh2 channel on the same connection.
    const client = await host.link.connection.whenReady();
    raw = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(quoteCommand(ECHO_COMMAND), { pty: { ...TERM_SIZE, term: 'xterm-256color' } }, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    let rawWaiter: { byte: number; resolve: (t: number) => void } | undefined;
    raw.on('data', (d: Buffer) => {
      const t = performance.now();
      if (rawWaiter && d.includes(rawWaiter.byte)) {
        const w = rawWaiter;
        rawWaiter = undefined;
        w.resolve(t);
      }
    });
    await sleep(500); // both `stty raw` have run

    const timeout = <T>(p: Promise<T>) => Promise.race([p, sleep(5000).then(() => Promise.reject(new Error('no echo within 5 s')))]);
    const vm: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < samples; i++) {
      if (i % 100 === 0) ctx.log(`echo ${network}: ${i}/${samples}`);
      const byte = 0x61 + (i % 26); // a..z
      {
        const p = new Promise<number>((resolve) => (vmWaiter = { byte, resolve }));
        const t0 = performance.now();
        session.input(Uint8Array.of(byte));
        vm.push((await timeout(p)) - t0);
      }
      await sleep(2 + Math.random() * 8);
      {
        const p = new Promise<number>((resolve) => (rawWaiter = { byte, resolve }));
        const t0 = performance.now();
        raw.write(Buffer.of(byte));
        base.push((await timeout(p)) - t0);
      }
      await sleep(2 + Math.random() * 8);
    }
    const s = summarize(vm);
    const b = summarize(base);
    const overhead50 = s.p50 - b.p50;
    const overhead99 = s.p99 - b.p99;
    const met = overhead50 < 3;
    return {
      id: 'echo',
      title: TITLE,
      network,
      measured: MEASURED,
      vmdeck: `p50 ${fmtMs(s.p50)}, p99 ${fmtMs(s.p99)} (n=${s.n})`,
      baseline: `raw ssh2 channel p50 ${fmtMs(b.p50)}, p99 ${fmtMs(b.p99)}`,
      ratio: ratio(s.p50, b.p50),
      ratioMeaning: `vmdeck p50 / raw p50; overhead p50 ${fmtMs(overhead50)}, p99 ${fmtMs(overhead99)}`,
      target: {
        goal: 'overhead < 3 ms p50',
        met,
        ...(met
          ? {}
          : {
              why: `overhead p50 ${fmtMs(overhead50)}: the console's output batcher holds the first chunk after a quiet period for batchMs (5 ms, console-limits.ts) before emitting it, so a lone echo always waits the full batch window. Emitting a chunk at once when no batch is pending (and batching only under load) would remove it.`,
            }),
      },
      metrics: { samples, vmdeckMs: s, rawMs: b, overheadP50Ms: overhead50, overheadP99Ms: overhead99 },
      notes: ['Measured to the batch leaving ConsoleSession (before IPC / WebSocket and the renderer, which both paths would share).'],
    };
  } finally {
    session?.close();
    raw?.close();
    conns.dispose();
  }
}
