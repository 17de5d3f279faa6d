/**
 * The SSH transport against the lab's real OpenSSH servers: every authentication method, ProxyJump,
 * host key refusal before authentication (checked in sshd's VERBOSE log), quoting through a real remote
 * shell, channel multiplexing on one TCP connection, and recovery from a stopped sshd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CommandStream } from '../../../main/core/runner';
import { AppKnownHostsStore } from '../../../main/transport/app-known-hosts-store';
import { PassphraseCache } from '../../../main/transport/passphrase-cache';
import { connectHop } from '../../../main/transport/ssh-hop';
import { systemClock } from '../../../main/core/clock';
import type { ConnectionManager } from '../../../main/transport/ssh-pool';
import { HOSTILE_STRINGS } from '../../unit/transport/hostile-strings';
import { describeLab } from '../describe-lab';
import { fault, loadLab, type Lab } from '../lab';
import { AnsweringPrompts, directConnection, establishedFromThisProcess, hostConfig, localPortsFromThisProcess, labManager, logSince, logSize, scratchDir, until } from './support';
import { failure } from '../../support/failure';

let lab: Lab;
let dir: string;
let manager: ConnectionManager;
const cleanups: (() => void)[] = [];


describeLab('SSH transport (lab)', () => {
  beforeAll(() => {
    lab = loadLab()!;
    dir = scratchDir();
    manager = labManager(lab, dir);
  });
  afterAll(() => {
    for (const c of cleanups.splice(0).reverse()) c();
    manager.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves every lab host from the lab ssh_config', () => {
    for (const h of Object.values(lab.hosts)) {
      const { target, jumpHosts } = manager.resolve(hostConfig(h.name));
      expect(target).toMatchObject({ hostName: h.address, port: h.port, user: h.user, identitiesOnly: true, strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000, serverAliveIntervalMs: 15_000 });
      expect(target.identityFiles).toEqual([h.identityFile]);
      expect(target.userKnownHostsFiles).toEqual([lab.knownHosts]);
      expect(jumpHosts.map((j) => j.alias)).toEqual(h.proxyJump ? [h.proxyJump] : []);
    }
  });

  it('logs in with a plain key file (kvm1) and measures connect time and command rate', async () => {
    const link = manager.add(hostConfig('kvm1'));
    const t0 = performance.now();
    await link.connect();
    const connectMs = performance.now() - t0;
    expect((await link.runner.exec(['id', '-un'])).stdout.trim()).toBe(lab.hosts.kvm1!.user);
    const n = 300;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: n }, () => link.runner.exec(['true'])));
    const parallelRate = n / ((performance.now() - t1) / 1000);
    const t2 = performance.now();
    for (let i = 0; i < 50; i++) await link.runner.exec(['true']);
    const serialMs = (performance.now() - t2) / 50;
    console.log(`[transport figures] kvm1 connect ${connectMs.toFixed(0)} ms; ${parallelRate.toFixed(0)} commands/s with 10 channels; ${serialMs.toFixed(1)} ms per sequential command`);
    expect(connectMs).toBeLessThan(5000);
    manager.remove('lab-kvm1');
  });

  it('logs in through ssh-agent (no key file offered)', async () => {
    const sock = join(dir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    cleanups.push(() => agent.kill());
    await until(() => {
      try {
        return statSync(sock).isSocket();
      } catch {
        return false;
      }
    }, 5000, 'agent socket');
    await new Promise<void>((resolve, reject) => {
      const add = spawn('ssh-add', [lab.identityFile ?? lab.hosts.kvm1!.identityFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      add.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-add exited ${code}`))));
    });
    const viaEnv = labManager(lab, dir, { sshConfig: { homeDir: dir, localUser: 'root', localHostname: 'lab-client', env: { SSH_AUTH_SOCK: sock }, files: [{ path: lab.sshConfig }] } });
    const { target } = viaEnv.resolve(hostConfig('kvm1'));
    expect(target.identityAgent).toBe(sock);
    const c = directConnection(dir, { ...target, identityFiles: [join(dir, 'no-such-key')], identitiesOnly: false }, new AnsweringPrompts());
    try {
      await c.connection.connect();
      expect((await c.runner.exec(['id', '-un'])).stdout.trim()).toBe(lab.hosts.kvm1!.user);
    } finally {
      c.dispose();
      viaEnv.dispose();
    }
  });

  it('logs in with a passphrase-protected key (kvm2), asking for the passphrase', async () => {
    const prompts = new AnsweringPrompts((p) => (p.kind === 'passphrase' ? { accept: true, values: [lab.passphraseKey.passphrase] } : { accept: false }));
    const { target } = manager.resolve(hostConfig(lab.passphraseKey.authorizedOn));
    const c = directConnection(dir, { ...target, identityFiles: [lab.passphraseKey.path], preferredAuthentications: ['publickey'] }, prompts);
    try {
      await c.connection.connect();
      expect(prompts.asked.map((p) => p.kind)).toEqual(['passphrase']);
      expect((await c.runner.exec(['id', '-un'])).stdout.trim()).toBe(lab.hosts.kvm2!.user);
    } finally {
      c.dispose();
    }
  });

  it('logs in with a password (kvm2)', async () => {
    const prompts = new AnsweringPrompts((p) => (p.kind === 'password' ? { accept: true, values: [lab.hosts.kvm2!.password!] } : { accept: false }));
    const { target } = manager.resolve(hostConfig('kvm2'));
    const c = directConnection(dir, { ...target, identityFiles: [], preferredAuthentications: ['password'] }, prompts);
    const before = logSize(lab.hosts.kvm2!.sshdLogFile);
    try {
      await c.connection.connect();
      expect(prompts.asked.map((p) => p.kind)).toEqual(['password']);
      await until(() => /Accepted password for vmdeck-kvm2/.test(logSince(lab.hosts.kvm2!.sshdLogFile, before)), 3000, 'sshd log line');
    } finally {
      c.dispose();
    }
  });

  it('logs in with keyboard-interactive (kvm2), relaying the server prompts', async () => {
    const prompts = new AnsweringPrompts((p) => (p.kind === 'keyboard-interactive' ? { accept: true, values: (p.fields ?? []).map(() => lab.hosts.kvm2!.password!) } : { accept: false }));
    const { target } = manager.resolve(hostConfig('kvm2'));
    const c = directConnection(dir, { ...target, identityFiles: [], preferredAuthentications: ['keyboard-interactive'] }, prompts);
    const before = logSize(lab.hosts.kvm2!.sshdLogFile);
    try {
      await c.connection.connect();
      expect(prompts.asked[0]).toMatchObject({ kind: 'keyboard-interactive' });
      expect(prompts.asked[0]!.fields!.length).toBeGreaterThan(0);
      await until(() => /Accepted keyboard-interactive\/pam for vmdeck-kvm2/.test(logSince(lab.hosts.kvm2!.sshdLogFile, before)), 3000, 'sshd log line');
    } finally {
      c.dispose();
    }
  });

  it('reaches inner only through jump (ProxyJump), verifying both host keys', async () => {
    const link = manager.add(hostConfig('inner'));
    const jumpLog = logSize(lab.hosts.jump!.sshdLogFile);
    try {
      await link.connect();
      expect((await link.runner.exec(['id', '-un'])).stdout.trim()).toBe(lab.hosts.inner!.user);
      expect(logSince(lab.hosts.jump!.sshdLogFile, jumpLog)).toMatch(/Accepted publickey for vmdeck-jump/);
    } finally {
      manager.remove('lab-inner');
    }
  });

  it('refuses a changed host key with HOST_KEY_MISMATCH before any authentication attempt (sshd log)', async () => {
    const host = lab.hosts.kvm1!;
    const wrongKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq5rK8b9vXo0tFJ0m6aW2mJ9v1m6l5wq8yZx';
    const kh = join(dir, 'wrong_known_hosts');
    writeFileSync(kh, `[127.0.0.1]:${host.port} ${wrongKey}\n`);
    const { target } = manager.resolve(hostConfig('kvm1'));
    const wrongTarget = { ...target, userKnownHostsFiles: [kh] };

    // Through the connection object: the typed error, a failed state, no automatic retry.
    const c = directConnection(dir, wrongTarget, new AnsweringPrompts(() => ({ accept: true, replace: true })), { autoReconnect: true });
    try {
      const err = await failure(c.connection.connect());
      expect(err.code).toBe('HOST_KEY_MISMATCH');
      expect(err.details?.expectedFingerprint).toMatch(/^SHA256:/);
      expect(err.details?.actualFingerprint).not.toBe(err.details?.expectedFingerprint);
      expect(c.connection.state).toBe('failed');
      expect(c.connection.reconnectAt).toBeUndefined();
    } finally {
      c.dispose();
    }

    // Over a socket we own, so the server log lines of exactly this connection can be found by its port.
    const before = logSize(host.sshdLogFile);
    const sock = tcpConnect(host.port, host.address);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const localPort = sock.localPort!;
    const err = await failure(
      connectHop({
        hostId: 'mismatch-probe',
        config: wrongTarget,
        sock,
        prompts: new AnsweringPrompts(() => ({ accept: true })),
        passphrases: new PassphraseCache(),
        appKnownHosts: new AppKnownHostsStore(join(dir, 'probe_known_hosts')),
        clock: systemClock,
        connectTimeoutMs: 10_000,
        keepaliveIntervalMs: 0,
        keepaliveCountMax: 3,
      }),
    );
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    await until(() => new RegExp(`port ${localPort}\\b.*`).test(logSince(host.sshdLogFile, before).split('\n').filter((l) => !l.startsWith('Connection from')).join('\n')), 5000, 'sshd to log the end of the connection');
    const ours = logSince(host.sshdLogFile, before)
      .split('\n')
      .filter((l) => new RegExp(`port ${localPort}\\b`).test(l));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((l) => /Accepted|Failed|Postponed|Invalid user/.test(l))).toEqual([]);
  });

  it('round-trips 30+ hostile strings byte for byte through the remote shell; no injection runs', async () => {
    const link = manager.add(hostConfig('fleet'));
    try {
      await link.connect();
      const remoteDir = (await link.runner.exec(['mktemp', '-d'])).stdout.trim();
      expect(remoteDir).toMatch(/^\/tmp\//);
      for (const raw of HOSTILE_STRINGS) {
        const arg = raw.replaceAll('SENTINEL', `${remoteDir}/pwned`);
        const r = await link.runner.exec(['printf', '%s', arg]);
        expect(Buffer.from(r.stdout, 'utf8').equals(Buffer.from(arg, 'utf8'))).toBe(true);
        // The same argument in the middle of an argv, and as a command's env value.
        const echoed = await link.runner.exec(['sh', '-c', 'printf "%s" "$1"; printf "|%s" "$V"', 'sh', arg], { env: { V: arg } });
        expect(echoed.stdout).toBe(`${arg}|${arg}`);
      }
      expect((await link.runner.exec(['ls', '-A', remoteDir])).stdout).toBe('');
      await link.runner.exec(['rmdir', remoteDir]);
    } finally {
      manager.remove('lab-fleet');
    }
  });

  it('runs 9 commands + 2 long-lived channels on ONE TCP connection, and a 12th channel succeeds', async () => {
    const host = lab.hosts.fleet!;
    const link = manager.add(hostConfig('fleet'));
    const streams: CommandStream[] = [];
    try {
      const before = logSize(host.sshdLogFile);
      await link.connect();
      streams.push(await link.runner.stream(['sleep', '60']));
      streams.push(await link.runner.stream(['sh', '-c', 'while :; do date; sleep 1; done'], { pty: { rows: 24, cols: 80 } }));
      const commands = Array.from({ length: 9 }, (_v, i) => link.runner.exec(['sh', '-c', `sleep 1; echo ${i}`]));
      await until(() => link.connection.channelStats.open === 10, 5000, '10 open channels');
      const twelfth = link.runner.exec(['echo', 'twelfth']);
      expect(establishedFromThisProcess(host.port)).toBe(1);
      const results = await Promise.all(commands);
      expect(results.map((r) => r.stdout.trim())).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
      expect((await twelfth).stdout).toBe('twelfth\n');
      expect(streams.every((s) => !s.closed)).toBe(true);
      const ports = localPortsFromThisProcess(host.port);
      expect(ports).toHaveLength(1);
      // Server side: exactly one login from this process during the test (other processes use the lab too).
      const log = logSince(host.sshdLogFile, before);
      expect(log.match(new RegExp(`Accepted publickey for vmdeck-fleet from 127\\.0\\.0\\.1 port ${ports[0]}\\b`, 'g'))).toHaveLength(1);
    } finally {
      for (const s of streams) s.close();
      manager.remove('lab-fleet');
    }
  });

  it('a PTY stream sees resizes (stty size)', async () => {
    const link = manager.add(hostConfig('kvm1'));
    try {
      await link.connect();
      const stream = await link.runner.stream(['sh', '-c', 'stty size; read x; stty size'], { pty: { rows: 24, cols: 80 } });
      let out = '';
      stream.onData((c) => (out += Buffer.from(c).toString()));
      await until(() => out.includes('24 80'), 5000, 'first stty size');
      stream.resize(50, 132);
      await new Promise((r) => setTimeout(r, 200));
      stream.write('\n');
      await new Promise<void>((r) => stream.onClose(() => r()));
      expect(out).toContain('50 132');
    } finally {
      manager.remove('lab-kvm1');
    }
  });

  it('stop-sshd moves the connection to failed; start-sshd brings it back to ready without user action', async () => {
    const host = 'kvm2';
    const m = labManager(lab, dir, { keepaliveIntervalMs: 2000, keepaliveCountMax: 2, backoff: { initialMs: 500, maxMs: 2000 } });
    const link = m.add(hostConfig(host));
    try {
      await link.connect();
      await fault(host, 'stop-sshd');
      const failMs = await until(() => link.state === 'failed', 2000 * 2 + 3000, 'failed state');
      expect(link.error?.code).toBe('DISCONNECTED');
      expect(link.reconnectAt).toBeDefined();
      await new Promise((r) => setTimeout(r, 1500)); // a retry or two fails while sshd is down
      expect(link.state).not.toBe('ready');
      await fault(host, 'start-sshd');
      const backMs = await until(() => link.state === 'ready', 15_000, 'ready again');
      expect((await link.runner.exec(['echo', 'back'])).stdout).toBe('back\n');
      console.log(`[transport figures] stop-sshd -> failed in ${failMs} ms; start-sshd -> ready in ${backMs} ms`);
    } finally {
      await fault(host, 'start-sshd').catch(() => undefined);
      m.dispose();
    }
  });

  it('a silent network (cut-net) fails the connection within the keepalive window, then recovers', async () => {
    const host = 'kvm2';
    const m = labManager(lab, dir, { keepaliveIntervalMs: 1000, keepaliveCountMax: 2, connectTimeoutMs: 2000, backoff: { initialMs: 500, maxMs: 1000 } });
    const link = m.add(hostConfig(host));
    try {
      await link.connect();
      await fault(host, 'cut-net');
      const failMs = await until(() => link.state === 'failed', 1000 * (2 + 1) + 3000, 'failed state');
      expect(link.error?.code).toBe('DISCONNECTED');
      await fault(host, 'restore-net');
      const backMs = await until(() => link.state === 'ready', 15_000, 'ready again');
      console.log(`[transport figures] cut-net -> failed in ${failMs} ms (keepalive 1 s x 2); restore-net -> ready in ${backMs} ms`);
    } finally {
      await fault(host, 'restore-net').catch(() => undefined);
      m.dispose();
    }
  });
});
