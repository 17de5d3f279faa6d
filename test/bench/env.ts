/**
 * What every benchmark needs from the lab and from the product, built the same way each time:
 *  - vmdeck's side: a host link made by the product's ConnectionManager (ssh2, one connection per host) and a
 *    runner wrapper that counts the commands and channels the product opens;
 *  - the baseline side: OpenSSH with one long-lived ControlMaster connection per host (warm, like vmdeck's);
 *  - the optional ~20 ms RTT: the lab's delay proxy, run in its own Node process so its event loop does not
 *    share the measured process, with both sides pointed through it;
 *  - a memory sampler (rss + arrayBuffers every 50 ms).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostConfig } from '../../main/core/contract';
import type { CommandRunner, CommandStream, ExecOptions, ExecResult, StreamOptions } from '../../main/core/runner';
import { decliningPromptBroker } from '../../main/transport/prompts';
import { ConnectionManager, type SshHostLink } from '../../main/transport/ssh-pool';
import { quoteCommand } from '../../main/transport/shell-quote';
import { loadLab, type Lab, type LabHost } from '../lab/lab';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');

export function requireLab(): Lab {
  const lab = loadLab();
  if (!lab) throw new Error('the lab is not up (no lab.json): run `npm run lab:up` as root first');
  return lab;
}

/** A scratch directory removed by `cleanup()`. */
export class Scratch {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'vmdeck-bench-'));
  file(name: string, content?: string): string {
    const p = path.join(this.dir, name);
    if (content !== undefined) writeFileSync(p, content, { mode: 0o600 });
    return p;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Delay proxy (separate process)

export interface Route {
  /** Where to connect: the host's own sshd, or the delay proxy in front of it. */
  address: string;
  port: number;
  /** Added round-trip time in ms (0 = direct). */
  rttMs: number;
}

export interface ProxyProcess {
  port: number;
  close(): Promise<void>;
}

/** Starts `test/lab/delay-proxy.mjs` in a child process in front of a lab host (delayMs each way). */
export async function startProxyProcess(target: { host: string; port: number }, delayMs: number): Promise<ProxyProcess> {
  const script = path.join(REPO_ROOT, 'test', 'lab', 'delay-proxy.mjs');
  const child = spawn(process.execPath, [script, '--listen', '127.0.0.1:0', '--target', `${target.host}:${target.port}`, '--delay-ms', String(delayMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`delay proxy did not start: ${err}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`delay proxy exited (${code}): ${err}`));
    });
  });
  child.stdout!.resume();
  return {
    port,
    close: () => killChild(child),
  };
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------------------
// vmdeck's side: the product's ConnectionManager

/** Counts what a runner is asked to do (exec commands, streams) and, through the link, the channels opened. */
export class CountingRunner implements CommandRunner {
  execs = 0;
  streams = 0;
  readonly argvs: string[][] = [];
  constructor(private readonly inner: CommandRunner) {}
  get label(): string {
    return this.inner.label;
  }
  reset(): void {
    this.execs = 0;
    this.streams = 0;
    this.argvs.length = 0;
  }
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.execs++;
    this.argvs.push([...argv]);
    return this.inner.exec(argv, options);
  }
  stream(argv: readonly string[], options?: StreamOptions): Promise<CommandStream> {
    this.streams++;
    this.argvs.push([...argv]);
    return this.inner.stream(argv, options);
  }
}

export interface VmdeckHost {
  name: string;
  link: SshHostLink;
  runner: CountingRunner;
  /** Session channels opened on the connection since the last reset (from the connection's own slots). */
  channelsOpened(): number;
  resetCounters(): void;
  dispose(): void;
}

/**
 * The product's connection stack for a set of lab hosts: one ConnectionManager, the lab's ssh_config and
 * known_hosts, plus (for routes through the delay proxy) a known_hosts file naming `[127.0.0.1]:<proxy port>`.
 */
export class VmdeckConnections {
  private readonly scratch = new Scratch();
  private readonly manager: ConnectionManager;
  private readonly proxyKnownHosts: string;
  private proxyLines: string[] = [];

  constructor(private readonly lab: Lab) {
    this.proxyKnownHosts = this.scratch.file('proxy_known_hosts', '');
    this.manager = new ConnectionManager({
      prompts: decliningPromptBroker,
      appKnownHostsPath: this.scratch.file('app_known_hosts', ''),
      sshConfig: {
        homeDir: this.scratch.dir,
        localUser: userInfo().username,
        localHostname: hostname(),
        env: {},
        files: [{ path: lab.sshConfig }],
      },
      extraKnownHosts: [lab.knownHosts, this.proxyKnownHosts],
      // Benchmarks must not reconnect behind our back.
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
  }

  /** A link to a lab host, direct or through a route (the delay proxy). Not connected yet. */
  add(hostName: string, route?: Route, id = hostName): VmdeckHost {
    const h: LabHost | undefined = this.lab.hosts[hostName];
    if (!h) throw new Error(`unknown lab host ${hostName}`);
    let config: HostConfig;
    if (route && route.rttMs > 0) {
      if (h.hostKey) {
        this.proxyLines.push(`[${route.address}]:${route.port} ${h.hostKey}`);
        writeFileSync(this.proxyKnownHosts, this.proxyLines.join('\n') + '\n');
      }
      config = baseConfig(id, hostName, { address: route.address, port: route.port, user: h.user, identityFile: h.identityFile });
    } else {
      // Through the lab's ssh_config, as a user would add it (alias resolved by the product's resolver).
      config = baseConfig(id, hostName, { address: hostName, sshConfigFile: this.lab.sshConfig });
    }
    const link = this.manager.add(config);
    const runner = new CountingRunner(link.runner);
    let opened = 0;
    // Channels: wrap openExec on this connection to count every session channel the product opens.
    const conn = link.connection as unknown as { openExec: (...a: unknown[]) => Promise<unknown> };
    const original = conn.openExec.bind(conn);
    conn.openExec = (...a: unknown[]) => {
      opened++;
      return original(...a);
    };
    return {
      name: hostName,
      link,
      runner,
      channelsOpened: () => opened,
      resetCounters: () => {
        opened = 0;
        runner.reset();
      },
      dispose: () => this.manager.remove(id),
    };
  }

  dispose(): void {
    this.manager.dispose();
    this.scratch.cleanup();
  }
}

function baseConfig(id: string, name: string, extra: Partial<HostConfig>): HostConfig {
  return { id, name, transport: 'ssh', toolstack: 'auto', pollIntervalSec: 5, autoConnect: false, ...extra } as HostConfig;
}

// ---------------------------------------------------------------------------------------------------------
// Baseline side: OpenSSH with a ControlMaster

export class OpenSshMaster {
  private master: ChildProcess | undefined;
  readonly controlPath: string;

  constructor(
    private readonly lab: Lab,
    readonly hostName: string,
    private readonly route: Route | undefined,
    scratch: Scratch,
  ) {
    this.controlPath = path.join(scratch.dir, `cm-${hostName}-${route?.port ?? 'direct'}`);
  }

  /** OpenSSH arguments for this host and route (without ControlMaster options). */
  baseArgs(): string[] {
    const h = this.lab.hosts[this.hostName]!;
    const args = ['-F', this.lab.sshConfig, '-o', 'BatchMode=yes'];
    if (this.route && this.route.rttMs > 0) {
      args.push('-o', `HostName=${this.route.address}`, '-p', String(this.route.port), '-o', `HostKeyAlias=${h.knownHostsName ?? `[${h.address}]:${h.port}`}`);
    }
    args.push(this.hostName);
    return args;
  }

  /** Arguments that reuse the master connection. */
  args(): string[] {
    const base = this.baseArgs();
    return ['-o', 'ControlMaster=no', '-o', `ControlPath=${this.controlPath}`, ...base];
  }

  async start(): Promise<void> {
    this.master = spawn('ssh', ['-o', 'ControlMaster=yes', '-o', `ControlPath=${this.controlPath}`, '-o', 'ControlPersist=no', '-N', ...this.baseArgs()], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    this.master.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // Ready when `ssh -O check` succeeds.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await run('ssh', ['-o', `ControlPath=${this.controlPath}`, '-O', 'check', ...this.baseArgs()], { allowFail: true });
      if (r.code === 0) return;
      if (this.master.exitCode !== null) throw new Error(`OpenSSH master for ${this.hostName} exited: ${err}`);
      if (Date.now() > deadline) throw new Error(`OpenSSH master for ${this.hostName} not ready: ${err}`);
      await sleep(50);
    }
  }

  /** Runs argv (quoted exactly as the product quotes it) over the master; resolves with stdout. */
  exec(argv: readonly string[]): Promise<RunResult> {
    return run('ssh', [...this.args(), quoteCommand(argv)]);
  }

  /** Runs a shell command string over the master. */
  sh(command: string): Promise<RunResult> {
    return run('ssh', [...this.args(), command]);
  }

  async stop(): Promise<void> {
    if (this.master) await killChild(this.master);
    this.master = undefined;
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: readonly string[], opts: { allowFail?: boolean; input?: string } = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args as string[], { stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0 };
      if (code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.slice(-1)[0]} failed (${code}): ${r.stderr.trim()}`));
      else resolve(r);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Memory

export interface MemorySample {
  rss: number;
  arrayBuffers: number;
}

/** Samples process memory every `intervalMs`; `stop()` returns the peak of rss + arrayBuffers over the baseline. */
export class MemorySampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private baseline = 0;
  private peak = 0;
  private peakRss = 0;
  private peakArrayBuffers = 0;
  samples = 0;

  start(intervalMs = 50): void {
    const m = process.memoryUsage();
    this.baseline = m.rss + m.arrayBuffers;
    this.peak = this.baseline;
    this.peakRss = m.rss;
    this.peakArrayBuffers = m.arrayBuffers;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const m = process.memoryUsage();
    this.samples++;
    this.peak = Math.max(this.peak, m.rss + m.arrayBuffers);
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakArrayBuffers = Math.max(this.peakArrayBuffers, m.arrayBuffers);
  }

  stop(): { baselineBytes: number; peakBytes: number; growthBytes: number; peakRss: number; peakArrayBuffers: number; samples: number } {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    return {
      baselineBytes: this.baseline,
      peakBytes: this.peak,
      growthBytes: this.peak - this.baseline,
      peakRss: this.peakRss,
      peakArrayBuffers: this.peakArrayBuffers,
      samples: this.samples,
    };
  }
}

export async function settleGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await sleep(20);
    gc();
  }
}

export const MiB = 1024 * 1024;
