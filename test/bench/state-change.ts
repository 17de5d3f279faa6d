/**
 * 2. State-change latency: an out-of-band change, made over a separate OpenSSH connection, until vmdeck's
 * HostInventory fires the guests diff that shows it.
 *
 *  kvm1 (libvirt): `virsh suspend alpha` / `virsh resume alpha` through an OpenSSH ControlMaster (always direct).
 *    t0 = the host's clock right after the command returned (printed by `date +%s%N` in the same shell; the lab runs
 *    on this machine, so it is the same clock); t1 = HostInventory.onDidChangeGuests fires a diff in
 *    which alpha has the new state. vmdeck's inventory runs as in the app: `virsh event --all --loop` stream,
 *    50 ms debounce, one bulk refresh per burst of events, poll every 5 s as the fallback.
 *    Baseline: the minimal event-driven client: `virsh event --all --loop` through OpenSSH (same route as vmdeck)
 *    and, on the lifecycle event line, the same bulk refresh command through the OpenSSH master at once, without
 *    debounce or parsing; t1 = its output is in. The event line's own arrival is reported too.
 *  xen1 (xl simulator): `xl pause web01` / `xl unpause web01`. xenstore does not announce pause/unpause, so the
 *    Xen driver relies on polling: latency is bounded by the configured poll interval (the product default, 5 s)
 *    and reported at that interval. Baseline: a poller doing `xl list` over OpenSSH at the same interval, at a
 *    random phase (its next poll comes U(0, interval) after the change; then the real `xl list` must show it).
 */
import { spawn } from 'node:child_process';
import { refreshArgv } from '../../main/hypervisors/libvirt/bulk-refresh';
import { LibvirtDriver } from '../../main/hypervisors/libvirt/libvirt-driver';
import { XenDriver } from '../../main/hypervisors/xen/xen-driver';
import type { HypervisorDriver } from '../../main/hypervisors/driver';
import type { Guest } from '../../main/core/models';
import { HostInventory } from '../../main/services/host-inventory';
import { failed, withRoute, type BenchContext } from './context';
import { OpenSshMaster, Scratch, VmdeckConnections, sleep, type Route } from './env';
import { fmtMs, type BenchResult, type Network } from './report';
import { ratio, summarize } from './stats';

/** The product's default poll interval (HostInputSchema pollIntervalSec default 5). */
const POLL_INTERVAL_MS = 5000;

const TITLE_KVM = '2a. State change, libvirt (kvm1, alpha)';
const TITLE_XEN = '2b. State change, Xen (xen1, web01; polled)';
const MEASURED_KVM =
  "From an out-of-band `virsh suspend|resume alpha` on kvm1 returning (separate OpenSSH connection) to vmdeck's HostInventory firing the guests diff with alpha's new state (event stream + 50 ms debounce + one bulk refresh). Baseline: the minimal event-driven client over OpenSSH on the same route: `virsh event --all --loop`, and on the event line the same bulk refresh command at once (no debounce, no parsing).";
const MEASURED_XEN =
  'From an out-of-band `xl pause|unpause web01` on xen1 returning to the guests diff in vmdeck. Xen announces no pause/unpause event, so vmdeck polls; measured at the product default poll interval (5 s). Baseline: an OpenSSH poller running `xl list` at the same interval and a random phase, timed the same way.';

export async function stateChangeBench(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const network of ctx.networks) {
    try {
      out.push(await withRoute(ctx, 'kvm1', network, (route) => libvirtOnce(ctx, network, route)));
    } catch (e) {
      out.push(failed('state-change', TITLE_KVM, network, MEASURED_KVM, e));
    }
  }
  for (const network of ctx.networks) {
    try {
      out.push(await withRoute(ctx, 'xen1', network, (route) => xenOnce(ctx, network, route)));
    } catch (e) {
      out.push(failed('state-change', TITLE_XEN, network, MEASURED_XEN, e));
    }
  }
  return out;
}

