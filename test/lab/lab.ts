// Access to the vmdeck test lab (see test/lab/README.md) for vitest suites and benchmarks.
// The lab is brought up by `npm run lab:up` (as root) and described by $LAB/lab.json.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDelayProxy } from './delay-proxy.mjs';

export interface LabHost {
  name: string;
  address: string;
  port: number;
  user: string;
  identityFile: string;
  kind: 'libvirt' | 'xen' | 'bastion' | 'lxc';
  libvirtUri?: string;
  guests: string[];
  proxyJump?: string;
  password?: string;
  sshdLogFile: string;
  /** Extra fields written by lab-up.sh. */
  sshdPidFile?: string;
  sshdConfig?: string;
  /** "ssh-ed25519 AAAA..." */
  hostKey?: string;
  /** How the host appears in known_hosts: "[127.0.0.1]:2201" or "10.77.2.2". */
  knownHostsName?: string;
  netns?: string;
  authMethods?: string[];
  /** ct1: root's lxcpath and its containers with their state at lab-up. */
  lxcPath?: string;
  containers?: { name: string; hostname: string; initialState: 'running' | 'stopped' | 'frozen' }[];
}

export interface Lab {
  dir: string;
  sshConfig: string;
  knownHosts: string;
  hosts: Record<string, LabHost>;
  passphraseKey: { path: string; passphrase: string; authorizedOn: string };
  /** Extra fields written by lab-up.sh. */
  version?: number;
  identityFile?: string;
  fleet?: { xml: string; guestsFile: string; count: number; stateless: boolean };
  guestImage?: { kernel: string; initrd: string; bootBanner: string; prompt: string };
  network?: Record<string, unknown>;
}

export type FaultAction = 'stop-sshd' | 'start-sshd' | 'kill-libvirtd' | 'cut-net' | 'restore-net';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** VMDECK_LAB_DIR or /tmp/vmdeck-lab */
export function labDir(): string {
  return process.env.VMDECK_LAB_DIR || '/tmp/vmdeck-lab';
}

/** The parsed lab.json, or undefined when the lab is not up. */
export function loadLab(): Lab | undefined {
  const file = path.join(labDir(), 'lab.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Lab;
  } catch {
    return undefined;
  }
}

function pidAlive(pidFile: string | undefined): boolean | undefined {
  if (!pidFile) return undefined;
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch (e) {
    // unreadable (not root): cannot tell
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return existsSync(`/proc/${pid}`);
}

/**
 * Why lab tests cannot run, or undefined when the lab is up. Callers in CI
 * (process.env.CI) must fail rather than skip on a reason.
 */
export function labUnavailableReason(): string | undefined {
  const lab = loadLab();
  if (!lab) return `lab is not up (no ${path.join(labDir(), 'lab.json')}; run npm run lab:up as root)`;
  for (const f of [lab.sshConfig, lab.knownHosts]) {
    if (!existsSync(f)) return `lab is broken: ${f} is missing (run npm run lab:up as root)`;
  }
  try {
    readFileSync(lab.hosts.kvm1?.identityFile ?? lab.identityFile ?? '', 'utf8');
  } catch {
    return 'lab key is not readable by this user (run the tests as root, or lab:up via sudo as this user)';
  }
  // One host stopped by a fault test does not make the lab down; none running does.
  const down = Object.values(lab.hosts).filter((h) => pidAlive(h.sshdPidFile) === false);
  if (down.length > 0 && down.length === Object.keys(lab.hosts).length) return 'lab is down (no sshd running; run npm run lab:up as root)';
  return undefined;
}

function requireLab(): Lab {
  const lab = loadLab();
  if (!lab) throw new Error(labUnavailableReason() ?? 'lab is not up');
  return lab;
}

export function labHost(name: string): LabHost {
  const h = requireLab().hosts[name];
  if (!h) throw new Error(`unknown lab host ${name}`);
  return h;
}

/** Arguments for spawning OpenSSH against a lab host: ['-F', sshConfig, host]. */
export function sshArgs(host: string): string[] {
  const lab = requireLab();
  if (!lab.hosts[host]) throw new Error(`unknown lab host ${host}`);
  return ['-F', lab.sshConfig, host];
}

export interface SshResult { code: number | null; stdout: string; stderr: string }

/** Run one command on a lab host with OpenSSH (BatchMode). For baselines and test setup. */
export function labSsh(host: string, command: string, opts: { timeoutMs?: number; extraArgs?: string[] } = {}): Promise<SshResult> {
  const args = ['-o', 'BatchMode=yes', ...(opts.extraArgs ?? []), ...sshArgs(host), command];
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function runFaultScript(args: string[]): Promise<void> {
  const script = path.join(HERE, 'fault.sh');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const [cmd, argv] = isRoot ? ['bash', [script, ...args]] : ['sudo', ['-n', 'bash', script, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VMDECK_LAB_DIR: labDir() },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`fault.sh ${args.join(' ')} failed (${code}): ${err.trim()}`));
    });
  });
}

/** Inject or undo a fault on a lab host (needs root, or passwordless sudo). */
export async function fault(host: string, action: FaultAction): Promise<void> {
  requireLab();
  await runFaultScript([host, action]);
}

/**
 * Start an in-process delaying TCP proxy in front of a lab host (or any loopback/lab
 * address): delayMs each way. setBlackhole(true) holds all traffic until switched off.
 */
export async function startDelayProxy(opts: { targetHost: string; targetPort: number; delayMs: number }): Promise<{ port: number; close(): Promise<void>; setBlackhole(on: boolean): void }> {
  const p = await createDelayProxy({ listenHost: '127.0.0.1', listenPort: 0, ...opts });
  return { port: p.port, close: () => p.close(), setBlackhole: (on: boolean) => p.setBlackhole(on) };
}
