/**
 * 7. Guest screen frame rate and idle cost. alpha's VGA screen (QEMU VNC on kvm1) changes on every key typed
 * on its tty1: a frame = key press, incremental FramebufferUpdateRequest, the update that shows it (Raw
 * encoding, a plain RFB client: the same test client for both paths, noVNC itself is not in the loop).
 *
 *  vmdeck:   DisplaySession on the product's connection (ssh2 forwardOut, output batcher, flow control,
 *            acks) - the bytes the renderer would get;
 *  baseline: the same RFB client over a plain OpenSSH `ssh -L 127.0.0.1:P:127.0.0.1:<vnc port>` tunnel.
 *  Idle: the vmdeck display stays open with an incremental request outstanding (as noVNC keeps one) for a
 *  few seconds; the backend's CPU time over that window is reported.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Guest } from '../../main/core/models';
import { LibvirtDriver } from '../../main/hypervisors/libvirt/libvirt-driver';
import { DisplaySession } from '../../main/services/displays/display-session';
import { systemClock } from '../../main/core/clock';
import { RfbClient } from '../support/rfb-client';
import { failed, withRoute, type BenchContext } from './context';
import { OpenSshMaster, Scratch, VmdeckConnections, sleep, type Route } from './env';
import type { BenchResult, Network } from './report';

const TITLE = '7. Guest screen frames (key -> screen update), vmdeck vs ssh -L';
const MEASURED =
  "Frames per second on alpha's VGA screen over VNC: each frame is a key typed on tty1 and the framebuffer update showing it, read by a plain RFB client (Raw encoding) through vmdeck's display session (ssh2 forward on the host's connection) vs through an OpenSSH `ssh -L` tunnel.";

export async function displayFramesBench(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const network of ctx.networks) {
    try {
      out.push(await withRoute(ctx, 'kvm1', network, (route) => once(ctx, network, route)));
    } catch (e) {
      out.push(failed('display-frames', TITLE, network, MEASURED, e));
    }
  }
  return out;
}

/** Types x / BackSpace alternately; each keystroke must show as an update. Returns frames per second. */
async function frames(rfb: RfbClient, n: number): Promise<number> {
  await rfb.update(false);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const sym = i % 2 === 0 ? 0x78 : 0xff08;
    rfb.key(sym, true);
    rfb.key(sym, false);
    let rects = 0;
    while (rects === 0) rects = await rfb.update(true);
  }
  return (n * 1000) / (performance.now() - t0);
}

async function once(ctx: BenchContext, network: Network, route: Route): Promise<BenchResult> {
  const n = ctx.full ? 400 : 100;
  const conns = new VmdeckConnections(ctx.lab);
  const scratch = new Scratch();
  let session: DisplaySession | undefined;
  let tunnelProc: ReturnType<typeof spawn> | undefined;
  try {
    const host = conns.add('kvm1', route);
    await host.link.connect();
    const driver = new LibvirtDriver(host.link.runner, { uri: 'qemu:///session' });
    const alpha: Guest | undefined = (await driver.refresh()).guests.find((g) => g.name === 'alpha');
    if (!alpha || alpha.state !== 'running') throw new Error('alpha is not running');
    session = new DisplaySession({ label: 'kvm1/alpha', guest: () => alpha, driver: () => driver, tunnels: () => host.link.tunnels }, systemClock);
    const s = session;
    const listeners: ((c: Uint8Array) => void)[] = [];
    let bytes = 0;
    s.onData(({ data }) => {
      bytes += data.byteLength;
      for (const l of listeners) l(data);
      s.ack(data.byteLength);
    });
    await s.start();
    const vm = new RfbClient({ write: (b) => s.input(s.generation, b), onData: (l) => listeners.push(l) });
    await vm.handshake();
    const port = (s.device!.endpoint as { port: number }).port;

    // Baseline: OpenSSH -L to the same VNC port.
    const master = new OpenSshMaster(ctx.lab, 'kvm1', route, scratch);
    const localPort = 20000 + Math.floor(Math.random() * 20000);
    tunnelProc = spawn('ssh', ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${localPort}:127.0.0.1:${port}`, ...master.baseArgs()], { stdio: 'ignore' });
    let sock;
    for (let i = 0; ; i++) {
      try {
        sock = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
          const c = connect({ host: '127.0.0.1', port: localPort }, () => resolve(c));
          c.once('error', reject);
        });
        break;
      } catch (e) {
        if (i > 100) throw e;
        await sleep(100);
      }
    }
    const base = new RfbClient({ write: (b) => sock.write(b), onData: (l) => sock.on('data', (c: Buffer) => l(new Uint8Array(c))) });
    await base.handshake();

    // Alternate rounds so both see the same machine load.
    const vmFps: number[] = [];
    const baseFps: number[] = [];
    for (let round = 0; round < 3; round++) {
      vmFps.push(await frames(vm, n));
      baseFps.push(await frames(base, n));
    }
    sock.destroy();

    // Idle: one incremental request outstanding, nothing changes on screen.
    const idleMs = ctx.full ? 10_000 : 5_000;
    await sleep(1000);
    const bytesBefore = bytes;
    const cpu0 = process.cpuUsage();
    const pending = vm.update(true, idleMs + 5_000).catch(() => 0);
    await sleep(idleMs);
    const cpu = process.cpuUsage(cpu0);
    const idleCpuMsPerSec = ((cpu.user + cpu.system) / 1000 / idleMs) * 1000;
    void pending;
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    const v = med(vmFps);
    const b = med(baseFps);
    ctx.log(`display frames ${network}: vmdeck ${v.toFixed(1)} fps, ssh -L ${b.toFixed(1)} fps; idle ${idleCpuMsPerSec.toFixed(2)} ms CPU/s, ${bytes - bytesBefore} bytes`);
    return {
      id: 'display-frames',
      title: TITLE,
      network,
      measured: MEASURED,
      vmdeck: `${v.toFixed(1)} frames/s`,
      baseline: `${b.toFixed(1)} frames/s (ssh -L)`,
      ratio: v / b,
      ratioMeaning: 'vmdeck / ssh -L frame rate (higher is better)',
      target: { goal: '>= 0.8x the frame rate over ssh -L; idle display: no backend CPU beyond its bytes', met: v / b >= 0.8, ...(v / b >= 0.8 ? {} : { why: `${(v / b).toFixed(2)}x` }) },
      metrics: { vmdeckFps: vmFps, sshLFps: baseFps, framesPerRound: n, idleMs, idleCpuMsPerSec, idleBytes: bytes - bytesBefore },
      notes: [`idle display: ${idleCpuMsPerSec.toFixed(2)} ms of backend CPU per second over ${idleMs / 1000} s (the whole process), ${bytes - bytesBefore} bytes`],
    };
  } finally {
    session?.close();
    tunnelProc?.kill();
    conns.dispose();
    scratch.cleanup();
  }
}