interface Waiter {
  name: string;
  state: (s: Guest['state']) => boolean;
  resolve: (t: number) => void;
}

/** Resolves waiters when the inventory's diff shows the guest in the wanted state. */
function watchDiffs(inventory: HostInventory): { waitFor(name: string, state: (s: Guest['state']) => boolean, timeoutMs: number): Promise<number> } {
  const waiters = new Set<Waiter>();
  inventory.onDidChangeGuests((d) => {
    const t = performance.now();
    for (const g of [...d.changed, ...d.added]) {
      for (const w of [...waiters]) {
        if (w.name === g.name && w.state(g.state)) {
          waiters.delete(w);
          w.resolve(t);
        }
      }
    }
  });
  return {
    waitFor(name, state, timeoutMs) {
      return new Promise((resolve, reject) => {
        const w: Waiter = { name, state, resolve: (t) => (clearTimeout(timer), resolve(t)) };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no diff for ${name} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
  };
}

async function startInventory(driver: HypervisorDriver, hostId: string): Promise<HostInventory> {
  const inventory = new HostInventory(hostId, driver, { pollIntervalMs: POLL_INTERVAL_MS });
  await inventory.start();
  return inventory;
}

/**
 * Runs `command` on the host and returns when it returned, on this process's performance.now() timeline: the
 * host prints its clock right after the command, which is this machine's clock since the lab is local. This
 * excludes the OpenSSH client's own teardown after the command ended.
 */
async function returnedAt(trigger: OpenSshMaster, command: string): Promise<number> {
  const r = await trigger.sh(`${command} && date +%s%N`);
  const ns = BigInt(r.stdout.trim().split('\n').pop()!);
  const epochMs = Number(ns / 1000n) / 1000;
  return epochMs - performance.timeOrigin;
}

/** Lines from a long-running OpenSSH command, with the time each arrived. */
function lineStream(args: string[]): { onLine(fn: (line: string, t: number) => void): void; close(): void } {
  const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const listeners: ((line: string, t: number) => void)[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    const t = performance.now();
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      for (const l of listeners) l(line, t);
    }
  });
  return {
    onLine: (fn) => listeners.push(fn),
    close: () => child.kill('SIGTERM'),
  };
}

async function libvirtOnce(ctx: BenchContext, network: Network, route: Route): Promise<BenchResult> {
  const lab = ctx.lab;
  const iterations = ctx.full ? 30 : 10;
  const scratch = new Scratch();
  const conns = new VmdeckConnections(lab);
  const trigger = new OpenSshMaster(lab, 'kvm1', undefined, scratch); // out-of-band, always direct
  const watcherRoute = new OpenSshMaster(lab, 'kvm1', route, scratch); // baseline watcher, same route as vmdeck
  let inventory: HostInventory | undefined;
  let events: ReturnType<typeof lineStream> | undefined;
  try {
    await trigger.start();
    await watcherRoute.start();
    // Start from a running alpha.
    const st = await trigger.sh('virsh domstate alpha');
    if (/paused/.test(st.stdout)) await trigger.sh('virsh resume alpha');
    if (!/running|paused/.test(st.stdout)) throw new Error(`alpha is not running on kvm1 (${st.stdout.trim()}); run npm run lab:up`);

    const host = conns.add('kvm1', route);
    await host.link.connect();
    inventory = await startInventory(new LibvirtDriver(host.runner, { uri: lab.hosts.kvm1!.libvirtUri ?? 'qemu:///session' }), 'kvm1');
    if (!inventory.isWatching) throw new Error('the libvirt event stream did not start');
    const diffs = watchDiffs(inventory);

    // Baseline watcher: virsh event --loop through OpenSSH.
    events = lineStream([...watcherRoute.args(), 'virsh event --all --loop']);
    // The minimal event-driven client: on the event line, run the same bulk refresh through the OpenSSH master
    // at once (no debounce) and parse nothing; done when its output is in.
    const refreshCommand = refreshArgv(lab.hosts.kvm1!.libvirtUri ?? 'qemu:///session');
    let eventWaiter: { word: RegExp; resolve: (t: { line: number; refreshed: number }) => void } | undefined;
    events.onLine((line, t) => {
      if (eventWaiter && /alpha/.test(line) && eventWaiter.word.test(line)) {
        const w = eventWaiter;
        eventWaiter = undefined;
        void watcherRoute.exec(refreshCommand).then(() => w.resolve({ line: t, refreshed: performance.now() }));
      }
    });
    await sleep(1000); // let the baseline stream connect

    const vm: number[] = [];
    const base: number[] = [];
    const lineMs: number[] = [];
    for (let i = 0; i < iterations; i++) {
      for (const [cmd, want, word] of [
        ['suspend', (s: Guest['state']) => s === 'paused', /Suspended/i],
        ['resume', (s: Guest['state']) => s === 'running' || s === 'blocked', /Resumed/i],
      ] as const) {
        ctx.log(`state-change kvm1 ${network}: ${i + 1}/${iterations} ${cmd}`);
        const vmP = diffs.waitFor('alpha', want, 15_000);
        const baseP = new Promise<{ line: number; refreshed: number }>((resolve) => (eventWaiter = { word, resolve }));
        const t0 = await returnedAt(trigger, `virsh ${cmd} alpha >/dev/null`);
        const [t1, tb] = await Promise.all([vmP, Promise.race([baseP, sleep(15_000).then(() => undefined)])]);
        vm.push(t1 - t0);
        if (tb) {
          base.push(tb.refreshed - t0);
          lineMs.push(tb.line - t0);
        }
        await sleep(300 + Math.random() * 400);
      }
    }
    const s = summarize(vm);
    const b = summarize(base);
    const l = summarize(lineMs);
    const met = s.p95 < 250;
    return {
      id: 'state-change',
      title: TITLE_KVM,
      network,
      measured: MEASURED_KVM,
      vmdeck: `p50 ${fmtMs(s.p50)}, p95 ${fmtMs(s.p95)} (n=${s.n})`,
      baseline: `OpenSSH event line + same refresh: p50 ${fmtMs(b.p50)}, p95 ${fmtMs(b.p95)} (event line alone p50 ${fmtMs(l.p50)})`,
      ratio: ratio(s.p50, b.p50),
      ratioMeaning: 'vmdeck p50 / minimal event-driven client p50',
      target: {
        goal: 'p95 < 250 ms',
        met,
        ...(met
          ? {}
          : {
              why: `p95 ${fmtMs(s.p95)}: the event line, vmdeck's 50 ms debounce, then a full bulk refresh (several virsh round trips inside one command on kvm1's session libvirtd, which also serves the baseline's refresh at the same moment); at +20 ms RTT each of these pays the round trip.`,
            }),
      },
      metrics: { iterations, vmdeckMs: s, baselineEventPlusRefreshMs: b, baselineEventLineMs: l, samples: vm, pollIntervalMs: POLL_INTERVAL_MS, refreshes: inventory.refreshes },
      notes: [
        't0 = the host clock right after the trigger command returned (the lab shares this machine\'s clock); the event line can precede it by a few ms (libvirt emits it before virsh has exited).',
        `Most of the gap to the minimal client is vmdeck's deliberate 50 ms debounce (bursts of events cost one refresh), plus parsing the refresh.`,
      ],
    };
  } finally {
    events?.close();
    inventory?.dispose();
    // Leave alpha running.
    await trigger.sh('virsh domstate alpha | grep -q paused && virsh resume alpha || true').catch(() => undefined);
    await trigger.stop();
    await watcherRoute.stop();
    conns.dispose();
    scratch.cleanup();
  }
}

async function xenOnce(ctx: BenchContext, network: Network, route: Route): Promise<BenchResult> {
  const lab = ctx.lab;
  const iterations = ctx.full ? 10 : 5;
  const guest = 'web01';
  const scratch = new Scratch();
  const conns = new VmdeckConnections(lab);
  const trigger = new OpenSshMaster(lab, 'xen1', undefined, scratch);
  const pollerMaster = new OpenSshMaster(lab, 'xen1', route, scratch);
  let inventory: HostInventory | undefined;
  try {
    await trigger.start();
    await pollerMaster.start();
    await trigger.sh(`xl list ${guest} | grep -q -- '--p---' && xl unpause ${guest} || true`);
    const host = conns.add('xen1', route);
    await host.link.connect();
    inventory = await startInventory(new XenDriver(host.runner), 'xen1');
    const diffs = watchDiffs(inventory);

    // Baseline: a poller doing `xl list <guest>` over OpenSSH every POLL_INTERVAL_MS, at a random phase: after
    // the change, its next poll comes U(0, interval) later; then the real `xl list` runs and must show the change.
    const pollOnce = async (t0: number, paused: boolean): Promise<number> => {
      await sleep(Math.max(0, t0 + Math.random() * POLL_INTERVAL_MS - performance.now()));
      const r = await pollerMaster.sh(`xl list ${guest}`);
      const isPaused = /\s[-r][-b]p[-s][-c][-d]\s/.test(r.stdout);
      return isPaused === paused ? performance.now() - t0 : Number.NaN;
    };

    const vm: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < iterations; i++) {
      for (const [cmd, want, paused] of [
        ['pause', (s: Guest['state']) => s === 'paused', true],
        ['unpause', (s: Guest['state']) => s !== 'paused', false],
      ] as const) {
        ctx.log(`state-change xen1 ${network}: ${i + 1}/${iterations} ${cmd}`);
        const vmP = diffs.waitFor(guest, want, POLL_INTERVAL_MS * 3 + 5000);
        const t0 = await returnedAt(trigger, `xl ${cmd} ${guest} >/dev/null`);
        const [t1, tb] = await Promise.all([vmP, pollOnce(t0, paused)]);
        vm.push(t1 - t0);
        if (Number.isFinite(tb)) base.push(tb);
        // A random phase against vmdeck's poll timer: waiting only a little after the detection would always
        // land the next change early in vmdeck's cycle and bias its latency upwards.
        await sleep(200 + Math.random() * POLL_INTERVAL_MS);
      }
    }
    const s = summarize(vm);
    const b = summarize(base);
    const met = s.p95 < 250;
    return {
      id: 'state-change',
      title: TITLE_XEN,
      network,
      measured: MEASURED_XEN,
      vmdeck: `p50 ${fmtMs(s.p50)}, p95 ${fmtMs(s.p95)} (n=${s.n}, poll ${POLL_INTERVAL_MS / 1000} s)`,
      baseline: `OpenSSH \`xl list\` poller at ${POLL_INTERVAL_MS / 1000} s, random phase: p50 ${fmtMs(b.p50)}, p95 ${fmtMs(b.p95)}`,
      ratio: ratio(s.p50, b.p50),
      ratioMeaning: 'vmdeck p50 / poller p50',
      target: {
        goal: 'p95 < 250 ms',
        met,
        ...(met
          ? {}
          : {
              why: `Xen has no event for pause/unpause (xenstore-watch only sees domains appear and go), so the change is seen at the next poll: latency is uniform over the ${POLL_INTERVAL_MS / 1000} s interval plus one refresh. Meeting 250 ms would need a poll interval under about 0.2 s.`,
            }),
      },
      metrics: { iterations, pollIntervalMs: POLL_INTERVAL_MS, vmdeckMs: s, baselinePollerMs: b, samples: vm },
      notes: [],
    };
  } finally {
    inventory?.dispose();
    await trigger.sh(`xl list ${guest} | grep -q -- '--p---' && xl unpause ${guest} || true`).catch(() => undefined);
    await trigger.stop();
    await pollerMaster.stop();
    conns.dispose();
    scratch.cleanup();
  }
}
