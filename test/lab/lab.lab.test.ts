// Smoke test of the lab itself: every host answers the way the app's tests rely on.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, it, expect } from 'vitest';
import { describeLab } from './describe-lab';
import { fault, labSsh, loadLab, sshArgs, startDelayProxy } from './lab';

/** Drive `virsh console` through `ssh -tt`; resolves with everything read. */
function consoleSession(host: string, guest: string, steps: { send: string; expect: RegExp }[], timeoutMs = 30_000, before = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-tt', '-o', 'BatchMode=yes', ...sshArgs(host), `${before}virsh console ${guest} --force`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let from = 0;
    let step = -1;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`console timeout at step ${step}; got: ${JSON.stringify(out.slice(-500))}`)); }, timeoutMs);
    const advance = () => {
      step++;
      if (step < steps.length) {
        from = out.length;
        child.stdin.write(steps[step]!.send);
      } else {
        child.stdin.write('\x1d'); // Ctrl-] detaches virsh console
      }
    };
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      if (step === -1 && /Escape character is/.test(out)) advance();
      else if (step >= 0 && step < steps.length && steps[step]!.expect.test(out.slice(from))) advance();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => { clearTimeout(timer); if (step >= steps.length) resolve(out); else reject(new Error(`console closed at step ${step}: ${JSON.stringify(out.slice(-500))}`)); });
  });
}

