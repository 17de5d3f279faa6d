// The backend (and the CLI for two faults) against a host that misbehaves on purpose (hostile-host.ts), next to
// the real lab hosts. Per fault: a typed error (or a bounded success) within the stated deadline, memory growth
// of this process under the stated bound, the other hosts' refreshes and a real guest console unaffected while
// the bad host misbehaves, and the bad host usable again once it behaves. One line per fault is printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../main/app/backend';
import type { ContractClient, EventName, EventPayload, HostView } from '../../../main/core/contract';
import { isVmdeckError, type ErrorCode } from '../../../main/core/errors';
import { dispatch } from '../../../main/core/rpc';
import { describeLab } from '../describe-lab';
import { loadLab, type Lab } from '../lab';
import { CONTROL_PAYLOAD, startHostileHost, type Fault, type HostileHost } from './hostile-host';

const MiB = 1024 * 1024;
/** Anything a terminal would act on (what the CLI must never print raw). */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface FaultCase {
  fault: Fault;
  /** How the fault is met: a refresh on the open connection, or a fresh connect. */
  via: 'refresh' | 'connect';
  /** The outcomes allowed: typed error codes, or 'ok' for a bounded success. */
  outcomes: (ErrorCode | 'ok')[];
  deadlineMs: number;
  memoryBoundMiB: number;
}

