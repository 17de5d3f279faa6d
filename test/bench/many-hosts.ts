/**
 * 5. Many hosts: connect and take the first inventory of every lab host with a hypervisor (kvm1, kvm2, fleet,
 * xen1, and inner through the jump host), all in parallel, as the app does at start.
 *
 *  vmdeck:   one HostSession per host (the product's session: ssh2 connect, toolstack detection, driver, first
 *            bulk refresh, event stream opened) built from the product's ConnectionManager; fresh connections each
 *            run; time until every session's connect() resolved.
 *  baseline: `ssh host true` with OpenSSH (fresh connection each, no ControlMaster) for the same hosts in
 *            parallel; the slowest one: the time any tool needs before it could even ask the last host anything.
 *  One warm-up round (starts idle session libvirtds) is discarded; headline = median over the runs.
 */
import type { HostConfig } from '../../main/core/contract';
import { createSessionDeps } from '../../main/app/session-deps';
import { HostSession } from '../../main/services/host-session';
import { SettingsStore } from '../../main/services/settings-store';
import type { BenchContext } from './context';
import { failed } from './context';
import { Scratch, VmdeckConnections, run } from './env';
import { fmtMs, type BenchResult } from './report';
import { median, ratio } from './stats';

const TITLE = '5. Many hosts: connect + first inventory';
const MEASURED =
  'All lab hosts with a hypervisor (kvm1, kvm2, fleet with 1200 guests, xen1, inner via ProxyJump jump) in parallel: vmdeck HostSession.connect() for each (ssh2 connect, toolstack probe, driver, first refresh, event stream) until all are done, vs the slowest of the same hosts\' `ssh host true` with OpenSSH (fresh connections, in parallel).';
const HOSTS = ['kvm1', 'kvm2', 'fleet', 'xen1', 'inner'];

export async function manyHostsBench(ctx: BenchContext): Promise<BenchResult[]> {
  try {
    return [await once(ctx)];
  } catch (e) {
    return [failed('many-hosts', TITLE, 'direct', MEASURED, e)];
  }
}

async function vmdeckRound(ctx: BenchContext, scratch: Scratch): Promise<{ total: number; perHost: Record<string, number>; guests: number }> {
  const conns = new VmdeckConnections(ctx.lab);
  const deps = createSessionDeps(new SettingsStore(scratch.dir));
  const sessions: HostSession[] = [];
  try {
    const perHost: Record<string, number> = {};
    const t0 = performance.now();
    await Promise.all(
      HOSTS.map(async (name) => {
        const h = conns.add(name);
        const config: HostConfig = { id: name, name, transport: 'ssh', address: name, sshConfigFile: ctx.lab.sshConfig, toolstack: 'auto', pollIntervalSec: 5, autoConnect: false };
        const session = new HostSession(config, h.link, deps);
        sessions.push(session);
        await session.connect();
        perHost[name] = performance.now() - t0;
      }),
    );
    const total = performance.now() - t0;
    const guests = sessions.reduce((s, x) => s + x.guests().length, 0);
    return { total, perHost, guests };
  } finally {
    for (const s of sessions) s.dispose();
    conns.dispose();
  }
}

async function baselineRound(ctx: BenchContext): Promise<{ slowest: number; perHost: Record<string, number> }> {
  const perHost: Record<string, number> = {};
  await Promise.all(
    HOSTS.map(async (name) => {
      const r = await run('ssh', ['-F', ctx.lab.sshConfig, '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', name, 'true']);
      perHost[name] = r.ms;
    }),
  );
  return { slowest: Math.max(...Object.values(perHost)), perHost };
}

async function once(ctx: BenchContext): Promise<BenchResult> {
  const runs = ctx.full ? 7 : 3;
  const scratch = new Scratch();
  try {
    ctx.log('many-hosts: warm-up');
    await baselineRound(ctx);
    await vmdeckRound(ctx, scratch);
    const vm: Awaited<ReturnType<typeof vmdeckRound>>[] = [];
    const base: Awaited<ReturnType<typeof baselineRound>>[] = [];
    for (let i = 0; i < runs; i++) {
      ctx.log(`many-hosts: run ${i + 1}/${runs}`);
      base.push(await baselineRound(ctx));
      vm.push(await vmdeckRound(ctx, scratch));
    }
    const vmMed = median(vm.map((r) => r.total));
    const baseMed = median(base.map((r) => r.slowest));
    const perHost = Object.fromEntries(HOSTS.map((h) => [h, median(vm.map((r) => r.perHost[h] ?? Number.NaN))]));
    const slowestHost = Object.entries(perHost).sort((a, b) => b[1] - a[1])[0]!;
    return {
      id: 'many-hosts',
      title: TITLE,
      network: 'direct',
      measured: MEASURED,
      vmdeck: `${fmtMs(vmMed)} median for ${HOSTS.length} hosts, ${vm[0]?.guests ?? '?'} guests (slowest: ${slowestHost[0]} ${fmtMs(slowestHost[1])})`,
      baseline: `slowest \`ssh host true\` ${fmtMs(baseMed)}`,
      ratio: ratio(vmMed, baseMed),
      ratioMeaning: 'vmdeck / slowest ssh true',
      metrics: {
        runs,
        hosts: HOSTS,
        vmdeckTotalMs: vm.map((r) => r.total),
        vmdeckPerHostMedianMs: perHost,
        baselineSlowestMs: base.map((r) => r.slowest),
        baselinePerHostMs: base.map((r) => r.perHost),
      },
      notes: [
        'No target set for this one. vmdeck does more than the baseline (probe, first refresh of 1200 guests on fleet, event streams); jump is the bastion for inner and has no inventory of its own.',
      ],
    };
  } finally {
    scratch.cleanup();
  }
}