describeLab('lab', () => {
  it('lab.json describes every host', () => {
    const lab = loadLab()!;
    expect(Object.keys(lab.hosts).sort()).toEqual(['ct1', 'fleet', 'inner', 'jump', 'kvm1', 'kvm2', 'xen1']);
    expect(lab.hosts.inner!.proxyJump).toBe('jump');
    expect(lab.hosts.kvm2!.password).toBeTruthy();
    expect(lab.passphraseKey.authorizedOn).toBe('kvm2');
  });

  it('kvm1: virsh list shows alpha running and beta shut off', async () => {
    const r = await labSsh('kvm1', 'virsh list --all');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\balpha\s+running/);
    expect(r.stdout).toMatch(/\bbeta\s+shut off/);
  });

  it('kvm2: an independent session libvirtd with gamma running', async () => {
    const r = await labSsh('kvm2', 'virsh list --all');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\bgamma\s+running/);
    expect(r.stdout).toMatch(/\bdelta\s+shut off/);
    expect(r.stdout).not.toMatch(/alpha/);
  });

  it('alpha serial console answers echo $((6*7)) with 42', async () => {
    const out = await consoleSession('kvm1', 'alpha', [
      { send: '\x03\r', expect: /alpha:[^\n]*# / }, // Ctrl-C: a clean prompt whatever was left running
      { send: 'echo $((6*7))\r', expect: /\r?\n42\r?\n/ },
    ]);
    expect(out).toMatch(/\n42\r?\n/);
  }, 40_000);

  it('beta boots, reboots (virsh reboot) and honours ACPI shutdown (virsh shutdown)', async () => {
    await labSsh('kvm1', '[ "$(virsh domstate beta)" = running ] || virsh start beta');
    await consoleSession('kvm1', 'beta', [{ send: '\r', expect: /beta:[^\n]*# / }]);
    const rebooted = await consoleSession('kvm1', 'beta', [{ send: '', expect: /vmdeck-guest beta booted/ }], 30_000, 'virsh reboot beta >/dev/null && ');
    expect(rebooted).toContain('vmdeck-guest beta booted');
    await consoleSession('kvm1', 'beta', [{ send: '\r', expect: /beta:[^\n]*# / }]);
    const t0 = Date.now();
    const r = await labSsh('kvm1', 'virsh shutdown beta && for i in $(seq 1 40); do [ "$(virsh domstate beta)" = "shut off" ] && exit 0; sleep 0.5; done; exit 1');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 90_000);

  it('fleet lists >= 1000 guests in every state, hostile names intact', async () => {
    const r = await labSsh('fleet', 'virsh list --all --name');
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout.split('\n').filter((l) => l !== '');
    expect(names.length).toBeGreaterThanOrEqual(1000);
    for (const n of ['ünïcødé-Δ-日本', 'name with spaces', '$(touch vmdeck-pwned)', '`touch vmdeck-pwned-bt`', '-rf', '--help', '12345', "it's-single-quoted", 'say "double" quotes']) {
      expect(names).toContain(n);
    }
    const all = await labSsh('fleet', 'virsh list --all --managed-save');
    for (const st of ['running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended', 'saved']) {
      expect(all.stdout).toContain(` ${st}`);
    }
    const pwned = await labSsh('fleet', 'ls vmdeck-pwned* 2>/dev/null | wc -l');
    expect(pwned.stdout.trim()).toBe('0');
  });

  it('xen1: xl list prints the reference header', async () => {
    const r = await labSsh('xen1', 'xl list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^Name\s+ID\s+Mem\s+VCPUs\tState\tTime\(s\)$/);
    expect(r.stdout).toMatch(/^Domain-0\s/m);
  });

  it('inner is reachable through jump and not directly', async () => {
    const via = await labSsh('inner', 'virsh list --all --name; hostname -I 2>/dev/null || ip -4 -br addr');
    expect(via.code, via.stderr).toBe(0);
    expect(via.stdout).toMatch(/^test$/m);
    expect(via.stdout).toContain('10.77.2.2');
    const direct = await labSsh('inner', 'true', { extraArgs: ['-o', 'ProxyJump=none', '-o', 'ConnectTimeout=3'], timeoutMs: 10_000 });
    expect(direct.code).not.toBe(0);
  });

  it('delay proxy adds latency and blackholes', async () => {
    const kvm1 = loadLab()!.hosts.kvm1!;
    const proxy = await startDelayProxy({ targetHost: kvm1.address, targetPort: kvm1.port, delayMs: 30 });
    try {
      const via = ['-o', `Port=${proxy.port}`, '-o', `HostKeyAlias=[${kvm1.address}]:${kvm1.port}`];
      const t0 = Date.now();
      const r = await labSsh('kvm1', 'true', { extraArgs: via });
      expect(r.code, r.stderr).toBe(0);
      expect(Date.now() - t0).toBeGreaterThan(4 * 60); // several round trips of 60 ms
      proxy.setBlackhole(true);
      const b = await labSsh('kvm1', 'true', { extraArgs: [...via, '-o', 'ConnectTimeout=2'], timeoutMs: 3_000 });
      expect(b.code).not.toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('stop-sshd drops open connections; start-sshd brings the host back', async () => {
    const long = labSsh('kvm2', 'sleep 20', { timeoutMs: 25_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    await fault('kvm2', 'stop-sshd');
    try {
      const r = await long;
      expect(r.code).not.toBe(0);
      const refused = await labSsh('kvm2', 'true', { timeoutMs: 5_000 });
      expect(refused.code).not.toBe(0);
    } finally {
      await fault('kvm2', 'start-sshd');
    }
    const back = await labSsh('kvm2', 'true');
    expect(back.code, back.stderr).toBe(0);
  }, 40_000);
});

describe('lab helpers', () => {
  it('delay proxy: RTT is twice the delay, blackhole holds then releases bytes in order', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const echoPort = (echo.address() as net.AddressInfo).port;
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, delayMs: 25 });
    const sock = net.connect(proxy.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let got = '';
    sock.on('data', (d) => { got += d.toString(); });
    const waitFor = async (text: string, ms: number) => {
      const end = Date.now() + ms;
      while (!got.includes(text) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      return got.includes(text);
    };
    try {
      const t0 = Date.now();
      sock.write('ping;');
      expect(await waitFor('ping;', 2_000)).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
      proxy.setBlackhole(true);
      sock.write('a;'); sock.write('b;');
      expect(await waitFor('a;', 300)).toBe(false);
      proxy.setBlackhole(false);
      expect(await waitFor('a;b;', 2_000)).toBe(true);
      expect(got).toBe('ping;a;b;');
    } finally {
      sock.destroy();
      await proxy.close();
      echo.close();
    }
  });

  it('labDir honours VMDECK_LAB_DIR', async () => {
    const { labDir } = await import('./lab');
    const old = process.env.VMDECK_LAB_DIR;
    process.env.VMDECK_LAB_DIR = '/tmp/elsewhere';
    try { expect(labDir()).toBe('/tmp/elsewhere'); } finally { if (old === undefined) delete process.env.VMDECK_LAB_DIR; else process.env.VMDECK_LAB_DIR = old; }
  });
});