// Deadlines: the product's own (channel open 15 s, close grace 2 s, ConnectTimeout 4 s below) plus slack for a
// loaded machine. Memory: the refresh output cap is 64 MiB (REFRESH_LIMITS), so a streaming host can cost at
// most that plus decoding; everything else is small.
const CASES: FaultCase[] = [
  { fault: 'garbage', via: 'refresh', outcomes: ['PARSE_ERROR'], deadlineMs: 10_000, memoryBoundMiB: 32 },
  { fault: 'truncated', via: 'refresh', outcomes: ['PARSE_ERROR'], deadlineMs: 10_000, memoryBoundMiB: 32 },
  { fault: 'endless-line', via: 'refresh', outcomes: ['OUTPUT_TOO_LARGE'], deadlineMs: 60_000, memoryBoundMiB: 160 },
  { fault: 'gigabytes', via: 'refresh', outcomes: ['OUTPUT_TOO_LARGE'], deadlineMs: 60_000, memoryBoundMiB: 160 },
  { fault: 'never-confirm-open', via: 'refresh', outcomes: ['TIMEOUT', 'DISCONNECTED'], deadlineMs: 20_000, memoryBoundMiB: 32 },
  { fault: 'no-close', via: 'refresh', outcomes: ['ok', 'DISCONNECTED'], deadlineMs: 10_000, memoryBoundMiB: 32 },
  { fault: 'drop-mid-reply', via: 'refresh', outcomes: ['DISCONNECTED'], deadlineMs: 10_000, memoryBoundMiB: 32 },
  { fault: 'stall-kex', via: 'connect', outcomes: ['TIMEOUT'], deadlineMs: 10_000, memoryBoundMiB: 32 },
  { fault: 'control-sequences', via: 'refresh', outcomes: ['ok'], deadlineMs: 10_000, memoryBoundMiB: 32 },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const memory = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describeLab('a misbehaving host next to the lab', () => {
  let lab: Lab;
  let host: HostileHost;
  let backend: Backend;
  let client: ContractClient;
  let dir: string;
  let sshConfig: string;
  const ids = new Map<string, string>();
  const consoleText: string[] = [];
  let consoleId: string | undefined;

  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const out = await dispatch(client.handlers, method, args);
    if (!out.ok) throw Object.assign(new Error(`${out.error.code}: ${out.error.message}`), { code: out.error.code });
    return out.result as T;
  };
  const session = (name: string) => backend.registry.session(ids.get(name)!);

  async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
      } catch {
        // not yet
      }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  }

  /** A refresh of `name` through the backend's own inventory: 'ok' or the typed error code. */
  async function refresh(name: string): Promise<ErrorCode | 'ok'> {
    try {
      const running = await session(name).ready();
      await running.inventory.refresh();
      return 'ok';
    } catch (e) {
      if (isVmdeckError(e)) return e.code;
      throw e;
    }
  }

  /** The console answers while the bad host misbehaves. */
  async function consoleAnswers(n: number): Promise<boolean> {
    if (!consoleId) return false;
    // The answer (7007, 7014, ...) does not appear in the echoed command text.
    const want = String(7000 + 7 * n);
    await call('consoles.input', consoleId, `echo $((1000*7+${n}*7))\r`);
    return until(`console answer ${want}`, () => (consoleText.join('').includes(want) ? true : undefined), 20_000).then(
      () => true,
      () => false,
    );
  }

  /** The CLI as a user runs it (async: the misbehaving host lives in this process and must keep answering). */
  function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [resolve('bin/vmdeck.mjs'), '--config-dir', join(dir, 'cli'), '--ssh-config', sshConfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((r) =>
      child.once('close', (status) => {
        clearTimeout(timer);
        r({ status, stdout, stderr });
      }),
    );
  }

  beforeAll(async () => {
    lab = loadLab()!;
    dir = mkdtempSync(join(tmpdir(), 'vmdeck-hostile-'));
    const pub = readFileSync(`${lab.identityFile ?? lab.hosts.kvm1!.identityFile}.pub`, 'utf8').split(' ')[1]!;
    host = await startHostileHost({ authorizedKeys: [Buffer.from(pub, 'base64')], env: { LIBVIRT_DEFAULT_URI: 'test:///default' } });
    writeFileSync(join(dir, 'known_hosts'), `${host.knownHostsLine}\n`);
    sshConfig = join(dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      [
        'Host hostile',
        '  HostName 127.0.0.1',
        `  Port ${host.port}`,
        '  User tester',
        `  IdentityFile ${lab.identityFile ?? lab.hosts.kvm1!.identityFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
        '  ConnectTimeout 4',
        '',
      ].join('\n'),
    );
    backend = await createBackend({ mode: 'browser', configDir: join(dir, 'app'), version: 'test' });
    client = backend.connect(<E extends EventName>(event: E, payload: EventPayload<E>) => {
      if (event !== 'consoles.data') return;
      const p = payload as unknown as { id: string; data: Uint8Array };
      if (p.id === consoleId) {
        consoleText.push(Buffer.from(p.data).toString('utf8'));
        void call('consoles.ack', p.id, p.data.byteLength).catch(() => undefined);
      }
    });
    const hostile = await call<HostView>('hosts.add', { name: 'hostile', transport: 'ssh', address: 'hostile', sshConfigFile: sshConfig, toolstack: 'libvirt', libvirtUri: 'test:///default', pollIntervalSec: 30 });
    ids.set('hostile', hostile.config.id);
    for (const name of ['kvm1', 'fleet']) {
      const v = await call<HostView>('hosts.add', { name, transport: 'ssh', address: name, sshConfigFile: lab.sshConfig, pollIntervalSec: 30 });
      ids.set(name, v.config.id);
    }
    await until('every host ready with guests', () => ([...ids.keys()].every((n) => session(n).guests().length > 0) ? true : undefined), 90_000);
    // A real guest console on kvm1 (alpha), kept open through every fault.
    const alpha = session('kvm1').guests().find((g) => g.name === 'alpha' && g.state === 'running');
    if (alpha) {
      consoleId = (await call<{ id: string }>('consoles.open', ids.get('kvm1'), alpha.uuid, { cols: 100, rows: 30 })).id;
      await call('consoles.input', consoleId, '\r');
      await sleep(500);
    }
  }, 180_000);

  afterAll(async () => {
    await backend?.dispose();
    await host?.close();
  });

  let n = 0;
  for (const c of CASES) {
    it(`${c.fault}: ${c.outcomes.join(' or ')} within ${c.deadlineMs} ms, memory +${c.memoryBoundMiB} MiB at most, other hosts unaffected, usable again`, async () => {
      const index = ++n;
      const before = memory();
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, memory())), 25);
      if (c.via === 'connect') session('hostile').disconnect();
      host.fault = c.fault;
      const started = Date.now();
      const bad = (async (): Promise<ErrorCode | 'ok'> => {
        if (c.via === 'refresh') return refresh('hostile');
        try {
          await call('hosts.connect', ids.get('hostile'));
          return 'ok';
        } catch (e) {
          return (e as { code: ErrorCode }).code;
        }
      })().then((outcome) => ({ outcome, ms: Date.now() - started }));
      // Meanwhile, the real hosts refresh and the console answers.
      const [kvm1, fleet, consoleOk] = await Promise.all([refresh('kvm1'), refresh('fleet'), consoleAnswers(index)]);
      const { outcome, ms } = await bad;
      clearInterval(sampler);
      peak = Math.max(peak, memory());
      const grewMiB = (peak - before) / MiB;

      let guestsWithControls = 0;
      if (c.fault === 'control-sequences') guestsWithControls = session('hostile').guests().filter((g) => g.name.includes(CONTROL_PAYLOAD)).length;

      host.fault = 'none';
      const recoveredStart = Date.now();
      await until(
        'the hostile host usable again',
        async () => {
          if (session('hostile').view().state !== 'ready') await call('hosts.connect', ids.get('hostile'));
          return (await refresh('hostile')) === 'ok' ? true : undefined;
        },
        60_000,
      );
      const recoveredMs = Date.now() - recoveredStart;
      process.stdout.write(
        `hostile ${c.fault}: ${outcome} in ${ms} ms (deadline ${c.deadlineMs} ms ${ms <= c.deadlineMs ? 'met' : 'MISSED'}); ` +
          `memory +${grewMiB.toFixed(1)} MiB (bound ${c.memoryBoundMiB} MiB ${grewMiB <= c.memoryBoundMiB ? 'held' : 'EXCEEDED'}); ` +
          `kvm1 ${kvm1}, fleet ${fleet}, console ${consoleId ? (consoleOk ? 'answered' : 'SILENT') : 'n/a (alpha not running)'}; usable again after ${recoveredMs} ms\n`,
      );
      expect(c.outcomes).toContain(outcome);
      expect(ms).toBeLessThanOrEqual(c.deadlineMs);
      expect(grewMiB).toBeLessThanOrEqual(c.memoryBoundMiB);
      expect(kvm1).toBe('ok');
      expect(fleet).toBe('ok');
      if (consoleId) expect(consoleOk).toBe(true);
      if (c.fault === 'control-sequences') expect(guestsWithControls).toBeGreaterThan(0);
    }, 240_000);
  }

  it('CLI: control sequences from the host are shown escaped, never obeyed', async () => {
    host.fault = 'control-sequences';
    try {
      const r = await cli(['list', 'hostile']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('test\\x1b[2J\\x1b]0;owned\\x07\\x9b31m');
      expect(r.stdout.replace(/\n/g, '')).not.toMatch(ACTIVE);
      expect(r.stderr.replace(/\n/g, '')).not.toMatch(ACTIVE);
      process.stdout.write('hostile CLI control-sequences: escaped in stdout and stderr\n');
    } finally {
      host.fault = 'none';
    }
  });

  it('CLI: a host answering garbage gives a typed error and an escaped stderr, within the deadline', async () => {
    host.fault = 'garbage';
    try {
      const started = Date.now();
      const r = await cli(['list', 'hostile']);
      const ms = Date.now() - started;
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/PARSE_ERROR/);
      expect(r.stderr.replace(/\n/g, '')).not.toMatch(ACTIVE);
      expect(ms).toBeLessThan(30_000);
      process.stdout.write(`hostile CLI garbage: PARSE_ERROR in ${ms} ms (deadline 30000 ms met)\n`);
    } finally {
      host.fault = 'none';
    }
  });
});
